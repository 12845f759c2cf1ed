import { processedEvents, users } from '@app/db';
import type { SyncWorker } from '@app/sync';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { sqsEvent } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';
import { at, body, userEvent } from '../../support/sync-events';

/**
 * The batch path sends its stale mark without waiting and lets it travel with the COMMIT. If that
 * statement fails, PostgreSQL turns the COMMIT into a rollback without an error: the worker must
 * notice, and re-run the batch one transaction per record, never report a rolled-back batch as done.
 */

let t: TestDatabase;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];

beforeAll(async () => {
  ({ t, worker, stop } = await startSyncWorker({ dbMax: 1 }));
  // Any stale mark of the event `event_poison_stale` fails, in whichever transaction it runs.
  await t.db.execute(sql`
    CREATE FUNCTION refuse_stale() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.outcome = 'stale' AND NEW.event_id = 'event_poison_stale' THEN
        RAISE EXCEPTION 'stale mark refused';
      END IF;
      RETURN NEW;
    END $$`);
  await t.db.execute(sql`
    CREATE TRIGGER refuse_stale BEFORE UPDATE ON processed_events
    FOR EACH ROW EXECUTE FUNCTION refuse_stale()`);
});
afterAll(() => stop());

const user = async (workosId: string) =>
  (await t.db.select().from(users).where(eq(users.workosId, workosId)))[0];

describe('sync worker: a failed statement sent without waiting', () => {
  it('re-runs the batch record by record when the stale mark fails, and fails only that record', async () => {
    const events = [
      userEvent('created', { id: 'user_u1', email: 'u1@unconfirmed.test', updated_at: at(10) }),
      userEvent('created', { id: 'user_u2', email: 'u2@unconfirmed.test', updated_at: at(10) }),
      {
        ...userEvent('updated', {
          id: 'user_u1',
          email: 'u1@unconfirmed.test',
          first_name: 'Older',
          updated_at: at(9),
        }),
        id: 'event_poison_stale',
      },
    ];
    const report = await worker.processBatch(sqsEvent(events.map(body)));

    expect(report.mode).toBe('isolated');
    expect(report.records.map((r) => (r.ok ? r.result.outcome : r.code))).toEqual([
      'applied',
      'applied',
      'INTERNAL_ERROR',
    ]);
    expect(report.response.batchItemFailures).toEqual([{ itemIdentifier: report.records[2]?.messageId }]);
    expect((await user('user_u1'))?.firstName).not.toBe('Older');
    expect(await user('user_u2')).toBeDefined();
    const inbox = await t.db
      .select()
      .from(processedEvents)
      .where(eq(processedEvents.eventId, 'event_poison_stale'));
    expect(inbox).toEqual([]);
  });
});
