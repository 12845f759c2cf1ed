import type { Sqs } from '@app/config/sqs';
import { organizationMemberships, organizations, processedEvents, syncState, users } from '@app/db';
import type { SyncWorker } from '@app/sync';
import { EVENTS_CURSOR_KEY, makeReconciler } from '@app/sync/reconcile';
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
 * cascading to memberships), with many changes sharing a millisecond (the emulator's clock is
 * frozen and moves on only between some changes), deletes followed by re-creates, emails swapped
 * between users and organizations with the same name. Each history is delivered four ways: in order
 * through the batch path; shuffled with duplicates through the batch path; shuffled with duplicates
 * through the per-event path; and read back from the Events API by reconcile. All four must end in
 * the same database state, and the live rows must be WorkOS's own state after the history.
 */

let t: TestDatabase;
let emulator: Emulator;
let worker: SyncWorker;
let workos: SyncWorkerBed['workos'];
let stop: SyncWorkerBed['stop'];

beforeAll(async () => {
  ({ t, emulator, worker, workos, stop } = await startSyncWorker({ dbMax: 1 }));
  emulator.clock.freeze();
  // An event before every history, so each history's reconcile can start after a known cursor.
  emulator.store.createUser({ email: 'before-every-history@prop.test' });
});
afterAll(async () => {
  emulator.clock.resume();
  await stop();
});

const USERS = 3;
const ORGS = 2;
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
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('swapEmails'), u: slot(USERS), v: slot(USERS) }),
  },
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
  v?: number;
  o?: number;
  e?: number;
  n?: number;
  d?: number;
  r?: number;
  s?: number;
};

let run = 0;

/**
 * Plays the operations on the emulator (skipping the ones WorkOS would refuse); returns the events.
 * `sameMs[i]`: operation i happens in the same millisecond as the one before it.
 */
function playHistory(ops: Op[], sameMs: boolean[]): string[] {
  run++;
  const store = emulator.store;
  const userIds: (string | undefined)[] = [];
  const orgIds: (string | undefined)[] = [];
  const email = (e: number) => `p${run}-e${e}@prop.test`;
  const domainSets = [[], [`d${run}a.test`], [`d${run}a.test`, `d${run}b.test`], [`d${run}b.test`]];
  const membershipOf = (u: number, o: number) =>
    store.listMemberships().find((m) => m.user_id === userIds[u] && m.organization_id === orgIds[o]);
  const start = emulator.events.length;
  for (const [i, o] of ops.entries()) {
    if (!sameMs[i % sameMs.length]) emulator.clock.advance(1000);
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
        case 'swapEmails': {
          const [a, b] = [userIds[u], userIds[o.v ?? 0]];
          if (a && b && a !== b) {
            const [ea, eb] = [store.getUser(a).email, store.getUser(b).email];
            store.updateUser(a, { email: `swap-${run}-${i}@prop.test` });
            store.updateUser(b, { email: ea });
            store.updateUser(a, { email: eb });
          }
          break;
        }
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
    sql`TRUNCATE ${users}, ${organizations}, ${organizationMemberships}, ${processedEvents}, ${syncState} CASCADE`,
  );
}

/**
 * Delivers messages in batches of 10 through the batch path (one transaction per batch) or the
 * per-event path (one per record); failed ones are redelivered later, as SQS would.
 */
async function deliver(messages: string[], path: 'batch' | 'each' = 'batch') {
  let pending = messages;
  for (let round = 0; pending.length && round < 5; round++) {
    const failed: string[] = [];
    for (let i = 0; i < pending.length; i += 10) {
      const event = sqsEvent(pending.slice(i, i + 10));
      const { response } =
        path === 'batch' ? await worker.processBatch(event) : await worker.processEachRecord(event);
      const ids = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const r of event.Records) if (ids.has(r.messageId)) failed.push(r.body);
    }
    pending = failed;
  }
  return pending;
}

