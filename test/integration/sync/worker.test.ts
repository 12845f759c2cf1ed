import { organizationMemberships, organizations, processedEvents, revokedSessions, users } from '@app/db';
import { makeSyncWorker, type SyncWorker } from '@app/sync';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { lambdaContext, sqsEvent } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';
import {
  at,
  body,
  domainEvent,
  membershipEvent,
  orgEvent,
  rawEvent,
  sessionEvent,
  userEvent,
} from '../../support/sync-events';

let t: TestDatabase;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];

beforeAll(async () => {
  ({ t, worker, stop } = await startSyncWorker());
});
afterAll(() => stop());

/** Delivers events as one SQS batch; returns the ids of the failed records' events. */
async function deliver(...events: (Record<string, unknown> | string)[]) {
  const sqs = sqsEvent(events.map((e) => (typeof e === 'string' ? e : body(e))));
  const response = await worker.handler(sqs, lambdaContext());
  const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  return sqs.Records.map((r, i) => (failedIds.has(r.messageId) ? i : -1)).filter((i) => i >= 0);
}

const userRow = async (workosId: string) =>
  (await t.db.select().from(users).where(eq(users.workosId, workosId)))[0];
const orgRow = async (workosOrgId: string) =>
  (await t.db.select().from(organizations).where(eq(organizations.workosOrgId, workosOrgId)))[0];
const membershipRow = async (workosMembershipId: string) =>
  (
    await t.db
      .select()
      .from(organizationMemberships)
      .where(eq(organizationMemberships.workosMembershipId, workosMembershipId))
  )[0];

describe('sync worker: users', () => {
  it('creates, updates and tombstones a user from the fixture events', async () => {
    const id = 'user_w_1';
    expect(await deliver(userEvent('created', { id, email: 'w1@example.com', updated_at: at(1) }))).toEqual(
      [],
    );
    expect(await userRow(id)).toMatchObject({ email: 'w1@example.com', firstName: 'Todd', isActive: true });

    await deliver(
      userEvent('updated', { id, email: 'w1@example.com', first_name: 'Tod', updated_at: at(2) }),
    );
    expect((await userRow(id))?.firstName).toBe('Tod');

    await deliver(
      userEvent('deleted', { id, email: 'w1@example.com', first_name: 'Tod', updated_at: at(2) }),
    );
    const deleted = await userRow(id);
    expect(deleted?.deletedAt).toBeInstanceOf(Date);
    expect(deleted?.isActive).toBe(false);
    expect(deleted?.email).toBe(`${id}@email-released.invalid`);
  });

  it('skips an event older than the stored state, and an older update cannot undo a delete', async () => {
    const id = 'user_w_2';
    await deliver(
      userEvent('updated', { id, email: 'w2@example.com', first_name: 'New', updated_at: at(5) }),
    );
    await deliver(
      userEvent('updated', { id, email: 'w2@example.com', first_name: 'Old', updated_at: at(4) }),
    );
    expect((await userRow(id))?.firstName).toBe('New');

    await deliver(
      userEvent('deleted', { id, email: 'w2@example.com', first_name: 'New', updated_at: at(5) }),
    );
    await deliver(
      userEvent('updated', { id, email: 'w2@example.com', first_name: 'Zombie', updated_at: at(4) }),
    );
    await deliver(
      userEvent('created', { id, email: 'w2@example.com', first_name: 'Zombie', updated_at: at(1) }),
    );
    const row = await userRow(id);
    expect(row).toMatchObject({ firstName: 'New', isActive: false });
    expect(row?.deletedAt).toBeInstanceOf(Date);
  });

  it('applies a delete that arrives before the user was ever seen, and keeps it deleted', async () => {
    const id = 'user_w_3';
    await deliver(userEvent('deleted', { id, email: 'w3@example.com', updated_at: at(3) }));
    await deliver(userEvent('created', { id, email: 'w3@example.com', updated_at: at(1) }));
    expect((await userRow(id))?.deletedAt).toBeInstanceOf(Date);
  });

  it('lets a new user take the email of a deleted one, in either order', async () => {
    await deliver(userEvent('created', { id: 'user_old', email: 'reuse@example.com', updated_at: at(1) }));
    await deliver(userEvent('created', { id: 'user_new', email: 'reuse@example.com', updated_at: at(3) }));
    await deliver(userEvent('deleted', { id: 'user_old', email: 'reuse@example.com', updated_at: at(1) }));
    expect((await userRow('user_new'))?.email).toBe('reuse@example.com');
    expect((await userRow('user_old'))?.email).toBe('user_old@email-released.invalid');
  });

  it('converges when two users swap emails and the events arrive out of order', async () => {
    await deliver(
      userEvent('created', { id: 'user_a', email: 'a@swap.test', updated_at: at(1) }),
      userEvent('created', { id: 'user_b', email: 'b@swap.test', updated_at: at(1) }),
    );
    // In WorkOS: a -> tmp (t2), b -> a (t3), a -> b (t4). Delivered newest first.
    const failed = await deliver(
      userEvent('updated', { id: 'user_a', email: 'b@swap.test', updated_at: at(4) }),
      userEvent('updated', { id: 'user_b', email: 'a@swap.test', updated_at: at(3) }),
      userEvent('updated', { id: 'user_a', email: 'tmp@swap.test', updated_at: at(2) }),
    );
    expect(failed).toEqual([]);
    expect((await userRow('user_a'))?.email).toBe('b@swap.test');
    expect((await userRow('user_b'))?.email).toBe('a@swap.test');
  });
});

