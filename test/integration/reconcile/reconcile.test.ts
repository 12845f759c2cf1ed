import { createSqs, type Sqs } from '@app/config/sqs';
import type { WorkOSCallOptions } from '@app/config/workos-api';
import { processedEvents, syncState } from '@app/db';
import { EVENTS_CURSOR_KEY, makeReconciler, type ReconcileError } from '@app/sync/reconcile';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  allRows,
  databaseState,
  emulatorState,
  type SyncStack,
  startSyncStack,
} from '../../support/reconcile';

let s: SyncStack;
beforeAll(async () => {
  s = await startSyncStack({ webhooks: true });
});
afterAll(() => s?.stop());

/** A reconciler on the stack, with recorded (instant) backoff sleeps. */
function reconciler(overrides: Partial<Parameters<typeof makeReconciler>[0]> = {}) {
  const sleeps: number[] = [];
  const r = makeReconciler({
    db: s.t.db,
    workos: s.workos,
    sqs: s.queue.sender,
    queueUrl: s.queue.queueUrl,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  return Object.assign(r, { sleeps });
}

const cursor = async () =>
  (await s.t.db.select().from(syncState).where(eq(syncState.key, EVENTS_CURSOR_KEY)))[0]?.cursor ?? null;
const setCursor = async (value: string | null) => {
  await s.t.db.delete(syncState).where(eq(syncState.key, EVENTS_CURSOR_KEY));
  if (value) await s.t.db.insert(syncState).values({ key: EVENTS_CURSOR_KEY, cursor: value });
};
const lastEventId = () => s.emulator.events.at(-1)?.id ?? null;
/** The events reconcile reads after a cursor, oldest first. */
const eventsAfter = (id: string | null) =>
  s.emulator.events
    .slice(s.emulator.events.findIndex((e) => e.id === id) + 1)
    .filter((e) => e.event !== 'session.created');
const inbox = async () =>
  Number((await s.t.db.select({ n: sql<number>`count(*)::int` }).from(processedEvents))[0]?.n);

/** Makes a batch of changes of every kind in WorkOS: creates, updates, deletes. */
function churn(tag: string) {
  const { store } = s.emulator;
  const user = (n: string) =>
    s.change(() => store.createUser({ email: `${tag}-${n}@example.com`, firstName: n.toUpperCase() }));
  const [a, b, c] = [user('a'), user('b'), user('c')];
  const org = s.change(() => store.createOrganization({ name: `Org ${tag}` }));
  const gone = s.change(() => store.createOrganization({ name: `Gone ${tag}` }));
  const ma = s.change(() =>
    store.createMembership({ userId: a.id, organizationId: org.id, roleSlug: 'member' }),
  );
  const mb = s.change(() =>
    store.createMembership({ userId: b.id, organizationId: org.id, roleSlug: 'member' }),
  );
  s.change(() => store.createMembership({ userId: c.id, organizationId: gone.id, roleSlug: 'member' }));
  s.change(() => store.updateUser(a.id, { firstName: 'Renamed', lastName: 'Person' }));
  s.change(() => store.updateOrganization(org.id, { name: `Org ${tag} renamed` }));
  s.change(() => store.updateMembership(ma.id, { roleSlug: 'admin' }));
  s.change(() => store.deactivateMembership(mb.id));
  s.change(() => store.deleteUser(c.id));
  s.change(() => store.deleteOrganization(gone.id));
  return { a, b, c, org, gone, ma, mb };
}

describe('reconcile: webhooks stopped', () => {
  beforeEach(async () => {
    s.emulator.webhooks.resume();
    await s.drain();
  });

  it('brings the database to the WorkOS state from the Events API alone', async () => {
    churn('before');
    await s.drain();
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));

    s.emulator.webhooks.pause();
    const changed = churn('outage');
    // Nothing reached the database while webhooks were stopped.
    expect((await databaseState(s.t)).users[changed.a.id]).toBeUndefined();

    const r = reconciler();
    const result = await r.run();
    expect(result.stoppedBy).toBe('caught_up');
    expect(result.enqueued).toBe(s.emulator.events.filter((e) => e.event !== 'session.created').length);
    expect(result.cursorAfter).toBe(lastEventId());
    expect(await cursor()).toBe(lastEventId());
    await s.drain();
    expect(s.workerErrors).toEqual([]);
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));

    // When webhooks come back, WorkOS delivers what it held: every one is a duplicate.
    const before = await inbox();
    s.emulator.webhooks.resume();
    await s.drain();
    expect(await inbox()).toBe(before);
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });

  it('changes nothing when run again over the same window', async () => {
    s.emulator.webhooks.pause();
    churn('twice');
    await reconciler().run();
    await s.drain();
    const rows = await allRows(s.t);
    const applied = await inbox();
    const cursorAfterFirst = await cursor();

    const second = await reconciler().run();
    expect(second).toMatchObject({ enqueued: 0, stoppedBy: 'caught_up', lagSeconds: 0 });
    expect(await cursor()).toBe(cursorAfterFirst);
    // Even re-reading the whole window (cursor lost) only enqueues duplicates the inbox skips.
    await setCursor(null);
    const replay = await reconciler().run();
    expect(replay.enqueued).toBeGreaterThan(0);
    await s.drain();
    expect(await inbox()).toBe(applied);
    expect(await allRows(s.t)).toEqual(rows);
  });
});

