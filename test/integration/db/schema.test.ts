import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

// The seed's models: every column keeps its snake_case name.
const seedColumns: Record<string, string[]> = {
  users: [
    'id',
    'workos_id',
    'email',
    'first_name',
    'last_name',
    'avatar_url',
    'bio',
    'timezone',
    'preferences',
    'last_login_at',
    'is_active',
    'created_at',
    'updated_at',
  ],
  organizations: [
    'id',
    'workos_org_id',
    'name',
    'slug',
    'domain',
    'logo_url',
    'settings',
    'is_active',
    'created_at',
    'updated_at',
  ],
  organization_memberships: ['id', 'user_id', 'organization_id', 'role', 'created_at', 'updated_at'],
  notifications: [
    'id',
    'user_id',
    'type',
    'status',
    'subject',
    'message',
    'metadata',
    'sent_at',
    'failed_at',
    'error_msg',
    'created_at',
    'updated_at',
  ],
};

const syncColumns: Record<string, string[]> = {
  users: ['workos_updated_at', 'deleted_at'],
  organizations: ['workos_updated_at', 'deleted_at', 'domains'],
  organization_memberships: [
    'workos_updated_at',
    'deleted_at',
    'workos_membership_id',
    'status',
    'role_slug',
    'role_slugs',
  ],
  processed_events: ['event_id', 'event_type', 'outcome', 'processed_at'],
  sync_state: ['key', 'cursor', 'updated_at'],
  revoked_sessions: ['session_id', 'revoked_at'],
  session_refreshes: ['token_hash', 'sealed_session', 'claimed_at'],
};

describe('database schema after migrations', () => {
  it('has every seed table and column', async () => {
    const rows = await t.sql<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`;
    for (const [table, columns] of Object.entries({ ...seedColumns })) {
      const have = rows.filter((r) => r.table_name === table).map((r) => r.column_name);
      expect(have, table).toEqual(expect.arrayContaining(columns));
    }
  });

  it('has the columns sync and sessions need', async () => {
    const rows = await t.sql<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`;
    for (const [table, columns] of Object.entries(syncColumns)) {
      const have = rows.filter((r) => r.table_name === table).map((r) => r.column_name);
      expect(have, table).toEqual(expect.arrayContaining(columns));
    }
  });

  it('has the three seed enums with every value, in order', async () => {
    const rows = await t.sql<{ typname: string; labels: string[] }[]>`
      SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`;
    const enums = Object.fromEntries(rows.map((r) => [r.typname, r.labels]));
    expect(enums.OrganizationRole).toEqual(['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']);
    expect(enums.NotificationType).toEqual(['EMAIL', 'SMS', 'PUSH', 'IN_APP']);
    expect(enums.NotificationStatus).toEqual([
      'PENDING',
      'QUEUED',
      'PROCESSING',
      'SENT',
      'FAILED',
      'CANCELLED',
    ]);
  });

  it('keeps the seed defaults', async () => {
    const rows = await t.sql<{ table_name: string; column_name: string; column_default: string | null }[]>`
      SELECT table_name, column_name, column_default FROM information_schema.columns
      WHERE table_schema = 'public' AND column_default IS NOT NULL`;
    const def = (table: string, column: string) =>
      rows.find((r) => r.table_name === table && r.column_name === column)?.column_default;
    expect(def('users', 'timezone')).toContain("'UTC'");
    expect(def('users', 'is_active')).toBe('true');
    expect(def('organizations', 'is_active')).toBe('true');
    expect(def('organization_memberships', 'role')).toContain("'MEMBER'");
    expect(def('notifications', 'status')).toContain("'PENDING'");
    for (const table of Object.keys(seedColumns)) {
      expect(def(table, 'id'), table).toContain('gen_random_uuid()');
      expect(def(table, 'created_at'), table).toContain('now()');
    }
  });

  it('has every seed unique constraint', async () => {
    const rows = await t.sql<{ table: string; columns: string[] }[]>`
      SELECT c.conrelid::regclass::text AS table,
             array_agg(a.attname ORDER BY array_position(c.conkey, a.attnum)) AS columns
      FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
      WHERE c.contype = 'u' GROUP BY c.oid, c.conrelid`;
    const uniques = rows.map((r) => `${r.table}(${r.columns.join(',')})`);
    expect(uniques).toEqual(
      expect.arrayContaining([
        'users(workos_id)',
        'users(email)',
        'organizations(workos_org_id)',
        'organizations(slug)',
        'organization_memberships(user_id,organization_id)',
        'organization_memberships(workos_membership_id)',
      ]),
    );
  });

  it('has an index serving every seed index (a unique index counts)', async () => {
    const rows = await t.sql<{ table: string; columns: string[] }[]>`
      SELECT i.indrelid::regclass::text AS table,
             array_agg(a.attname ORDER BY array_position(i.indkey::int2[], a.attnum)) AS columns
      FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
      GROUP BY i.indexrelid, i.indrelid`;
    // An index serves a seed index when the seed's column leads it.
    const leading = new Set(rows.map((r) => `${r.table}(${r.columns[0]})`));
    for (const seedIndex of [
      'users(workos_id)',
      'users(email)',
      'users(last_login_at)',
      'organizations(workos_org_id)',
      'organizations(slug)',
      'organization_memberships(user_id)',
      'organization_memberships(organization_id)',
      'notifications(user_id)',
      'notifications(status)',
      'notifications(created_at)',
    ]) {
      expect(leading.has(seedIndex), seedIndex).toBe(true);
    }
  });

  it('cascades membership and notification deletes from users', async () => {
    const [user] = await t.sql<{ id: string }[]>`
      INSERT INTO users (workos_id, email, first_name, last_name) VALUES ('user_1', 'a@example.com', 'A', 'B')
      RETURNING id`;
    const [org] = await t.sql<{ id: string }[]>`
      INSERT INTO organizations (workos_org_id, name, slug) VALUES ('org_1', 'Acme', 'acme') RETURNING id`;
    await t.sql`INSERT INTO organization_memberships (user_id, organization_id) VALUES (${user!.id}, ${org!.id})`;
    await t.sql`INSERT INTO notifications (user_id, type, subject, message) VALUES (${user!.id}, 'EMAIL', 's', 'm')`;
    await t.sql`DELETE FROM users WHERE id = ${user!.id}`;
    const [row] = await t.sql<{ count: number }[]>`
      SELECT (SELECT count(*) FROM organization_memberships) + (SELECT count(*) FROM notifications) AS count`;
    expect(Number(row?.count)).toBe(0);
  });
});

describe('migrations', () => {
  it('a second run changes nothing', async () => {
    const { runMigrations } = await import('@app/db/migrate');
    const before = await t.sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
    await runMigrations(t.url);
    const after = await t.sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
    expect(after).toEqual(before);
  });
});
