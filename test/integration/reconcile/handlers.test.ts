import { users } from '@app/db';
import type { ScheduledEvent } from 'aws-lambda';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../support/events';
import { databaseState, emulatorState, type SyncStack, startSyncStack } from '../../support/reconcile';

let s: SyncStack;
beforeAll(async () => {
  s = await startSyncStack();
  // What the CDK app gives these functions (secrets already resolved, as resolveSecrets leaves them).
  Object.assign(process.env, {
    DATABASE_URL: s.t.url,
    WORKOS_API_KEY: s.emulator.apiKey,
    WORKOS_CLIENT_ID: s.emulator.clientId,
    WORKOS_API_HOSTNAME: s.emulator.hostname,
    WORKOS_API_PORT: String(s.emulator.port),
    WORKOS_API_HTTPS: 'false',
    QUEUE_URL: s.queue.queueUrl,
    SQS_ENDPOINT: s.queue.endpoint,
    RECONCILE_LOOKBACK_HOURS: '1',
  });
});
afterAll(() => s?.stop());

describe('reconcile handler', () => {
  it('enqueues the events webhooks missed and the worker applies them', async () => {
    const user = s.change(() =>
      s.emulator.store.createUser({ email: 'handler@example.com', firstName: 'Hand' }),
    );
    const { handler } = await import('../../../functions/reconcile/handler');
    const result = await handler({} as ScheduledEvent, lambdaContext());
    expect(result).toMatchObject({ enqueued: 1, stoppedBy: 'caught_up', cursorBefore: null });
    await s.drain();
    const [row] = await s.t.db.select().from(users).where(eq(users.workosId, user.id));
    expect(row).toMatchObject({ email: 'handler@example.com', firstName: 'Hand' });
  });
});

describe('backfill handler', () => {
  it('answers a bad event with INVALID_REQUEST and imports on { mode: "full" }', async () => {
    s.change(() => s.emulator.store.createOrganization({ name: 'Handler Org' }));
    const { handler } = await import('../../../functions/backfill/handler');
    const context = lambdaContext({ getRemainingTimeInMillis: () => 15 * 60_000 });
    await expect(handler({ mode: 'everything' }, context)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    const result = await handler({ mode: 'full' }, context);
    expect(result).toMatchObject({ mode: 'full', complete: true });
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });
});
