import { type Database, notifications, users } from '@app/db';
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { and, eq, inArray, or, sql } from 'drizzle-orm';

/**
 * Sends one EMAIL notification: claim (compare-and-set to PROCESSING, so a redelivered message or a
 * second notifier finds nothing to do), send through SES v2, mark SENT or FAILED. A transient SES
 * error releases the claim (back to QUEUED) and asks the queue to try again later; a permanent one
 * (a rejected address, a bad request) is FAILED at once with SES's reason.
 */
export type DeliveryDeps = {
  db: Database;
  ses: SESv2Client;
  /**
   * The verified SES identity mail is sent from (an address, or any address of a verified domain).
   * Unset: the stage sends no email, and each email row is CANCELLED (safe before configured).
   */
  from: string | undefined;
  /** SES configuration set for sending events, when the stage has one. */
  configurationSet?: string | undefined;
  /**
   * How long a claim holds: a row PROCESSING for longer was left by an invocation that died (it
   * may or may not have sent: at-least-once), and may be claimed again. The notifier's timeout.
   */
  leaseMs: number;
};

export type DeliveryOutcome =
  /** Nothing to do: sent, failed or claimed by someone else already, or no such row. */
  | { outcome: 'skipped' }
  | { outcome: 'sent' }
  | { outcome: 'cancelled'; reason: string }
  | { outcome: 'failed'; reason: string }
  | { outcome: 'retry'; reason: string };

/** SES errors a later attempt cannot fix: the notification is FAILED at once. */
const PERMANENT = new Set([
  'MessageRejected',
  'BadRequestException',
  'NotFoundException',
  'MailFromDomainNotVerifiedException',
]);

/** `name: message` of an SES (or network) error, short, for error_msg and logs (no addresses). */
export function sesReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  return `${error.name}: ${error.message.split('\n')[0]}`.slice(0, 300);
}

export function isPermanent(error: unknown): boolean {
  return error instanceof Error && PERMANENT.has(error.name);
}

export function makeDelivery(deps: DeliveryDeps) {
  const n = notifications;

  async function claim(id: string) {
    const lease = `${Math.ceil(deps.leaseMs / 1000)} seconds`;
    const [row] = await deps.db
      .update(n)
      .set({ status: 'PROCESSING', updatedAt: sql`now()` })
      .where(
        and(
          eq(n.id, id),
          eq(n.type, 'EMAIL'),
          or(
            inArray(n.status, ['PENDING', 'QUEUED']),
            and(eq(n.status, 'PROCESSING'), sql`${n.updatedAt} < now() - ${lease}::interval`),
          ),
        ),
      )
      .returning({
        subject: n.subject,
        message: n.message,
        email: sql<
          string | null
        >`(SELECT ${users.email} FROM ${users} WHERE ${users.id} = ${n.userId} AND ${users.deletedAt} IS NULL)`,
      });
    return row;
  }

  async function mark(id: string, status: 'SENT' | 'FAILED' | 'QUEUED' | 'CANCELLED', reason?: string) {
    await deps.db
      .update(n)
      .set(
        status === 'SENT'
          ? { status, sentAt: sql`now()`, errorMsg: null }
          : status === 'FAILED'
            ? { status, failedAt: sql`now()`, errorMsg: reason ?? null }
            : status === 'CANCELLED'
              ? { status, errorMsg: reason ?? null }
              : { status, errorMsg: reason ?? null },
      )
      .where(and(eq(n.id, id), eq(n.status, 'PROCESSING')));
  }

  /**
   * Delivers notification `id`. `timeoutMs`: what the invocation has left for the SES call;
   * `lastAttempt`: a transient failure is FAILED instead of retried (the message would go to the DLQ).
   */
  async function deliver(
    id: string,
    options: { timeoutMs?: number; lastAttempt?: boolean } = {},
  ): Promise<DeliveryOutcome> {
    const row = await claim(id);
    if (!row) return { outcome: 'skipped' };
    if (!deps.from) {
      const reason = 'email is not configured for this stage (notificationsFrom)';
      await mark(id, 'CANCELLED', reason);
      return { outcome: 'cancelled', reason };
    }
    if (!row.email) {
      const reason = 'recipient has no deliverable address (user deleted)';
      await mark(id, 'FAILED', reason);
      return { outcome: 'failed', reason };
    }
    try {
      await deps.ses.send(
        new SendEmailCommand({
          FromEmailAddress: deps.from,
          Destination: { ToAddresses: [row.email] },
          Content: {
            Simple: {
              Subject: { Data: row.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: row.message, Charset: 'UTF-8' } },
            },
          },
          ...(deps.configurationSet ? { ConfigurationSetName: deps.configurationSet } : {}),
        }),
        options.timeoutMs === undefined
          ? {}
          : { abortSignal: AbortSignal.timeout(Math.max(1, options.timeoutMs)) },
      );
    } catch (error) {
      const reason = sesReason(error);
      if (isPermanent(error) || options.lastAttempt) {
        await mark(id, 'FAILED', options.lastAttempt && !isPermanent(error) ? `gave up: ${reason}` : reason);
        return { outcome: 'failed', reason };
      }
      await mark(id, 'QUEUED', reason);
      return { outcome: 'retry', reason };
    }
    await mark(id, 'SENT');
    return { outcome: 'sent' };
  }

  return { deliver };
}

export type Delivery = ReturnType<typeof makeDelivery>;
