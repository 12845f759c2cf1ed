import { organizationMemberships, organizations, processedEvents, users } from '@app/db';
import type { SyncWorker } from '@app/sync';
import type { Emulator } from '@app/workos-emulator';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { sqsEvent } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';

let t: TestDatabase;
let emulator: Emulator;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];

beforeAll(async () => {
  ({ t, emulator, worker, stop } = await startSyncWorker());
});
afterAll(() => stop());

/** The last event the emulator recorded of that type about that object. */
function lastEvent(type: string, objectId: string) {
  const found = emulator.events.filter((e) => e.event === type && (e.data as { id: string }).id === objectId);
  const event = found.at(-1);
  if (!event) throw new Error(`no ${type} for ${objectId}`);
  return JSON.stringify(event);
}

const membership = async (workosMembershipId: string) =>
  (
    await t.db
      .select()
      .from(organizationMemberships)
      .where(eq(organizationMemberships.workosMembershipId, workosMembershipId))
  )[0];

describe('a membership that arrives before its user and organization', () => {
  it('fetches both parents from the WorkOS API, upserts them and applies the membership', async () => {
    const user = emulator.store.createUser({
      email: 'early@parents.test',
      firstName: 'Early',
      lastName: 'Bird',
    });
    const org = emulator.store.createOrganization({ name: 'Parents Inc', domains: ['parents.test'] });
    const m = emulator.store.createMembership({ userId: user.id, organizationId: org.id, roleSlug: 'admin' });

    const report = await worker.processBatch(sqsEvent([lastEvent('organization_membership.created', m.id)]));
    expect(report.records[0]).toMatchObject({ ok: true, result: { outcome: 'applied', parentsFetched: 2 } });
    const [u] = await t.db.select().from(users).where(eq(users.workosId, user.id));
    expect(u).toMatchObject({ email: 'early@parents.test', firstName: 'Early', lastName: 'Bird' });
    const [o] = await t.db.select().from(organizations).where(eq(organizations.workosOrgId, org.id));
    expect(o).toMatchObject({ name: 'Parents Inc', slug: 'parents-inc' });
    expect(o?.domains.map((d) => d.domain)).toEqual(['parents.test']);
    expect(await membership(m.id)).toMatchObject({ role: 'ADMIN', userId: u?.id, organizationId: o?.id });

    // The parents' own (older or equal) events arriving later change nothing and fail nothing.
    const late = await worker.processBatch(
      sqsEvent([lastEvent('user.created', user.id), lastEvent('organization.created', org.id)]),
    );
    expect(late.response.batchItemFailures).toEqual([]);
  });

  it('fails the message while WorkOS fails, leaves nothing behind, and applies it on a later delivery', async () => {
    const user = emulator.store.createUser({ email: 'retry@parents.test' });
    const org = emulator.store.createOrganization({ name: 'Retry Org' });
    const m = emulator.store.createMembership({ userId: user.id, organizationId: org.id });
    const message = lastEvent('organization_membership.created', m.id);
    const eventId = JSON.parse(message).id as string;

    emulator.faults.failNext('GET /user_management/users/:id', 1, 500);
    const first = await worker.processBatch(sqsEvent([message]));
    expect(first.records[0]).toMatchObject({ ok: false, code: 'PARENT_UNAVAILABLE' });
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(await membership(m.id)).toBeUndefined();
    expect(await t.db.select().from(processedEvents).where(eq(processedEvents.eventId, eventId))).toEqual([]);

    emulator.faults.failNext('GET /organizations/:id', 1, 503);
    const second = await worker.processBatch(sqsEvent([message]));
    expect(second.records[0]).toMatchObject({ ok: false, code: 'PARENT_UNAVAILABLE' });

    const third = await worker.processBatch(sqsEvent([message]));
    expect(third.response.batchItemFailures).toEqual([]);
    expect((await membership(m.id))?.deletedAt).toBeNull();
  });

  it('stands in a tombstone for a parent WorkOS has already deleted, which older events cannot revive', async () => {
    const user = emulator.store.createUser({ email: 'gone@parents.test', firstName: 'Gone' });
    const org = emulator.store.createOrganization({ name: 'Still Here' });
    const m = emulator.store.createMembership({ userId: user.id, organizationId: org.id });
    const created = lastEvent('organization_membership.created', m.id);
    const userCreated = lastEvent('user.created', user.id);
    emulator.store.deleteUser(user.id); // also deletes the membership (membership.deleted event)

    const report = await worker.processBatch(
      sqsEvent([created, lastEvent('organization_membership.deleted', m.id), userCreated]),
    );
    expect(report.response.batchItemFailures).toEqual([]);
    const [u] = await t.db.select().from(users).where(eq(users.workosId, user.id));
    expect(u?.deletedAt).toBeInstanceOf(Date);
    expect(u?.isActive).toBe(false);
    expect((await membership(m.id))?.deletedAt).toBeInstanceOf(Date);
  });

  it('fetches the organization of an organization_domain event that came first', async () => {
    const org = emulator.store.createOrganization({ name: 'Domain First', domains: ['first.test'] });
    // The emulator sends no organization_domain.* events: build one like the fixture.
    const message = JSON.stringify({
      object: 'event',
      id: `event_domain_first_${org.id}`,
      event: 'organization_domain.verified',
      data: {
        object: 'organization_domain',
        id: org.domains[0]?.id,
        organization_id: org.id,
        domain: 'first.test',
        state: 'verified',
        updated_at: new Date().toISOString(),
      },
      created_at: new Date().toISOString(),
    });
    const report = await worker.processBatch(sqsEvent([message]));
    expect(report.records[0]).toMatchObject({ ok: true, result: { parentsFetched: 1 } });
    const [o] = await t.db.select().from(organizations).where(eq(organizations.workosOrgId, org.id));
    expect(o?.domains.map((d) => d.domain)).toEqual(['first.test']);
  });
});
