import { organizations, users } from '@app/db';
import type { SyncWorker } from '@app/sync';
import type { Emulator } from '@app/workos-emulator';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOrganizationSnapshot, recordSignIn } from '../../../packages/session/src/sign-in-sync';
import type { TestDatabase } from '../../support/db';
import { sqsEvent } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';
import { at, domainEvent, orgEvent } from '../../support/sync-events';

let t: TestDatabase;
let emulator: Emulator;
let worker: SyncWorker;
let sdk: SyncWorkerBed['sdk'];
let stop: SyncWorkerBed['stop'];
beforeAll(async () => {
  ({ t, emulator, worker, sdk, stop } = await startSyncWorker());
});
afterAll(() => stop());

async function deliver(...events: (Record<string, unknown> | string)[]) {
  const report = await worker.processBatch(
    sqsEvent(events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))),
  );
  expect(report.response.batchItemFailures).toEqual([]);
}
const orgRow = async (workosOrgId: string) =>
  (await t.db.select().from(organizations).where(eq(organizations.workosOrgId, workosOrgId)))[0];
const domainStates = async (workosOrgId: string) =>
  (await orgRow(workosOrgId))?.domains.map((d) => `${d.domain}:${d.state}`);

describe('organization domains: the same order guard and tombstones as every synced row', () => {
  it('a late, older organization_domain event does not bring back a deleted domain', async () => {
    const org = 'org_dom_late';
    await deliver(orgEvent('created', { id: org, name: 'Late Domains', updated_at: at(1) }));
    const domain = { id: 'org_domain_late', organization_id: org, domain: 'late.test' };
    await deliver(domainEvent('created', { ...domain, state: 'pending', updated_at: at(2) }));
    await deliver(domainEvent('deleted', { ...domain, state: 'pending', updated_at: at(4) }));
    expect(await domainStates(org)).toEqual([]);

    // Older than the delete, newer than the organization's own state: still stale.
    await deliver(domainEvent('verified', { ...domain, state: 'verified', updated_at: at(3) }));
    expect(await domainStates(org)).toEqual([]);
    // Nor does an organization event older than the delete that still lists it.
    await deliver(
      orgEvent('updated', {
        id: org,
        name: 'Late Domains',
        domains: [{ ...domain, state: 'verified', updated_at: at(3) }],
        updated_at: at(3),
      }),
    );
    expect(await domainStates(org)).toEqual([]);
    expect((await orgRow(org))?.deletedDomains).toMatchObject([{ id: 'org_domain_late', updatedAt: at(4) }]);
  });

  it('a sign-in stores each domain with its updated_at, so an older domain event stays stale', async () => {
    const user = emulator.store.createUser({ email: 'signin@domains.test', firstName: 'Sign' });
    const org = emulator.store.createOrganization({ name: 'Signed Domains', domains: ['signed.test'] });
    emulator.store.createMembership({ userId: user.id, organizationId: org.id });
    const snapshot = await fetchOrganizationSnapshot(sdk, user.id, org.id, {});
    await recordSignIn(t.db, {
      user: await sdk.userManagement.getUser(user.id),
      organizationId: org.id,
      snapshot,
      at: new Date(),
    });
    const [stored] = (await orgRow(org.id))?.domains ?? [];
    const [workosDomain] = org.domains;
    expect(stored).toMatchObject({
      domain: 'signed.test',
      state: 'verified',
      updatedAt: workosDomain?.updated_at,
    });

    // An event about the domain from before its current state (but after nothing the org row knows).
    const older = new Date(Date.parse(workosDomain?.updated_at ?? '') - 1).toISOString();
    await t.db
      .update(organizations)
      .set({ workosUpdatedAt: new Date(Date.parse(older) - 1000) })
      .where(eq(organizations.workosOrgId, org.id));
    await deliver(
      domainEvent('updated', {
        id: workosDomain?.id,
        organization_id: org.id,
        domain: 'signed.test',
        state: 'pending',
        updated_at: older,
      }),
    );
    expect(await domainStates(org.id)).toEqual(['signed.test:verified']);
  });
});

describe('a stand-in for a parent WorkOS has already deleted', () => {
  it('shows nothing WorkOS did not say: no name, no address, and no real name taken from the slugs', async () => {
    const user = emulator.store.createUser({ email: 'stand-in@parents.test', firstName: 'Stand' });
    const org = emulator.store.createOrganization({ name: 'Stand In Org' });
    const m = emulator.store.createMembership({ userId: user.id, organizationId: org.id });
    const created = emulator.events.find(
      (e) => e.event === 'organization_membership.created' && (e.data as { id: string }).id === m.id,
    );
    emulator.store.deleteOrganization(org.id);
    emulator.store.deleteUser(user.id);

    await deliver(JSON.stringify(created));
    const o = await orgRow(org.id);
    expect(o).toMatchObject({ name: '', isActive: false });
    expect(o?.slug).not.toBe('org');
    expect(o?.deletedAt).toBeInstanceOf(Date);
    const [u] = await t.db.select().from(users).where(eq(users.workosId, user.id));
    expect(u).toMatchObject({
      firstName: '',
      lastName: '',
      email: `${user.id}@email-released.invalid`,
      isActive: false,
    });
  });
});
