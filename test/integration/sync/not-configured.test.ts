import { SECRET_PLACEHOLDER } from '@app/config/secrets';
import { processedEvents, syncState, users } from '@app/db';
import { type Emulator, startEmulator } from '@app/workos-emulator';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { lambdaContext, sqsEvent } from '../../support/events';
import { body, membershipEvent, userEvent } from '../../support/sync-events';

/**
 * Before ops set WORKOS_API_KEY it holds the placeholder. The functions that write synced data must
 * then do nothing at all: no WorkOS call, no row, nothing sent, nothing lost (the worker hands every
 * message back to the queue), and no error (the schedule or ops simply try again later).
 */
let t: TestDatabase;
let emulator: Emulator;
let queue: Awaited<ReturnType<typeof startFauxqs>>;
let queueUrl: string;
let queueName: string;
const saved = { ...process.env };

beforeAll(async () => {
  t = await createTestDatabase();
  emulator = await startEmulator({
    seed: { users: [{ id: 'user_seeded', email: 'seeded@example.com', firstName: 'Seeded' }] },
  });
  queue = await startFauxqs({ port: 0, logger: false });
  queueName = `not-configured-sync-${Math.random().toString(36).slice(2)}`;
  queueUrl = queue.createQueue(queueName).queueUrl;
  Object.assign(process.env, {
    APP_ENV: 'aws',
    DATABASE_URL: t.url,
    WORKOS_API_KEY: SECRET_PLACEHOLDER,
    WORKOS_API_HOSTNAME: emulator.hostname,
    WORKOS_API_PORT: String(emulator.port),
    WORKOS_API_HTTPS: 'false',
    QUEUE_URL: queueUrl,
    SQS_ENDPOINT: `http://127.0.0.1:${queue.port}`,
  });
});
afterAll(async () => {
  process.env = saved;
  await queue.stop();
  await emulator.stop();
  await t.drop();
});
beforeEach(() => vi.resetModules());

const workosCalls = () => Object.values(emulator.counts.requests).reduce((a, b) => a + b, 0);

describe('synced-data functions with the placeholder API key', () => {
  it('the sync worker hands every message back and writes nothing', async () => {
    const before = workosCalls();
    const { handler } = await import('../../../functions/sync-worker/handler');
    const event = sqsEvent([
      body(userEvent('created', { id: 'user_new', email: 'new@example.com' })),
      body(membershipEvent('updated', { role: { slug: 'admin' }, updated_at: '2999-01-01T00:00:00.000Z' })),
    ]);
    const result = await handler(event, lambdaContext());
    expect(result).toEqual({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    });
    expect(await t.db.select().from(processedEvents)).toEqual([]);
    expect(await t.db.select().from(users)).toEqual([]);
    expect(workosCalls()).toBe(before);
  });

  it('reconcile reads no events, sends nothing and keeps its cursor', async () => {
    const before = workosCalls();
    const { handler } = await import('../../../functions/reconcile/handler');
    expect(await handler({} as never, lambdaContext())).toEqual({ code: 'NOT_CONFIGURED' });
    expect(workosCalls()).toBe(before);
    expect(await t.db.select().from(syncState)).toEqual([]);
    expect(queue.inspectQueue(queueName)?.messages.ready).toEqual([]);
  });

  it('backfill imports nothing', async () => {
    const before = workosCalls();
    const { handler } = await import('../../../functions/backfill/handler');
    expect(await handler({ mode: 'import' }, lambdaContext())).toEqual({
      complete: false,
      code: 'NOT_CONFIGURED',
    });
    expect(workosCalls()).toBe(before);
    expect(await t.db.select().from(users)).toEqual([]);
  });
});