describe('reconcile: failures', () => {
  beforeEach(async () => {
    s.emulator.webhooks.pause();
    s.emulator.faults.clear();
    await reconciler().run();
    await s.drain();
    s.reports.length = 0;
  });

  it('re-enqueues after a crash between enqueue and cursor save, and the worker applies each event once', async () => {
    const from = await cursor();
    churn('crash');
    const expected = eventsAfter(from).length;
    // SQS accepts every batch, then the process dies before the cursor is written.
    const sender = createSqs({ SQS_ENDPOINT: s.queue.endpoint });
    const crashing: Sqs = {
      ...sender,
      sendMessageBatch: async (input, options) => {
        await sender.sendMessageBatch(input, options);
        throw new Error('process killed after SendMessageBatch');
      },
    };
    const crashed = reconciler({ sqs: crashing });
    await expect(crashed.run()).rejects.toMatchObject({ code: 'ENQUEUE_FAILED' });
    expect(await cursor()).toBe(from);

    const retried = await reconciler().run();
    expect(retried.cursorAfter).toBe(lastEventId());
    await s.drain();
    const perEvent = new Map<string, string[]>();
    for (const r of s.reports) {
      if (!r.eventId || !r.ok) continue;
      perEvent.set(r.eventId, [...(perEvent.get(r.eventId) ?? []), r.result.outcome]);
    }
    const newEvents = eventsAfter(from);
    expect(newEvents).toHaveLength(expected);
    const outcomes = newEvents.map((event) => perEvent.get(event.id) ?? []);
    // The batch the crashed run sent came again with the retried run: delivered several times...
    for (const o of outcomes.slice(0, 10)) expect(o.length).toBeGreaterThan(1);
    // ...and every event, re-sent or not, changed the database exactly once.
    for (const o of outcomes) expect(o.filter((x) => x === 'applied' || x === 'stale')).toHaveLength(1);
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });

  it('retries 429 and 5xx from the Events API with growing backoff, then carries on', async () => {
    churn('flaky');
    s.emulator.faults.failNext('GET /events', 2, { status: 429, retryAfterSeconds: 0 });
    const r = reconciler({ retry: { attempts: 5, baseDelayMs: 100 } });
    const result = await r.run();
    expect(result.retries).toBe(2);
    expect(r.sleeps).toHaveLength(2);
    expect(r.sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(r.sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(result.cursorAfter).toBe(lastEventId());

    churn('flaky5xx');
    s.emulator.faults.failNext('GET /events', 3, 503);
    const again = reconciler({ retry: { attempts: 5, baseDelayMs: 100 } });
    expect((await again.run()).retries).toBe(3);
    expect(again.sleeps[2]).toBeGreaterThanOrEqual(200);
    await s.drain();
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });

  it('never moves the cursor past events it could not read when retries run out mid-window', async () => {
    const from = await cursor();
    churn('outage-api');
    // Page one (5 events) reads fine; every later Events API call fails.
    let calls = 0;
    const workos = {
      get: async (path: string, options?: WorkOSCallOptions) => {
        calls++;
        if (calls === 2) s.emulator.faults.failNext('GET /events', 100, 500);
        return s.workos.get(path, options);
      },
    };
    const r = reconciler({ workos, pageSize: 5, retry: { attempts: 3, baseDelayMs: 10 } });
    const error = (await r.run().catch((e: unknown) => e)) as ReconcileError;
    expect(error.code).toBe('EVENTS_API_FAILED');
    expect(r.sleeps).toHaveLength(2);
    const relevant = eventsAfter(from);
    // Exactly the first page is on the queue and behind the cursor.
    expect(await cursor()).toBe(relevant[4]?.id);

    s.emulator.faults.clear();
    const resumed = await reconciler().run();
    expect(resumed.enqueued).toBe(relevant.length - 5);
    expect(resumed.cursorAfter).toBe(lastEventId());
    await s.drain();
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });

  it('stops at the time budget with the cursor on the last enqueued event', async () => {
    churn('budget');
    let pagesLeft = 1;
    const r = reconciler({ pageSize: 5 });
    const result = await r.run({ remainingMs: () => (pagesLeft-- > 0 ? 60_000 : 1_000), reserveMs: 20_000 });
    expect(result).toMatchObject({ stoppedBy: 'time_budget', enqueued: 5, pages: 1 });
    expect(await cursor()).toBe(result.cursorAfter);
    expect(result.lagSeconds).toBeGreaterThanOrEqual(0);
    const rest = await reconciler().run();
    expect(rest.stoppedBy).toBe('caught_up');
    expect(rest.cursorAfter).toBe(lastEventId());
    await s.drain();
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });
});

describe('reconcile: overlapping runs', () => {
  it('never moves the cursor backwards when two runs overlap', async () => {
    s.emulator.webhooks.pause();
    churn('overlap');
    const runs = await Promise.allSettled([
      reconciler({ pageSize: 3 }).run(),
      reconciler({ pageSize: 3 }).run(),
    ]);
    for (const run of runs) {
      if (run.status === 'rejected') expect(run.reason).toMatchObject({ code: 'CURSOR_CONFLICT' });
    }
    expect(runs.some((r) => r.status === 'fulfilled')).toBe(true);
    // Whoever lost stopped; a later run finds the cursor at the head, never behind it.
    const after = await reconciler().run();
    expect(after.cursorAfter).toBe(lastEventId());
    await s.drain();
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });
});

describe('reconcile: first run', () => {
  it('reads only the lookback window when there is no cursor yet', async () => {
    await setCursor(null);
    const future = new Date(Date.now() + 1000 * 3600 * 100);
    const none = await reconciler({ lookbackHours: 72, clock: () => future }).run();
    expect(none).toMatchObject({ enqueued: 0, cursorAfter: null, stoppedBy: 'caught_up' });
    expect(await cursor()).toBeNull();
    await s.drain();
    const all = await reconciler({ lookbackHours: 72 }).run();
    expect(all.enqueued).toBe(s.emulator.events.filter((e) => e.event !== 'session.created').length);
    await s.drain();
  });

  it('queues the raw WorkOS JSON, exactly as a webhook body', async () => {
    s.emulator.webhooks.pause();
    const user = s.change(() => s.emulator.store.createUser({ email: 'raw@example.com', firstName: 'Raw' }));
    // A queue no worker reads, so the message can be inspected.
    const { QueueUrl } = await s.queue.sqs.send(new CreateQueueCommand({ QueueName: `raw-${Date.now()}` }));
    await reconciler({ queueUrl: QueueUrl ?? '' }).run();
    const got = await s.queue.sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    const event = s.emulator.events.find((e) => e.event === 'user.created' && e.data.id === user.id);
    const message = got.Messages?.find((m) => m.MessageAttributes?.eventId?.StringValue === event?.id);
    expect(JSON.parse(message?.Body ?? '{}')).toEqual(event);
    expect(message?.MessageAttributes?.eventType?.StringValue).toBe('user.created');
  });
});