describe('sync worker: organizations', () => {
  it('creates, renames (slug kept), keeps domains and tombstones an organization', async () => {
    const id = 'org_w_1';
    const domains = [{ id: 'org_domain_w1', domain: 'w1.test', state: 'verified', updated_at: at(1) }];
    await deliver(orgEvent('created', { id, name: 'Wonder Works', domains, updated_at: at(1) }));
    expect(await orgRow(id)).toMatchObject({ name: 'Wonder Works', slug: 'wonder-works' });
    expect((await orgRow(id))?.domains).toEqual([
      { id: 'org_domain_w1', domain: 'w1.test', state: 'verified', updatedAt: at(1) },
    ]);

    await deliver(orgEvent('updated', { id, name: 'Wonder Works 2', domains, updated_at: at(2) }));
    expect(await orgRow(id)).toMatchObject({ name: 'Wonder Works 2', slug: 'wonder-works' });

    await deliver(orgEvent('deleted', { id, name: 'Wonder Works 2', domains, updated_at: at(2) }));
    const row = await orgRow(id);
    expect(row).toMatchObject({ isActive: false, slug: 'wonder-works' });
    expect(row?.deletedAt).toBeInstanceOf(Date);
    expect(row?.domains).toHaveLength(1);
  });

  it('gives two organizations with the same name distinct slugs', async () => {
    await deliver(
      orgEvent('created', { id: 'org_same_1', name: 'Same Name Inc', updated_at: at(1) }),
      orgEvent('created', { id: 'org_same_2', name: 'Same Name Inc', updated_at: at(1) }),
    );
    const slugs = [(await orgRow('org_same_1'))?.slug, (await orgRow('org_same_2'))?.slug];
    expect(slugs).toEqual(['same-name-inc', 'same-name-inc-2']);
  });

  it('accepts an organization event without domains (the SDK cannot deserialise it)', async () => {
    const event = orgEvent('created', { id: 'org_nodomains', name: 'No Domains', updated_at: at(1) });
    delete (event.data as Record<string, unknown>).domains;
    expect(await deliver(event)).toEqual([]);
    expect((await orgRow('org_nodomains'))?.domains).toEqual([]);
  });

  it('applies organization_domain events in WorkOS order, whatever order they arrive in', async () => {
    const org = 'org_w_domains';
    await deliver(orgEvent('created', { id: org, name: 'Domains Co', updated_at: at(1) }));
    const domain = { id: 'org_domain_d1', organization_id: org, domain: 'd1.test' };
    await deliver(domainEvent('verified', { ...domain, state: 'verified', updated_at: at(3) }));
    await deliver(domainEvent('created', { ...domain, state: 'pending', updated_at: at(2) }));
    expect((await orgRow(org))?.domains).toEqual([
      { id: 'org_domain_d1', domain: 'd1.test', state: 'verified', updatedAt: at(3) },
    ]);
    // An older organization.updated (its list predates the verification) does not roll it back.
    await deliver(
      orgEvent('updated', {
        id: org,
        name: 'Domains Co',
        domains: [{ ...domain, state: 'pending', updated_at: at(2) }],
        updated_at: at(2),
      }),
    );
    expect((await orgRow(org))?.domains).toMatchObject([{ id: 'org_domain_d1', state: 'verified' }]);
    await deliver(domainEvent('deleted', { ...domain, state: 'verified', updated_at: at(4) }));
    expect((await orgRow(org))?.domains).toEqual([]);
  });
});

