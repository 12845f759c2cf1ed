import { organizationMemberships, organizations, processedEvents, revokedSessions, users } from '@app/db';
import type { SyncWorker } from '@app/sync';
import type { Emulator } from '@app/workos-emulator';
import { eq, inArray, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { sqsEvent } from '../../support/events';
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

/**
 * The shared-transaction path applies a batch with its effects sent back to back: these batches
 * mix what one batch can hold (parents created earlier in the same batch, stale and duplicate
 * events, tombstones, repeated names) and must stay on that path, with the same results as one
 * event at a time.
 */

let t: TestDatabase;
let emulator: Emulator;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];

beforeAll(async () => {
  ({ t, emulator, worker, stop } = await startSyncWorker({ dbMax: 1 }));
});
afterAll(() => stop());

const deliver = (events: Record<string, unknown>[]) => worker.processBatch(sqsEvent(events.map(body)));
const outcomes = (report: Awaited<ReturnType<typeof deliver>>) =>
  report.records.map((r) => (r.ok ? `${r.result.outcome}/${r.result.parentsFetched}` : r.code));
const user = async (workosId: string) =>
  (await t.db.select().from(users).where(eq(users.workosId, workosId)))[0];

describe('sync worker: one batch, many kinds of events', () => {
  it('applies a batch whose memberships need parents created earlier in it, without asking WorkOS', async () => {
    const first = [
      orgEvent('created', { id: 'org_b1', name: 'Batch One', updated_at: at(10) }),
      userEvent('created', { id: 'user_b1', email: 'b1@batch.test', updated_at: at(10) }),
      userEvent('created', { id: 'user_b2', email: 'b2@batch.test', updated_at: at(10) }),
      membershipEvent('created', {
        id: 'om_b1',
        user_id: 'user_b1',
        organization_id: 'org_b1',
        status: 'active',
        role: { slug: 'member' },
        updated_at: at(10),
      }),
      membershipEvent('created', {
        id: 'om_b2',
        user_id: 'user_b2',
        organization_id: 'org_b1',
        status: 'active',
        role: { slug: 'member' },
        updated_at: at(10),
      }),
      userEvent('updated', {
        id: 'user_b1',
        email: 'b1@batch.test',
        first_name: 'Newer',
        updated_at: at(11),
      }),
      membershipEvent('updated', {
        id: 'om_b1',
        user_id: 'user_b1',
        organization_id: 'org_b1',
        status: 'active',
        role: { slug: 'admin' },
        updated_at: at(11),
      }),
      // Older than the update just before it in the same batch: the order guard skips it.
      userEvent('updated', { id: 'user_b1', email: 'b1@batch.test', first_name: 'Older', updated_at: at(9) }),
      sessionEvent('revoked', { id: 'session_b1', user_id: 'user_b1' }),
      domainEvent('verified', {
        id: 'org_domain_b1',
        organization_id: 'org_b1',
        domain: 'batch.test',
        state: 'verified',
        updated_at: at(12),
      }),
    ];
    const report = await deliver(first);
    expect(report.mode).toBe('shared');
    expect(outcomes(report)).toEqual([
      'applied/0',
      'applied/0',
      'applied/0',
      'applied/0',
      'applied/0',
      'applied/0',
      'applied/0',
      'stale/0',
      'applied/0',
      'applied/0',
    ]);
    expect(await user('user_b1')).toMatchObject({ firstName: 'Newer' });
    const [org] = await t.db.select().from(organizations).where(eq(organizations.workosOrgId, 'org_b1'));
    expect(org?.domains.map((d) => [d.domain, d.state])).toEqual([['batch.test', 'verified']]);
    const memberships = await t.db
      .select()
      .from(organizationMemberships)
      .where(eq(organizationMemberships.organizationId, org?.id ?? ''));
    expect(memberships.map((m) => [m.workosMembershipId, m.role]).sort()).toEqual([
      ['om_b1', 'ADMIN'],
      ['om_b2', 'MEMBER'],
    ]);
    expect(
      await t.db.select().from(revokedSessions).where(eq(revokedSessions.sessionId, 'session_b1')),
    ).toHaveLength(1);
    const inbox = await t.db
      .select({ id: processedEvents.eventId, outcome: processedEvents.outcome })
      .from(processedEvents)
      .where(
        inArray(
          processedEvents.eventId,
          first.map((e) => String(e.id)),
        ),
      );
    expect(inbox.filter((r) => r.outcome === 'stale').map((r) => r.id)).toEqual([String(first[7]?.id)]);

    // The next batch: a redelivery, a copy twice in the batch, deletes, an unknown type.
    const second = [
      first[1] as Record<string, unknown>,
      userEvent('deleted', { id: 'user_b2', email: 'b2@batch.test', updated_at: at(20) }),
      membershipEvent('deleted', {
        id: 'om_b2',
        user_id: 'user_b2',
        organization_id: 'org_b1',
        status: 'inactive',
        role: { slug: 'member' },
        updated_at: at(20),
      }),
      // Older than the delete in this batch: cannot bring the user back.
      userEvent('updated', {
        id: 'user_b2',
        email: 'b2@batch.test',
        first_name: 'Ghost',
        updated_at: at(15),
      }),
      rawEvent('authentication.email_verification_succeeded', { id: 'x' }),
    ];
    const twice = userEvent('created', { id: 'user_b3', email: 'b3@batch.test', updated_at: at(20) });
    const again = await deliver([...second, twice, twice]);
    expect(again.mode).toBe('shared');
    expect(outcomes(again)).toEqual([
      'duplicate/0',
      'applied/0',
      'applied/0',
      'stale/0',
      'ignored/0',
      'applied/0',
      'duplicate/0',
    ]);
    expect(await user('user_b2')).toMatchObject({
      isActive: false,
      email: 'user_b2@email-released.invalid',
      firstName: 'Todd',
    });
    const [gone] = await t.db
      .select()
      .from(organizationMemberships)
      .where(eq(organizationMemberships.workosMembershipId, 'om_b2'));
    expect(gone?.deletedAt).toBeInstanceOf(Date);
  });

  it('gives organizations created with the same name in one batch distinct slugs', async () => {
    await deliver([orgEvent('created', { id: 'org_same_0', name: 'Same Name', updated_at: at(1) })]);
    const report = await deliver([
      orgEvent('created', { id: 'org_same_1', name: 'Same Name', updated_at: at(1) }),
      orgEvent('created', { id: 'org_same_2', name: 'Same  Name!', updated_at: at(1) }),
      // A rename of an existing one keeps its slug.
      orgEvent('updated', { id: 'org_same_0', name: 'Same Name Renamed', updated_at: at(2) }),
    ]);
    expect(report.mode).toBe('shared');
    expect(outcomes(report)).toEqual(['applied/0', 'applied/0', 'applied/0']);
    const rows = await t.db
      .select({ id: organizations.workosOrgId, slug: organizations.slug, name: organizations.name })
      .from(organizations)
      .where(like(organizations.workosOrgId, 'org_same_%'));
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'org_same_0', slug: 'same-name', name: 'Same Name Renamed' },
      { id: 'org_same_1', slug: 'same-name-2', name: 'Same Name' },
      { id: 'org_same_2', slug: 'same-name-3', name: 'Same  Name!' },
    ]);
  });

  it('fetches from WorkOS only the parents neither the database nor an earlier event of the batch has', async () => {
    const u = emulator.store.createUser({ email: 'late@batch.test', firstName: 'Late' });
    const o = emulator.store.createOrganization({ name: 'Fetched Org' });
    const m = emulator.store.createMembership({ userId: u.id, organizationId: o.id, roleSlug: 'viewer' });
    const report = await deliver([
      // The membership comes before its user's own event in the batch: the user is fetched.
      membershipEvent('created', {
        id: m.id,
        user_id: u.id,
        organization_id: o.id,
        status: 'active',
        role: { slug: 'viewer' },
        updated_at: at(30),
      }),
      userEvent('created', { id: u.id, email: 'late@batch.test', updated_at: at(1) }),
      // Invalid data: fails alone, and its inbox row is released so a fixed copy can apply.
      userEvent('updated', { id: u.id, email: 'late@batch.test', updated_at: 'not a date' }),
    ]);
    expect(report.mode).toBe('shared');
    expect(outcomes(report)).toEqual(['applied/2', 'stale/0', 'INVALID_EVENT']);
    expect(await user(u.id)).toMatchObject({ firstName: 'Late' });
    const invalidId = String(report.records[2]?.eventId);
    expect(
      await t.db.select().from(processedEvents).where(eq(processedEvents.eventId, invalidId)),
    ).toHaveLength(0);
  });
});
