import { organizations, users } from '@app/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';

let t: TestDatabase;
beforeAll(async () => {
  // One connection, as in Lambda: prepared statements live on it.
  t = await createTestDatabase({ max: 1 });
});
afterAll(() => t.drop());

const preparedLike = async (fragment: string) => {
  const rows = await t.db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE ${`%${fragment}%`}`,
  );
  return rows[0]?.n ?? 0;
};

describe('database client', () => {
  it("prepares drizzle's one-off queries on the connection and reuses them", async () => {
    for (const email of ['a@example.com', 'b@example.com']) {
      await t.db.select({ id: users.id }).from(users).where(eq(users.email, email));
    }
    expect(await preparedLike('"users"."email" = $1')).toBe(1);
  });

  it('prepares queries inside transactions too, and commits them', async () => {
    await t.db.transaction(async (tx) => {
      await tx
        .insert(organizations)
        .values({ workosOrgId: 'org_tx', name: 'Tx', slug: 'tx' })
        .onConflictDoNothing();
    });
    expect(await preparedLike('insert into "organizations"')).toBe(1);
    const [row] = await t.db.select().from(organizations).where(eq(organizations.workosOrgId, 'org_tx'));
    expect(row?.slug).toBe('tx');
  });

  it('rolls a failed transaction back as before', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.insert(organizations).values({ workosOrgId: 'org_rb', name: 'Rb', slug: 'rb' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await t.db.select().from(organizations).where(eq(organizations.workosOrgId, 'org_rb'))).toEqual(
      [],
    );
  });
});
