import { randomBytes } from 'node:crypto';
import { createDb, organizations } from '@app/db';
import { ensureAppRole } from '@app/db/migrate';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';

// The functions connect as an app role the migrate function creates: it reads and writes the app's
// tables, and can do nothing else.
let t: TestDatabase;
const user = `wla_app_${randomBytes(3).toString('hex')}`;
const password = `p'w-${randomBytes(8).toString('hex')}`;
beforeAll(async () => {
  t = await createTestDatabase({ max: 1 });
});
afterAll(async () => {
  await t.drop();
  const admin = postgres(t.url.replace(/\/[^/]+$/, '/postgres'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP ROLE IF EXISTS ${user}`);
  await admin.end();
});

const asApp = (secret = password) => {
  const url = new URL(t.url);
  url.username = user;
  url.password = secret;
  return url.toString();
};

describe('app database role', () => {
  it('is created with the password, reads and writes the tables, and may not change the schema', async () => {
    await ensureAppRole(t.url, { user, password });
    await ensureAppRole(t.url, { user, password }); // idempotent on every deploy
    const app = createDb(asApp(), { max: 1 });
    try {
      await app.db.insert(organizations).values({ workosOrgId: 'org_role', name: 'Role', slug: 'role' });
      const [row] = await app.db
        .select()
        .from(organizations)
        .where(eq(organizations.workosOrgId, 'org_role'));
      expect(row?.name).toBe('Role');
      await expect(app.sql.unsafe('CREATE TABLE app_role_probe (id int)')).rejects.toMatchObject({
        code: '42501',
      });
      await expect(app.sql.unsafe('DROP TABLE organizations CASCADE')).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await app.close();
    }
  });

  it('a rotated password replaces the stored one (the test server trusts local logins, so read pg_authid)', async () => {
    const admin = postgres(t.url, { max: 1, onnotice: () => {} });
    const stored = async () =>
      (await admin`select rolpassword from pg_authid where rolname = ${user}`)[0]?.rolpassword as string;
    try {
      const before = await stored();
      expect(before).toMatch(/^SCRAM-SHA-256\$/);
      await ensureAppRole(t.url, { user, password: 'rotated-secret-0123456789' });
      expect(await stored()).not.toBe(before);
    } finally {
      await admin.end();
    }
  });
});