/**
 * Reconcile reads the history back from the emulator's Events API (after the event before it) and
 * sends it to SQS; SQS is stood in for at the SDK-command level: the messages it was sent are
 * delivered to the worker in the order they were sent.
 */
async function deliverThroughReconcile(before: string) {
  const sent: string[] = [];
  const sqs = {
    sendMessageBatch: async ({ Entries }) => {
      sent.push(...Entries.map((e) => e.MessageBody));
      return { Successful: Entries.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] };
    },
  } as Pick<Sqs, 'sendMessageBatch'> as Sqs;
  await t.db.insert(syncState).values({ key: EVENTS_CURSOR_KEY, cursor: before });
  await makeReconciler({ db: t.db, workos, sqs, queueUrl: 'reconcile-property' }).run();
  return { sent, undelivered: await deliver(sent) };
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

/** What WorkOS holds now of the history's objects, in the snapshot's shape (live rows only). */
function workosState(history: string[]) {
  const ids = new Set(history.map((e) => (JSON.parse(e).data as { id: string }).id));
  const byId = <T extends { id: string }>(rows: T[]) => rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    users: byId(
      emulator.store
        .listUsers()
        .filter((u) => ids.has(u.id))
        .map((u) => ({
          id: u.id,
          email: u.email,
          firstName: u.first_name ?? '',
          lastName: u.last_name ?? '',
        })),
    ),
    organizations: byId(
      emulator.store
        .listOrganizations()
        .filter((o) => ids.has(o.id))
        .map((o) => ({
          id: o.id,
          name: o.name,
          domains: o.domains.map((d) => `${d.id}:${d.domain}:${d.state}`).sort(),
        })),
    ),
    memberships: byId(
      emulator.store
        .listMemberships()
        .filter((m) => ids.has(m.id))
        .map((m) => ({
          id: m.id,
          user: m.user_id,
          org: m.organization_id,
          roleSlug: m.role.slug,
          status: m.status,
        })),
    ),
  };
}

/** The live rows of a snapshot, in workosState's shape. */
function liveState(snap: Awaited<ReturnType<typeof snapshot>>) {
  const byId = <T extends { id: string }>(rows: T[]) => rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    users: byId(
      snap.users.flatMap((u) =>
        'deleted' in u ? [] : [{ id: u.id, email: u.email, firstName: u.firstName, lastName: u.lastName }],
      ),
    ),
    organizations: byId(
      snap.organizations.flatMap((o) =>
        'deleted' in o ? [] : [{ id: o.id, name: o.name, domains: o.domains }],
      ),
    ),
    memberships: snap.memberships
      .flatMap((m) =>
        'deleted' in m
          ? []
          : [{ id: m.id ?? '', user: m.user, org: m.org, roleSlug: m.roleSlug, status: m.status }],
      )
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

describe('sync property: every path, any delivery order, ends at WorkOS state', () => {
  it('holds for 200 random histories with same-millisecond changes, deletes, re-creates and swaps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 5, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 25 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (ops, sameMs, keys, duplicates) => {
          const before = emulator.events.at(-1)?.id ?? '';
          const history = playHistory(ops as Op[], sameMs);
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
          expect(await deliver(shuffled, 'batch')).toEqual([]);
          expect(await snapshot()).toEqual(inOrder);

          await reset();
          expect(await deliver(shuffled, 'each')).toEqual([]);
          expect(await snapshot()).toEqual(inOrder);

          await reset();
          const viaReconcile = await deliverThroughReconcile(before);
          expect(viaReconcile.undelivered).toEqual([]);
          expect(viaReconcile.sent).toHaveLength(history.length);
          expect(await snapshot()).toEqual(inOrder);

          expect(inOrder.events).toHaveLength(new Set(history.map((e) => JSON.parse(e).id)).size);
          // And the live rows are WorkOS's own state after the history.
          expect(liveState(inOrder)).toEqual(workosState(history));
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
  }, 900_000);
});
