import { organizationMemberships, organizations, processedEvents, users } from '@app/db';
import type { SyncWorker } from '@app/sync';
import type { Emulator } from '@app/workos-emulator';
import { eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { sqsEvent } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';

/**
 * Histories are produced by the WorkOS emulator itself (so they are histories WorkOS could send:
 * unique emails among live users, memberships only of existing users and organizations, deletes
 * cascading to memberships), then delivered in order, and shuffled with duplicates. Both must end
 * in the same database state, and the live rows must match WorkOS's final state.
 */

let t: TestDatabase;
let emulator: Emulator;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];

beforeAll(async () => {
  ({ t, emulator, worker, stop } = await startSyncWorker({ dbMax: 1 }));
});
afterAll(() => stop());

const USERS = 4;
const ORGS = 3;
const EMAILS = 5;
const NAMES = ['Acme', 'Acme', 'Globex', 'Initech'];
const ROLES = ['owner', 'admin', 'member', 'viewer', 'billing'];
const STATUSES = ['active', 'inactive', 'pending'] as const;

const slot = (n: number) => fc.nat({ max: n - 1 });
const op = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('createUser'), u: slot(USERS), e: slot(EMAILS) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('updateUser'), u: slot(USERS), e: slot(EMAILS), n: slot(4) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteUser'), u: slot(USERS) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('createOrg'), o: slot(ORGS), n: slot(NAMES.length) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('updateOrg'),
      o: slot(ORGS),
      n: slot(NAMES.length),
      d: slot(4),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteOrg'), o: slot(ORGS) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('createMembership'),
      u: slot(USERS),
      o: slot(ORGS),
      r: slot(5),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('updateMembership'),
      u: slot(USERS),
      o: slot(ORGS),
      r: slot(5),
      s: slot(3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('deleteMembership'), u: slot(USERS), o: slot(ORGS) }),
  },
);
type Op = {
  kind: string;
  u?: number;
  o?: number;
  e?: number;
  n?: number;
  d?: number;
  r?: number;
  s?: number;
};

let run = 0;

/** Plays the operations on the emulator (skipping the ones WorkOS would refuse); returns the events. */
function playHistory(ops: Op[]): string[] {
  run++;
  const store = emulator.store;
  const userIds: (string | undefined)[] = [];
  const orgIds: (string | undefined)[] = [];
  const email = (e: number) => `p${run}-e${e}@prop.test`;
  const domainSets = [[], [`d${run}a.test`], [`d${run}a.test`, `d${run}b.test`], [`d${run}b.test`]];
  const membershipOf = (u: number, o: number) =>
    store.listMemberships().find((m) => m.user_id === userIds[u] && m.organization_id === orgIds[o]);
  const start = emulator.events.length;
  for (const o of ops) {
    emulator.clock.advance(1000); // distinct WorkOS timestamps, as between real changes
    const u = o.u ?? 0;
    const g = o.o ?? 0;
    try {
      switch (o.kind) {
        case 'createUser':
          if (!userIds[u]) userIds[u] = store.createUser({ email: email(o.e ?? 0), firstName: `F${u}` }).id;
          break;
        case 'updateUser':
          if (userIds[u]) store.updateUser(userIds[u], { email: email(o.e ?? 0), lastName: `L${o.n}` });
          break;
        case 'deleteUser':
          if (userIds[u]) store.deleteUser(userIds[u]);
          userIds[u] = undefined;
          break;
        case 'createOrg':
          if (!orgIds[g]) orgIds[g] = store.createOrganization({ name: NAMES[o.n ?? 0] ?? 'Org' }).id;
          break;
        case 'updateOrg':
          if (orgIds[g]) {
            store.updateOrganization(orgIds[g], { name: NAMES[o.n ?? 0], domains: domainSets[o.d ?? 0] });
          }
          break;
        case 'deleteOrg':
          if (orgIds[g]) store.deleteOrganization(orgIds[g]);
          orgIds[g] = undefined;
          break;
        case 'createMembership':
          if (userIds[u] && orgIds[g] && !membershipOf(u, g)) {
            store.createMembership({
              userId: userIds[u],
              organizationId: orgIds[g],
              roleSlug: ROLES[o.r ?? 0],
            });
          }
          break;
        case 'updateMembership': {
          const m = membershipOf(u, g);
          if (m) store.updateMembership(m.id, { roleSlug: ROLES[o.r ?? 0], status: STATUSES[o.s ?? 0] });
          break;
        }
        case 'deleteMembership': {
          const m = membershipOf(u, g);
          if (m) store.deleteMembership(m.id);
          break;
        }
      }
    } catch {
      // WorkOS refuses it (e.g. the email belongs to another user): no event, as in WorkOS.
    }
  }
  return emulator.events.slice(start).map((e) => JSON.stringify(e));
}

async function reset() {
  await t.db.execute(
    sql`TRUNCATE ${users}, ${organizations}, ${organizationMemberships}, ${processedEvents} CASCADE`,
  );
}