describe('sync worker: memberships', () => {
  beforeAll(async () => {
    await deliver(
      userEvent('created', { id: 'user_m', email: 'm@example.com', updated_at: at(1) }),
      orgEvent('created', { id: 'org_m', name: 'Members Org', updated_at: at(1) }),
    );
  });

  it('maps role slugs (owner, admin, viewer, anything else member) and keeps the raw slugs', async () => {
    const cases: [string, string][] = [
      ['owner', 'OWNER'],
      ['admin', 'ADMIN'],
      ['viewer', 'VIEWER'],
      ['billing-manager', 'MEMBER'],
    ];
    let n = 10;
    for (const [slug, role] of cases) {
      n++;
      await deliver(
        membershipEvent('updated', {
          id: 'om_roles',
          user_id: 'user_m',
          organization_id: 'org_m',
          status: 'active',
          role: { slug },
          roles: [{ slug }, { slug: 'auditor' }],
          updated_at: at(n),
        }),
      );
      expect(await membershipRow('om_roles')).toMatchObject({
        role,
        roleSlug: slug,
        roleSlugs: [slug, 'auditor'],
      });
    }
  });

  it('applies status changes and a delete, in order or not', async () => {
    const base = { id: 'om_status', user_id: 'user_m', organization_id: 'org_w_status' };
    await deliver(orgEvent('created', { id: 'org_w_status', name: 'Status Org', updated_at: at(1) }));
    await deliver(membershipEvent('created', { ...base, status: 'pending', updated_at: at(1) }));
    expect((await membershipRow('om_status'))?.status).toBe('pending');
    await deliver(membershipEvent('updated', { ...base, status: 'inactive', updated_at: at(3) }));
    await deliver(membershipEvent('updated', { ...base, status: 'active', updated_at: at(2) }));
    expect((await membershipRow('om_status'))?.status).toBe('inactive');
    await deliver(membershipEvent('deleted', { ...base, status: 'inactive', updated_at: at(3) }));
    await deliver(membershipEvent('updated', { ...base, status: 'active', updated_at: at(2) }));
    expect((await membershipRow('om_status'))?.deletedAt).toBeInstanceOf(Date);
  });
});

