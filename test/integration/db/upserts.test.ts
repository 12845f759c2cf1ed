import {
  organizationMemberships,
  organizations,
  roleFromSlug,
  slugify,
  upsertMembership,
  upsertOrganization,
  upsertUser,
  users,
} from '@app/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const T1 = '2025-01-01T00:00:00.000Z';
const T2 = '2025-01-02T00:00:00.000Z';
const T3 = '2025-01-03T00:00:00.000Z';

describe('upsertUser', () => {
  it('inserts, applies a newer WorkOS state and ignores an older one', async () => {
    const first = await upsertUser(t.db, {
      workosId: 'user_order',
      email: 'order@example.com',
      firstName: 'Ann',
      lastName: null,
      updatedAt: T2,
    });
    expect(first.outcome).toBe('inserted');
    expect(first.row).toMatchObject({ firstName: 'Ann', lastName: '', email: 'order@example.com' });

    const stale = await upsertUser(t.db, {
      workosId: 'user_order',
      email: 'old@example.com',
      firstName: 'Old',
      updatedAt: T1,
    });
    expect(stale.outcome).toBe('stale');
    expect(stale.row.firstName).toBe('Ann');

    const newer = await upsertUser(t.db, {
      workosId: 'user_order',
      email: 'new@example.com',
      firstName: 'New',
      updatedAt: T3,
    });
    expect(newer.outcome).toBe('updated');
    expect(newer.row).toMatchObject({ firstName: 'New', email: 'new@example.com', id: first.row.id });
  });

  it('writes lastLoginAt even when the WorkOS fields are stale, keeping the custom fields', async () => {
    const { row } = await upsertUser(t.db, {
      workosId: 'user_login',
      email: 'login@example.com',
      updatedAt: T2,
    });
    await t.db.update(users).set({ bio: 'mine' }).where(eq(users.id, row.id));
    const at = new Date('2025-02-01T10:00:00.000Z');
    const again = await upsertUser(
      t.db,
      { workosId: 'user_login', email: 'login@example.com', updatedAt: T2 },
      { lastLoginAt: at },
    );
    expect(again.outcome).toBe('stale');
    expect(again.row.lastLoginAt).toEqual(at);
    expect(again.row.bio).toBe('mine');
  });

  it('never resurrects a tombstoned user', async () => {
    const { row } = await upsertUser(t.db, {
      workosId: 'user_gone',
      email: 'gone@example.com',
      updatedAt: T1,
    });
    await t.db.update(users).set({ deletedAt: new Date(), isActive: false }).where(eq(users.id, row.id));
    const result = await upsertUser(
      t.db,
      { workosId: 'user_gone', email: 'gone@example.com', firstName: 'Back', updatedAt: T3 },
      { lastLoginAt: new Date() },
    );
    expect(result.outcome).toBe('tombstoned');
    expect(result.row).toMatchObject({ firstName: '', isActive: false, lastLoginAt: null });
  });

  it('works inside a caller transaction', async () => {
    await t.db.transaction(async (tx) => {
      const r = await upsertUser(tx, { workosId: 'user_tx', email: 'tx@example.com', updatedAt: T1 });
      expect(r.outcome).toBe('inserted');
    });
    const [row] = await t.db.select().from(users).where(eq(users.workosId, 'user_tx'));
    expect(row?.email).toBe('tx@example.com');
  });
});

describe('upsertOrganization', () => {
  it('derives unique slugs from names and keeps the slug on rename', async () => {
    const a = await upsertOrganization(t.db, { workosOrgId: 'org_a', name: 'Acmé Corp.', updatedAt: T1 });
    const b = await upsertOrganization(t.db, { workosOrgId: 'org_b', name: 'ACME corp', updatedAt: T1 });
    const c = await upsertOrganization(t.db, { workosOrgId: 'org_c', name: 'acme-corp', updatedAt: T1 });
    expect([a.row.slug, b.row.slug, c.row.slug]).toEqual(['acme-corp', 'acme-corp-2', 'acme-corp-3']);
    expect(a.outcome).toBe('inserted');

    const renamed = await upsertOrganization(t.db, {
      workosOrgId: 'org_a',
      name: 'Globex',
      domains: [{ id: 'org_domain_1', domain: 'globex.com', state: 'verified' }],
      updatedAt: T2,
    });
    expect(renamed.outcome).toBe('updated');
    expect(renamed.row).toMatchObject({ name: 'Globex', slug: 'acme-corp', id: a.row.id });
    expect(renamed.row.domains).toHaveLength(1);

    const stale = await upsertOrganization(t.db, { workosOrgId: 'org_a', name: 'Old name', updatedAt: T1 });
    expect(stale.outcome).toBe('stale');
    expect(stale.row.name).toBe('Globex');
  });

  it('handles concurrent inserts of organizations with the same name', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        upsertOrganization(t.db, { workosOrgId: `org_same_${i}`, name: 'Same Name', updatedAt: T1 }),
      ),
    );
    const slugs = results.map((r) => r.row.slug).sort();
    expect(new Set(slugs).size).toBe(5);
    expect(slugs).toContain('same-name');
  });

  it('never resurrects a tombstoned organization', async () => {
    const { row } = await upsertOrganization(t.db, { workosOrgId: 'org_dead', name: 'Dead', updatedAt: T1 });
    await t.db.update(organizations).set({ deletedAt: new Date() }).where(eq(organizations.id, row.id));
    const result = await upsertOrganization(t.db, { workosOrgId: 'org_dead', name: 'Alive', updatedAt: T3 });
    expect(result.outcome).toBe('tombstoned');
    expect(result.row.name).toBe('Dead');
  });
});

