import { createSes } from '@app/config/ses';
import { notifications, users } from '@app/db';
import { type LocalQueue, type LocalSes, startLocalQueue, startLocalSes, startQueuePoller } from '@app/local';
import { makeDelivery, makeNotificationQueue, makeNotifier, sweepOutbox } from '@app/notifications/delivery';
import { makeSyncWorker } from '@app/sync';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { lambdaContext, sqsEvent } from '../../support/events';
import { type SesFault, startSesFaults } from '../../support/ses-faults';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';
import { at, body, membershipEvent, orgEvent, userEvent } from '../../support/sync-events';

const MAX_RECEIVES = 4;
let bed: SyncWorkerBed;
let t: TestDatabase;
let queue: LocalQueue;
let ses: LocalSes;
let faults: Awaited<ReturnType<typeof startSesFaults>>;
/** Per recipient: the faults its next sends get, in order. */
const planned = new Map<string, SesFault[]>();
let poller: ReturnType<typeof startQueuePoller>;

const throttled: SesFault = {
  status: 429,
  type: 'TooManyRequestsException',
  message: 'Maximum sending rate exceeded.',
};
const rejected: SesFault = {
  status: 400,
  type: 'MessageRejected',
  message: 'Email address is not verified. The following identities failed the check in region US-EAST-1',
};

beforeAll(async () => {
  [bed, queue, ses] = await Promise.all([
    startSyncWorker(),
    startLocalQueue({ name: 'notifications', visibilityTimeoutSeconds: 1, maxReceiveCount: MAX_RECEIVES }),
    startLocalSes(),
  ]);
  t = bed.t;
  faults = await startSesFaults(ses.endpoint, (to) => planned.get(to[0] ?? '')?.shift());
  const delivery = makeDelivery({
    db: t.db,
    ses: createSes({ SES_ENDPOINT: faults.endpoint }),
    from: 'notifications@example.com',
    leaseMs: 30_000,
  });
  const notifier = makeNotifier({
    delivery,
    maxReceiveCount: MAX_RECEIVES,
    sqs: queue.sender,
    queueUrl: queue.queueUrl,
    backoff: () => 0,
  });
  poller = startQueuePoller({ sqs: queue.sqs, queueUrl: queue.queueUrl, handler: notifier, waitSeconds: 1 });
});
afterAll(async () => {
  await poller?.stop();
  await Promise.all([bed?.stop(), queue?.stop(), ses?.stop(), faults?.stop()]);
});

/** The sync worker with the outbox's after-commit enqueue onto the local notifications queue. */
function worker(enqueue = makeNotificationQueue({ sqs: queue.sender, queueUrl: queue.queueUrl })) {
  return makeSyncWorker({ db: t.db, workos: bed.workos, enqueueNotifications: enqueue });
}

/** A member added to a new organization, through the sync worker; returns the user's id and address. */
async function addMember(name: string, w = worker()) {
  const email = `${name}@example.com`;
  const events = [
    userEvent('created', { id: `user_${name}`, email, updated_at: at(0) }),
    orgEvent('created', { id: `org_${name}`, name: `Org ${name}`, updated_at: at(0) }),
    membershipEvent('created', {
      id: `om_${name}`,
      user_id: `user_${name}`,
      organization_id: `org_${name}`,
      status: 'active',
      role: { slug: 'member' },
      updated_at: at(1),
    }),
  ];
  const response = await w.handler(sqsEvent(events.map(body)), lambdaContext());
  expect(response.batchItemFailures).toEqual([]);
  const [user] = await t.db.select().from(users).where(eq(users.email, email));
  return { userId: user?.id as string, email };
}

const emailRow = async (userId: string) =>
  (await t.db.select().from(notifications).where(eq(notifications.userId, userId))).find(
    (r) => r.type === 'EMAIL',
  );

async function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const mailTo = async (address: string) =>
  (await ses.emails()).filter((e) => e.destination.to.includes(address));