/** Delivers messages in batches of 10; failed ones are redelivered later, as SQS would. */
async function deliver(messages: string[]) {
  let pending = messages;
  for (let round = 0; pending.length && round < 5; round++) {
    const failed: string[] = [];
    for (let i = 0; i < pending.length; i += 10) {
      const event = sqsEvent(pending.slice(i, i + 10));
      const response = await worker.handler(event);
      const ids = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const r of event.Records) if (ids.has(r.messageId)) failed.push(r.body);
    }
    pending = failed;
  }
  return pending;
}

/** The database as the app sees it, keyed by WorkOS ids (local uuids and slugs depend on arrival order). */
async function snapshot() {
  const u = await t.db.select().from(users).orderBy(users.workosId);
  const o = await t.db.select().from(organizations).orderBy(organizations.workosOrgId);
  const mu = alias(users, 'mu');
  const mo = alias(organizations, 'mo');
  const m = await t.db
    .select({
      user: mu.workosId,
      org: mo.workosOrgId,
      id: organizationMemberships.workosMembershipId,
      role: organizationMemberships.role,
      roleSlug: organizationMemberships.roleSlug,
      roleSlugs: organizationMemberships.roleSlugs,
      status: organizationMemberships.status,
      deletedAt: organizationMemberships.deletedAt,
      workosUpdatedAt: organizationMemberships.workosUpdatedAt,
    })
    .from(organizationMemberships)
    .innerJoin(mu, eq(mu.id, organizationMemberships.userId))
    .innerJoin(mo, eq(mo.id, organizationMemberships.organizationId))
    .orderBy(mu.workosId, mo.workosOrgId);
  const events = await t.db.select({ id: processedEvents.eventId }).from(processedEvents);
  return {
    users: u.map((r) =>
      r.deletedAt
        ? { id: r.workosId, deleted: true, isActive: r.isActive, email: r.email }
        : {
            id: r.workosId,
            email: r.email,
            firstName: r.firstName,
            lastName: r.lastName,
            emailVerified: r.emailVerified,
            isActive: r.isActive,
            workosUpdatedAt: r.workosUpdatedAt?.toISOString(),
          },
    ),
    organizations: o.map((r) =>
      r.deletedAt
        ? { id: r.workosOrgId, deleted: true, isActive: r.isActive }
        : {
            id: r.workosOrgId,
            name: r.name,
            isActive: r.isActive,
            domains: r.domains.map((d) => `${d.id}:${d.domain}:${d.state}`).sort(),
            workosUpdatedAt: r.workosUpdatedAt?.toISOString(),
          },
    ),
    memberships: m.map(({ deletedAt, workosUpdatedAt, ...rest }) =>
      deletedAt ? { ...rest, deleted: true } : { ...rest, workosUpdatedAt: workosUpdatedAt?.toISOString() },
    ),
    events: events.map((e) => e.id).sort(),
  };
}

/** What WorkOS holds now, in the snapshot's shape (live rows only). */
function workosState(history: string[]) {
  const ids = new Set(history.map((e) => (JSON.parse(e).data as { id: string }).id));
  const liveUsers = emulator.store.listUsers().filter((u) => ids.has(u.id));
  return {
    users: liveUsers.map((u) => ({ id: u.id, email: u.email, lastName: u.last_name ?? '' })),
    memberships: emulator.store
      .listMemberships()
      .filter((m) => ids.has(m.id))
      .map((m) => ({ id: m.id, roleSlug: m.role.slug, status: m.status })),
  };
}

describe('sync property: any delivery order with duplicates ends where in-order delivery ends', () => {
  it('holds for random histories of users, organizations and memberships', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 5, maxLength: 30 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (ops, keys, duplicates) => {
          const history = playHistory(ops as Op[]);
          if (!history.length) return;

          await reset();
          expect(await deliver(history)).toEqual([]);
          const inOrder = await snapshot();

          const delivered = [...history, ...duplicates.map((d) => history[d % history.length] ?? '')];
          const shuffled = delivered
            .map((message, i) => ({ message, key: keys[i % keys.length] ?? 0, i }))
            .sort((a, b) => a.key - b.key || a.i - b.i)
            .map((x) => x.message);
          await reset();
          expect(await deliver(shuffled)).toEqual([]);
          const anyOrder = await snapshot();

          expect(anyOrder).toEqual(inOrder);
          expect(inOrder.events).toHaveLength(new Set(history.map((e) => JSON.parse(e).id)).size);

          // And the live rows are WorkOS's final state.
          const expected = workosState(history);
          const live = inOrder.users.filter((u) => !('deleted' in u));
          expect(live.map((u) => ({ id: u.id, email: u.email, lastName: u.lastName }))).toEqual(
            expect.arrayContaining(expected.users),
          );
          expect(live).toHaveLength(expected.users.length);
          const liveMemberships = inOrder.memberships.filter((x) => !('deleted' in x));
          expect(liveMemberships.map((x) => ({ id: x.id, roleSlug: x.roleSlug, status: x.status }))).toEqual(
            expect.arrayContaining(expected.memberships),
          );
          expect(liveMemberships).toHaveLength(expected.memberships.length);
        },
      ),
      { numRuns: 40 },
    );
  }, 180_000);
});