describe('sync worker: sessions, unknown events, duplicates, poison', () => {
  it('records session.revoked and acknowledges session.created without effect', async () => {
    const failed = await deliver(
      sessionEvent('revoked', { id: 'session_rev_1', user_id: 'user_m' }),
      sessionEvent('created', { id: 'session_new_1', user_id: 'user_m' }),
    );
    expect(failed).toEqual([]);
    const rows = await t.db.select().from(revokedSessions);
    expect(rows.map((r) => r.sessionId)).toEqual(['session_rev_1']);
  });

  it('acknowledges and counts unknown events', async () => {
    const event = rawEvent('dsync.group.created', { id: 'directory_group_1' });
    const report = await worker.processBatch(sqsEvent([body(event)]), lambdaContext());
    expect(report.response.batchItemFailures).toEqual([]);
    expect(report.records[0]).toMatchObject({ ok: true, result: { outcome: 'ignored' } });
    const [row] = await t.db
      .select()
      .from(processedEvents)
      .where(eq(processedEvents.eventId, String(event.id)));
    expect(row?.outcome).toBe('ignored');
  });

  it('applies an event delivered twice in one batch and again later exactly once', async () => {
    const event = userEvent('created', { id: 'user_dup', email: 'dup@example.com', updated_at: at(1) });
    const first = await worker.processBatch(sqsEvent([body(event), body(event)]), lambdaContext());
    expect(first.records.map((r) => r.ok && r.result.outcome)).toEqual(['applied', 'duplicate']);
    // Change the row locally: a re-applied duplicate would overwrite it.
    await t.db.update(users).set({ firstName: 'Local' }).where(eq(users.workosId, 'user_dup'));
    const later = await worker.processBatch(sqsEvent([body(event)]), lambdaContext());
    expect(later.records.map((r) => r.ok && r.result.outcome)).toEqual(['duplicate']);
    expect((await userRow('user_dup'))?.firstName).toBe('Local');
    const inbox = await t.db
      .select()
      .from(processedEvents)
      .where(eq(processedEvents.eventId, String(event.id)));
    expect(inbox).toHaveLength(1);
  });

  it('fails only the poison messages of a batch; the others commit in the shared transaction', async () => {
    const events = [
      userEvent('created', { id: 'user_p1', email: 'p1@example.com', updated_at: at(1) }),
      'not json at all',
      userEvent('created', { id: 'user_p2', email: 'p2@example.com', updated_at: 'yesterday' }),
      JSON.stringify({ hello: 'world' }),
      userEvent('created', { id: 'user_p3', email: 'p3@example.com', updated_at: at(1) }),
    ];
    const report = await worker.processBatch(
      sqsEvent(events.map((e) => (typeof e === 'string' ? e : body(e)))),
    );
    expect(report.mode).toBe('shared');
    expect(report.records.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual([
      'INVALID_EVENT',
      'INVALID_EVENT',
      'INVALID_EVENT',
    ]);
    expect(report.response.batchItemFailures).toHaveLength(3);
    expect(await userRow('user_p1')).toBeDefined();
    expect(await userRow('user_p3')).toBeDefined();
    expect(await userRow('user_p2')).toBeUndefined();
  });

  it('fails alone a message the database rejects, re-running the rest one transaction each', async () => {
    const report = await worker.processBatch(
      sqsEvent([
        body(orgEvent('created', { id: 'org_ok_1', name: 'Fine One', updated_at: at(1) })),
        // PostgreSQL text cannot hold NUL: the statement fails and aborts the shared transaction.
        body(orgEvent('created', { id: 'org_nul', name: 'Bad\u0000Name', updated_at: at(1) })),
        body(orgEvent('created', { id: 'org_ok_2', name: 'Fine Two', updated_at: at(1) })),
      ]),
    );
    expect(report.mode).toBe('isolated');
    expect(report.records.map((r) => r.ok)).toEqual([true, false, true]);
    expect(report.response.batchItemFailures).toHaveLength(1);
    expect(await orgRow('org_ok_1')).toBeDefined();
    expect(await orgRow('org_ok_2')).toBeDefined();
    expect(await orgRow('org_nul')).toBeUndefined();
  });
});

describe('sync worker: two instances at once', () => {
  it('applies overlapping batches delivered to two workers concurrently exactly once, without failures', async () => {
    const events = Array.from({ length: 10 }, (_, i) =>
      body(userEvent('created', { id: `user_conc_${i}`, email: `conc${i}@example.com`, updated_at: at(1) })),
    );
    const other = makeSyncWorker({ db: t.db, workos: { userManagement: {}, organizations: {} } as never });
    const [a, b] = await Promise.all([
      worker.processBatch(sqsEvent(events)),
      other.processBatch(sqsEvent([...events].reverse())),
    ]);
    expect([...a.response.batchItemFailures, ...b.response.batchItemFailures]).toEqual([]);
    const outcomes = [...a.records, ...b.records].map((r) => (r.ok ? r.result.outcome : r.code));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(10);
  });
});