describe('notifier: email through SES v2 from the notifications queue', () => {
  it('sends the email of a membership change once and marks it SENT', async () => {
    const { userId, email } = await addMember('deliv_ok');
    const row = await until(async () => {
      const r = await emailRow(userId);
      return r?.status === 'SENT' && r;
    }, 'SENT');
    expect(row.sentAt).not.toBeNull();
    const mail = await mailTo(email);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      from: 'notifications@example.com',
      subject: 'You were added to Org deliv_ok',
    });
    expect(mail[0]?.body.text).toBe('You are now a member of Org deliv_ok with the role member.');
  });

  it('sends once when the same notification is delivered several times at once', async () => {
    const { userId, email } = await addMember(
      'deliv_dup',
      worker(async () => {}),
    );
    const row = await emailRow(userId);
    const enqueue = makeNotificationQueue({ sqs: queue.sender, queueUrl: queue.queueUrl });
    await enqueue([row?.id as string, row?.id as string, row?.id as string]);
    await until(async () => (await emailRow(userId))?.status === 'SENT', 'SENT');
    // Every copy has been received and acknowledged once the queue is empty.
    await until(async () => {
      const attrs = await queue.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        attrs.Attributes?.ApproximateNumberOfMessages === '0' &&
        attrs.Attributes?.ApproximateNumberOfMessagesNotVisible === '0'
      );
    }, 'an empty queue');
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('recovers a crash between commit and enqueue through the sweep', async () => {
    const failing = worker(async () => {
      throw new Error('SQS unreachable');
    });
    const { userId, email } = await addMember('deliv_sweep', failing);
    expect((await emailRow(userId))?.status).toBe('PENDING');
    // Not yet a minute old: the sweep leaves it alone.
    const enqueue = makeNotificationQueue({ sqs: queue.sender, queueUrl: queue.queueUrl });
    expect(await sweepOutbox({ db: t.db, enqueue })).toEqual({ requeued: 0 });
    await t.db
      .update(notifications)
      .set({ createdAt: new Date(Date.now() - 120_000) })
      .where(eq(notifications.userId, userId));
    const swept = await sweepOutbox({ db: t.db, enqueue });
    expect(swept.requeued).toBeGreaterThanOrEqual(1);
    await until(async () => (await emailRow(userId))?.status === 'SENT', 'SENT after the sweep');
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('retries a throttled send through the queue and sends it once SES accepts', async () => {
    planned.set('deliv_throttle@example.com', [throttled, throttled]);
    const { userId, email } = await addMember('deliv_throttle');
    await until(async () => (await emailRow(userId))?.status === 'SENT', 'SENT after throttling');
    expect(planned.get(email)).toEqual([]);
    expect(await mailTo(email)).toHaveLength(1);
    expect((await emailRow(userId))?.errorMsg).toBeNull();
  });

  it('marks a rejected address FAILED at once with the reason SES gave', async () => {
    planned.set('deliv_rejected@example.com', [rejected, rejected, rejected]);
    const { userId, email } = await addMember('deliv_rejected');
    const row = await until(async () => {
      const r = await emailRow(userId);
      return r?.status === 'FAILED' && r;
    }, 'FAILED');
    expect(row.errorMsg).toBe(`MessageRejected: ${rejected.message}`);
    expect(row.failedAt).not.toBeNull();
    // One attempt only: the other planned faults were never used.
    expect(planned.get(email)).toHaveLength(2);
    expect(await mailTo(email)).toHaveLength(0);
  });

  it('gives up on a send still throttled at the last attempt: FAILED, not left in the dead-letter queue', async () => {
    planned.set(
      'deliv_giveup@example.com',
      Array.from({ length: MAX_RECEIVES }, () => throttled),
    );
    const { userId } = await addMember('deliv_giveup');
    const row = await until(async () => {
      const r = await emailRow(userId);
      return r?.status === 'FAILED' && r;
    }, 'FAILED after the last attempt');
    expect(row.errorMsg).toBe(`gave up: TooManyRequestsException: ${throttled.message}`);
  });
});
