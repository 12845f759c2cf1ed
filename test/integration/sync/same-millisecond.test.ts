import { organizationMemberships, organizations, users } from '@app/db';
import type { SyncWorker } from '@app/sync';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { sqsEvent } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';
import { at, membershipEvent, orgEvent, userEvent } from '../../support/sync-events';

/**
 * WorkOS can make several changes to one object in the same millisecond: their events carry the
 * same updated_at and differ only by their ids (ULIDs, in creation order). Whatever order they
 * arrive in, and through either path of the worker, the last one must win.
 */

let t: TestDatabase;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];
beforeAll(async () => {
  ({ t, worker, stop } = await startSyncWorker());
});
afterAll(() => stop());

type Json = Record<string, unknown>;
let sequence = 0;
/** Events get ids that sort in the order they are made, as WorkOS's ULIDs do. */
const inOrder = (...events: Json[]) =>
  events.map((event) => ({ ...event, id: `event_01K${String(++sequence).padStart(23, '0')}` }));

const paths = {
  'one transaction per batch': (events: Json[]) =>
    worker.processBatch(sqsEvent(events.map((e) => JSON.stringify(e)))),
  'one transaction per event': (events: Json[]) =>
    worker.processEachRecord(sqsEvent(events.map((e) => JSON.stringify(e)))),
};

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

let run = 0;
async function deliverAll(path: keyof typeof paths, events: Json[]) {
  const report = await paths[path](events);
  expect(report.response.batchItemFailures).toEqual([]);
}

describe.each(Object.keys(paths) as (keyof typeof paths)[])(
  'changes in the same millisecond (%s)',
  (path) => {
    it('keeps the updated user, in every delivery order', async () => {
      for (const order of permutations([0, 1])) {
        const id = `user_ms_${++run}`;
        const history = inOrder(
          userEvent('created', { id, email: `${id}@ms.test`, first_name: 'Created', updated_at: at(1) }),
          userEvent('updated', { id, email: `${id}@ms.test`, first_name: 'Updated', updated_at: at(1) }),
        );
        for (const i of order) await deliverAll(path, [history[i] as Json]);
        const [row] = await t.db.select().from(users).where(eq(users.workosId, id));
        expect(row?.firstName).toBe('Updated');
      }
    });

    it('keeps the renamed organization and the changed membership role, delivered in order in one batch', async () => {
      const u = `user_ms_${++run}`;
      const o = `org_ms_${run}`;
      const om = `om_ms_${run}`;
      await deliverAll(
        path,
        inOrder(
          userEvent('created', { id: u, email: `${u}@ms.test`, updated_at: at(1) }),
          orgEvent('created', { id: o, name: 'First Name', updated_at: at(1) }),
          orgEvent('updated', { id: o, name: 'Second Name', updated_at: at(1) }),
          membershipEvent('created', {
            id: om,
            user_id: u,
            organization_id: o,
            role: { slug: 'member' },
            updated_at: at(1),
          }),
          membershipEvent('updated', {
            id: om,
            user_id: u,
            organization_id: o,
            role: { slug: 'admin' },
            updated_at: at(1),
          }),
        ),
      );
      const [org] = await t.db.select().from(organizations).where(eq(organizations.workosOrgId, o));
      expect(org?.name).toBe('Second Name');
      const [m] = await t.db
        .select()
        .from(organizationMemberships)
        .where(eq(organizationMemberships.workosMembershipId, om));
      expect(m).toMatchObject({ role: 'ADMIN', roleSlug: 'admin' });
    });

    it('ends with the re-created membership when one is deleted and re-created with a new id, in all 6 orders', async () => {
      for (const order of permutations([0, 1, 2])) {
        const u = `user_ms_${++run}`;
        const o = `org_ms_${run}`;
        await deliverAll(
          path,
          inOrder(
            userEvent('created', { id: u, email: `${u}@ms.test`, updated_at: at(1) }),
            orgEvent('created', { id: o, name: `Org ${run}`, updated_at: at(1) }),
          ),
        );
        const pair = { user_id: u, organization_id: o, role: { slug: 'member' }, updated_at: at(2) };
        const history = inOrder(
          membershipEvent('created', { ...pair, id: `om_old_${run}` }),
          membershipEvent('deleted', { ...pair, id: `om_old_${run}` }),
          membershipEvent('created', { ...pair, id: `om_new_${run}`, role: { slug: 'admin' } }),
        );
        for (const i of order) await deliverAll(path, [history[i] as Json]);
        const [row] = await t.db
          .select({
            id: organizationMemberships.workosMembershipId,
            deletedAt: organizationMemberships.deletedAt,
          })
          .from(organizationMemberships)
          .innerJoin(users, eq(users.id, organizationMemberships.userId))
          .where(eq(users.workosId, u));
        expect({ order, ...row }).toEqual({ order, id: `om_new_${run}`, deletedAt: null });
      }
    });

    it('gives an email handed from one user to another in the same millisecond to its new owner, in all 6 orders', async () => {
      for (const order of permutations([0, 1, 2])) {
        const a = `user_from_${++run}`;
        const b = `user_to_${run}`;
        const email = `handed-${run}@ms.test`;
        const history = inOrder(
          userEvent('created', { id: a, email, updated_at: at(1) }),
          userEvent('updated', { id: a, email: `other-${run}@ms.test`, updated_at: at(1) }),
          userEvent('created', { id: b, email, updated_at: at(1) }),
        );
        for (const i of order) await deliverAll(path, [history[i] as Json]);
        const rows = await t.db.select({ id: users.workosId, email: users.email }).from(users);
        const byId = Object.fromEntries(rows.map((r) => [r.id, r.email]));
        expect({ order, a: byId[a], b: byId[b] }).toEqual({ order, a: `other-${run}@ms.test`, b: email });
      }
    });
  },
);
