import type { InvocationBudget } from '@app/config/budget';
import type { Sqs } from '@app/config/sqs';
import { fieldIssues, type HttpEvent, type HttpResult, httpError, httpHandler, json } from '@app/http';
import { emitMetric } from '@app/telemetry';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { eventEnvelope } from './events';
import { checkWorkOSSignature } from './signature';

/** SQS's message size limit, and what WorkOS events stay far below. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

/**
 * What goes into the SQS message attributes, which accept only some characters (a NUL is refused
 * by SQS on every retry): WorkOS ids (`event_01H...`) and dotted lower-case event names.
 */
const queueAttributes = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a WorkOS event id'),
  event: z
    .string()
    .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'must be a WorkOS event name')
    .max(128),
});

export type WebhookDeps = {
  sqs: Sqs;
  queueUrl: string;
  /** The endpoint's signing secret (WORKOS_WEBHOOK_SECRET). */
  secret: string;
  logger?: Logger;
  metrics?: Metrics;
  /** HSTS on responses (true outside local dev). */
  hsts?: boolean;
  /**
   * Secrets still holding their placeholder: every delivery is answered 503 NOT_CONFIGURED (WorkOS
   * retries it; reconcile catches up), so no one can sign events with a value this repository shows.
   */
  notConfigured?: readonly string[];
  /** Epoch ms; injectable for tests. */
  clock?: () => number;
  /** Bounds the SendMessage by the invocation's remaining time. */
  budget?: InvocationBudget;
};

export type RejectReason = 'too_large' | 'signature' | 'validation' | 'queue';

/**
 * POST /webhooks/workos: verify, validate, enqueue; no database. The signature is checked on the raw
 * bytes WorkOS sent (base64-decoded when API Gateway encoded them) with node:crypto
 * (checkWorkOSSignature), not with the WorkOS SDK: the SDK would be most of this function's bundle and
 * cold start, and its constructEvent throws on event shapes it does not expect (e.g. an organization
 * without `domains`). The queue gets the raw JSON, so no field is lost.
 */
export function makeWebhookHandler(deps: WebhookDeps) {
  const count = (name: 'WebhookAccepted' | 'WebhookRejected', reason?: RejectReason) => {
    emitMetric(deps.metrics, name, 1, reason ? { reason } : {});
  };
  function reject(reason: RejectReason, error: Error): never {
    count('WebhookRejected', reason);
    throw error;
  }

  async function receive(event: HttpEvent): Promise<HttpResult> {
    const raw = event.body ?? '';
    const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    if (bytes.byteLength > MAX_WEBHOOK_BYTES) {
      reject('too_large', httpError('PAYLOAD_TOO_LARGE', `Body is larger than ${MAX_WEBHOOK_BYTES} bytes`));
    }
    const body = bytes.toString('utf8');
    const sigHeader = event.headers?.['workos-signature'];
    if (!sigHeader || !signatureValid(bytes, sigHeader)) {
      reject('signature', httpError('INVALID_SIGNATURE', 'Missing, invalid or expired WorkOS-Signature'));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      reject('validation', httpError('VALIDATION_FAILED', 'Body is not valid JSON'));
    }
    const envelope = eventEnvelope.extend(queueAttributes.shape).safeParse(parsed);
    if (!envelope.success) {
      reject(
        'validation',
        httpError('VALIDATION_FAILED', 'Body is not a WorkOS event', {
          fields: fieldIssues(envelope.error.issues),
        }),
      );
    }
    const { id, event: type } = envelope.data;
    try {
      await deps.sqs.sendMessage(
        {
          QueueUrl: deps.queueUrl,
          MessageBody: body,
          MessageAttributes: {
            eventId: { DataType: 'String', StringValue: id },
            eventType: { DataType: 'String', StringValue: type },
          },
        },
        // A slow or black-holed SQS gives up in time to answer 503 (and count the rejection).
        { signal: deps.budget?.signal() },
      );
    } catch (cause) {
      deps.logger?.error('enqueue failed', { eventId: id, eventType: type, error: cause });
      reject(
        'queue',
        httpError('QUEUE_UNAVAILABLE', 'The event could not be queued; retry later', { cause }),
      );
    }
    count('WebhookAccepted');
    deps.logger?.info('webhook accepted', { eventId: id, eventType: type });
    return json(200, { received: true });
  }

  function signatureValid(bytes: Uint8Array, header: string): boolean {
    const check = checkWorkOSSignature({
      body: bytes,
      header,
      secret: deps.secret,
      now: (deps.clock ?? Date.now)(),
    });
    // Never log the header itself.
    if (!check.valid) deps.logger?.info('webhook signature rejected', { reason: check.reason });
    return check.valid;
  }

  return httpHandler(receive, {
    logger: deps.logger,
    hsts: deps.hsts ?? true,
    notConfigured: deps.notConfigured,
    metrics: deps.metrics,
    budget: deps.budget,
  });
}