describe('upsertMembership', () => {
  it('maps role slugs, keeps the raw slugs and obeys the order guard', async () => {
    const user = await upsertUser(t.db, { workosId: 'user_m', email: 'm@example.com', updatedAt: T1 });
    const org = await upsertOrganization(t.db, { workosOrgId: 'org_m', name: 'Members', updatedAt: T1 });
    const base = {
      workosMembershipId: 'om_1',
      userId: user.row.id,
      organizationId: org.row.id,
      status: 'active' as const,
    };
    const created = await upsertMembership(t.db, {
      ...base,
      roleSlug: 'admin',
      roleSlugs: ['admin', 'billing'],
      updatedAt: T2,
    });
    expect(created.outcome).toBe('inserted');
    expect(created.row).toMatchObject({ role: 'ADMIN', roleSlug: 'admin', roleSlugs: ['admin', 'billing'] });

    const stale = await upsertMembership(t.db, {
      ...base,
      roleSlug: 'viewer',
      roleSlugs: ['viewer'],
      updatedAt: T1,
    });
    expect(stale.outcome).toBe('stale');
    expect(stale.row.role).toBe('ADMIN');

    const newer = await upsertMembership(t.db, {
      ...base,
      roleSlug: 'owner',
      roleSlugs: ['owner'],
      updatedAt: T3,
    });
    expect(newer.outcome).toBe('updated');
    expect(newer.row.role).toBe('OWNER');
  });

  it('keeps a deleted membership deleted, but accepts a new WorkOS membership for the pair', async () => {
    const user = await upsertUser(t.db, { workosId: 'user_t', email: 't@example.com', updatedAt: T1 });
    const org = await upsertOrganization(t.db, { workosOrgId: 'org_t', name: 'Tomb', updatedAt: T1 });
    const base = {
      userId: user.row.id,
      organizationId: org.row.id,
      status: 'active' as const,
      roleSlugs: [],
    };
    const { row } = await upsertMembership(t.db, {
      ...base,
      workosMembershipId: 'om_old',
      roleSlug: 'member',
      updatedAt: T1,
    });
    await t.db
      .update(organizationMemberships)
      .set({ deletedAt: new Date() })
      .where(eq(organizationMemberships.id, row.id));

    const late = await upsertMembership(t.db, {
      ...base,
      workosMembershipId: 'om_old',
      roleSlug: 'admin',
      updatedAt: T2,
    });
    expect(late.outcome).toBe('tombstoned');

    const reborn = await upsertMembership(t.db, {
      ...base,
      workosMembershipId: 'om_new',
      roleSlug: 'viewer',
      updatedAt: T3,
    });
    expect(reborn.outcome).toBe('updated');
    expect(reborn.row).toMatchObject({ deletedAt: null, workosMembershipId: 'om_new', role: 'VIEWER' });
  });
});

describe('roleFromSlug and slugify', () => {
  it('maps known slugs and falls back to MEMBER', () => {
    expect(['owner', 'ADMIN', 'viewer', 'member', 'billing', null].map(roleFromSlug)).toEqual([
      'OWNER',
      'ADMIN',
      'VIEWER',
      'MEMBER',
      'MEMBER',
      'MEMBER',
    ]);
  });
  it('makes URL-safe slugs and never an empty one', () => {
    expect(slugify('  Ünïcode & Co — Ltd  ')).toBe('unicode-co-ltd');
    expect(slugify('日本')).toBe('org');
  });
});
