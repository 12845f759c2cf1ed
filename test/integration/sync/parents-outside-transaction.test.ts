import { organizationMemberships } from '@app/db';
import { makeSyncWorker, type ParentSource } from '@app/sync';
import { type Emulator, startEmulator } from '@app/workos-emulator';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { sqsEvent } from '../../support/events';
import { emulatorWorkOSApi } from '../../support/workos';

/**
 * The worker fetches a missing parent from WorkOS before it opens the batch's transaction: while
 * a WorkOS call is in flight, no connection of the database sits idle in a transaction.
 */
let t: TestDatabase;
let emulator: Emulator;
let observer: postgres.Sql;

beforeAll(async () => {
  [t, emulator] = await Promise.all([createTestDatabase({ max: 3 }), startEmulator({})]);
  observer = postgres(t.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await observer.end();
  await Promise.all([t.drop(), emulator.stop()]);
});

/** The connections to the test database that hold a transaction open while idle. */
async function idleInTransaction() {
  const rows = await observer<{ state: string }[]>`
    select state from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`;
  return rows.length;
}

function lastEvent(type: string, objectId: string) {
  const event = emulator.events
    .filter((e) => e.event === type && (e.data as { id: string }).id === objectId)
    .at(-1);
  if (!event) throw new Error(`no ${type} for ${objectId}`);
  return JSON.stringify(event);
}

describe('parents fetched for a batch', () => {
  it('are fetched while no transaction is open, and still upserted and applied', async () => {
    const real = emulatorWorkOSApi(emulator);
    const seen: number[] = [];
    // Every WorkOS call first looks at the database: how many connections wait in a transaction.
    const workos: ParentSource = {
      get: async (path, options) => {
        seen.push(await idleInTransaction());
        return real.get(path, options);
      },
    };
    const worker = makeSyncWorker({ db: t.db, workos });
    const user = emulator.store.createUser({ email: 'ahead@parents.test' });
    const org = emulator.store.createOrganization({ name: 'Ahead Org' });
    const m = emulator.store.createMembership({ userId: user.id, organizationId: org.id });
    const other = emulator.store.createUser({ email: 'second@parents.test' });
    const m2 = emulator.store.createMembership({ userId: other.id, organizationId: org.id });

    const report = await worker.processBatch(
      sqsEvent([
        lastEvent('organization_membership.created', m.id),
        lastEvent('organization_membership.created', m2.id),
      ]),
    );
    expect(report.mode).toBe('shared');
    expect(report.response.batchItemFailures).toEqual([]);
    expect(report.records.map((r) => (r.ok ? r.result.parentsFetched : -1))).toEqual([2, 1]);
    expect(seen).toHaveLength(3);
    expect(seen).toEqual([0, 0, 0]);
    const rows = await t.db
      .select()
      .from(organizationMemberships)
      .where(eq(organizationMemberships.workosMembershipId, m2.id));
    expect(rows).toHaveLength(1);
  });

  it('a parent WorkOS fails to give fails only the events needing it, with nothing left behind', async () => {
    const worker = makeSyncWorker({ db: t.db, workos: emulatorWorkOSApi(emulator) });
    const user = emulator.store.createUser({ email: 'down@parents.test' });
    const org = emulator.store.createOrganization({ name: 'Down Org' });
    const m = emulator.store.createMembership({ userId: user.id, organizationId: org.id });
    emulator.faults.failNext('GET /user_management/users/:id', 1, 500);
    const first = await worker.processBatch(sqsEvent([lastEvent('organization_membership.created', m.id)]));
    expect(first.records[0]).toMatchObject({ ok: false, code: 'PARENT_UNAVAILABLE' });
    const again = await worker.processBatch(sqsEvent([lastEvent('organization_membership.created', m.id)]));
    expect(again.records[0]).toMatchObject({ ok: true, result: { outcome: 'applied' } });
  });
});
