import { createDb, organizations, processedEvents, users } from '@app/db';
import type { HttpResult } from '@app/http';
import { startLocalQueue, startQueuePoller } from '@app/local';
import { makeSyncWorker } from '@app/sync';
import { makeWebhookHandler } from '@app/sync/webhook';
import { signWebhook } from '@app/workos-emulator';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { inArray, like } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, type Harness, startHarness } from '../../support/auth';
import { httpEvent, lambdaContext } from '../../support/events';
import { at, body, orgEvent, userEvent } from '../../support/sync-events';
import { emulatorWorkOSApi } from '../../support/workos';

// Chaos: PostgreSQL terminates every backend of the worker and of GET /me, again and again, while
// two worker instances drain the queue and /me serves. The process must survive, nothing may be
// lost or applied twice, callers get a retryable 503 (never 500, never a 401 that signs them out),
// and the pipeline keeps going once the database is back.
const APP = `chaos_${process.pid}`;
const SECRET = 'whsec_chaos';
const USERS = 120;
const ORGS = 40;
const KILL_MS = 6000;

let h: Harness;
let queue: Awaited<ReturnType<typeof startLocalQueue>>;
let admin: ReturnType<typeof postgres>;
const escaped: unknown[] = [];
const onEscaped = (error: unknown) => escaped.push(error);

beforeAll(async () => {
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
  [h, queue] = await Promise.all([
    startHarness(),
    startLocalQueue({ visibilityTimeoutSeconds: 1, maxReceiveCount: 1000 }),
  ]);
  admin = postgres(h.t.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  process.off('uncaughtException', onEscaped);
  process.off('unhandledRejection', onEscaped);
  await admin?.end();
  await queue?.stop();
  await h?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chaos: terminated database backends', () => {
  it('no crash, nothing lost or doubled, 503 DATABASE_UNAVAILABLE for /me, and the pipeline recovers', async () => {
    const { cookie } = await h.signIn('admin@acme.test');
    // Each "container" has its own pool of one, named so the killer finds it.
    const clients = Array.from({ length: 4 }, () => createDb(h.t.url, { max: 1, applicationName: APP }));
    const [w1, w2, m1, m2] = clients.map((c) => c.db) as [
      typeof h.t.db,
      typeof h.t.db,
      typeof h.t.db,
      typeof h.t.db,
    ];
    const pollerErrors: unknown[] = [];
    const pollers = [w1, w2].map((db) =>
      startQueuePoller({
        sqs: queue.sqs,
        queueUrl: queue.queueUrl,
        waitSeconds: 0,
        handler: makeSyncWorker({ db, workos: emulatorWorkOSApi(h.emulator) }).handler,
        onError: (error) => pollerErrors.push(error),
      }),
    );
    const meInstances = [m1, m2].map((db) => h.instance({ db }));

    // Every event delivered twice, as WorkOS and SQS may.
    const events = [
      ...Array.from({ length: USERS }, (_, i) =>
        userEvent('created', { id: `user_chaos_${i}`, email: `chaos${i}@example.com`, updated_at: at(i) }),
      ),
      ...Array.from({ length: ORGS }, (_, i) =>
        orgEvent('created', { id: `org_chaos_${i}`, name: `Chaos ${i}`, updated_at: at(i) }),
      ),
    ];
    const deliveries = [...events, ...events].sort(() => Math.random() - 0.5);
    for (let i = 0; i < deliveries.length; i += 10) {
      await queue.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.queueUrl,
          Entries: deliveries.slice(i, i + 10).map((e, j) => ({ Id: String(j), MessageBody: body(e) })),
        }),
      );
    }

    const statuses = new Map<number, number>();
    const bad: HttpResult[] = [];
    let serving = true;
    const readers = meInstances.map(async (instance) => {
      while (serving) {
        const res = await instance.me({ path: '/me', cookies: [cookie as string] });
        const status = res.statusCode ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const retryable =
          res.statusCode === 503 &&
          bodyOf(res).error?.code === 'DATABASE_UNAVAILABLE' &&
          res.headers['retry-after'] !== undefined;
        if (res.statusCode !== 200 && !retryable) bad.push(res);
        await sleep(5);
      }
    });

    let kills = 0;
    const started = Date.now();
    while (Date.now() - started < KILL_MS) {
      await sleep(30 + Math.random() * 50);
      const killed = await admin`
        select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${APP}`;
      kills += killed.length;
    }

    // The database is back: a new signed webhook goes through the handler and is applied.
    const last = userEvent('created', {
      id: 'user_chaos_after',
      email: 'after@example.com',
      updated_at: at(1),
    });
    const webhook = makeWebhookHandler({ sqs: queue.sender, queueUrl: queue.queueUrl, secret: SECRET });
    const payload = body(last);
    const accepted = await webhook(
      httpEvent({
        method: 'POST',
        path: '/webhooks/workos',
        headers: { 'content-type': 'application/json', 'workos-signature': signWebhook(payload, SECRET) },
        body: payload,
      }),
      lambdaContext(),
    );
    expect(accepted.statusCode).toBe(200);

    const ids = [...events, last].map((e) => e.id as string);
    const deadline = Date.now() + 30_000;
    let applied = 0;
    while (Date.now() < deadline) {
      applied = (await h.db.select().from(processedEvents).where(inArray(processedEvents.eventId, ids)))
        .length;
      if (applied === ids.length) break;
      await sleep(200);
    }
    serving = false;
    await Promise.all(readers);
    await Promise.all(pollers.map((p) => p.stop()));
    await Promise.all(clients.map((c) => c.close()));

    const userRows = await h.db.select().from(users).where(like(users.workosId, 'user_chaos_%'));
    const orgRows = await h.db
      .select()
      .from(organizations)
      .where(like(organizations.workosOrgId, 'org_chaos_%'));
    const summary = {
      kills,
      escaped: escaped.map(String),
      me: Object.fromEntries(statuses),
      notRetryable: bad.map((r) => `${r.statusCode} ${String(r.body)}`).slice(0, 5),
      applied,
      users: userRows.length,
      orgs: orgRows.length,
    };
    expect(summary).toMatchObject({
      escaped: [],
      notRetryable: [],
      applied: ids.length,
      users: USERS + 1,
      orgs: ORGS,
    });
    expect(kills).toBeGreaterThan(20);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
  }, 55_000);
});
