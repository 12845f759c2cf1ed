import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  defaultMigrationsFolder,
  MIGRATIONS_LOCK_KEY,
  migrationsDigest,
  runMigrations,
} from '@app/db/migrate';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withDatabase } from '../../support/global-setup';

/**
 * What a deploy does to the migrate custom resource when it goes wrong, against real PostgreSQL:
 * CloudFormation's rollback call (old properties, new bundle), a second migrator at the same time,
 * and a migration that would queue behind live traffic's locks.
 */
const adminUrl = inject('adminDatabaseUrl');
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const created: string[] = [];
const folders: string[] = [];

async function freshDatabase() {
  const name = `wla_t_mig_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  created.push(name);
  return withDatabase(adminUrl, name);
}

/** The committed migrations plus one more (what a new deploy's bundle carries). */
function withExtraMigration(tag: string, statement: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'wla-migrations-'));
  folders.push(dir);
  cpSync(defaultMigrationsFolder, dir, { recursive: true });
  const journalPath = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
  const last = journal.entries.at(-1);
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag });
  writeFileSync(journalPath, JSON.stringify(journal));
  writeFileSync(path.join(dir, `${tag}.sql`), statement);
  return dir;
}

const cfnEvent = (RequestType: 'Create' | 'Update', digest: string, oldDigest?: string) =>
  ({
    RequestType,
    ServiceToken: 'arn',
    ResponseURL: 'http://localhost',
    StackId: 'stack',
    RequestId: 'req',
    LogicalResourceId: 'Migrations',
    ResourceType: 'Custom::DatabaseMigrations',
    ResourceProperties: { ServiceToken: 'arn', MigrationsDigest: digest },
    ...(RequestType === 'Create'
      ? {}
      : { PhysicalResourceId: 'schema', OldResourceProperties: { MigrationsDigest: oldDigest } }),
  }) as never;

const appliedCount = async (url: string) => {
  const db = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await db`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
    return row?.n as number;
  } finally {
    await db.end();
  }
};

let handler: (event: never) => Promise<unknown>;
const saved = { ...process.env };
beforeAll(async () => {
  ({ handler } = await import('../../../functions/migrate/handler'));
});
afterAll(async () => {
  process.env = saved;
  for (const name of created) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('migrate on rollback', () => {
  it('a failed migration rolls back cleanly: the rollback call (old digest) does nothing', async () => {
    process.env.DATABASE_URL = await freshDatabase();
    const committed = migrationsDigest();
    process.env.MIGRATIONS_FOLDER = defaultMigrationsFolder;
    await handler(cfnEvent('Create', committed));
    const before = await appliedCount(process.env.DATABASE_URL);

    // The new bundle carries a migration that fails: the deploy's Update fails...
    const broken = withExtraMigration('0099_broken', 'ALTER TABLE no_such_table ADD COLUMN x int;');
    process.env.MIGRATIONS_FOLDER = broken;
    await expect(handler(cfnEvent('Update', migrationsDigest(broken), committed))).rejects.toThrow();
    // ...and CloudFormation rolls back by calling the same (new) bundle with the old properties.
    await expect(handler(cfnEvent('Update', committed, migrationsDigest(broken)))).resolves.toEqual({
      PhysicalResourceId: 'schema',
    });
    expect(await appliedCount(process.env.DATABASE_URL)).toBe(before);
  });
});

describe('one migrator at a time', () => {
  it('two concurrent migrators both succeed and apply each migration once', async () => {
    const url = await freshDatabase();
    await Promise.all([runMigrations(url), runMigrations(url)]);
    const journal = JSON.parse(
      readFileSync(path.join(defaultMigrationsFolder, 'meta', '_journal.json'), 'utf8'),
    );
    expect(await appliedCount(url)).toBe(journal.entries.length);
  });

  it('waits for the advisory lock another migrator holds, and gives up after its wait budget', async () => {
    const url = await freshDatabase();
    const other = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await other`SELECT pg_advisory_lock(${MIGRATIONS_LOCK_KEY.toString()}::bigint)`;
      await expect(runMigrations(url, defaultMigrationsFolder, { waitForLockMs: 300 })).rejects.toThrow(
        /migrations lock/,
      );
      const waiting = runMigrations(url, defaultMigrationsFolder, { waitForLockMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other`SELECT pg_advisory_unlock(${MIGRATIONS_LOCK_KEY.toString()}::bigint)`;
      await waiting;
      expect(await appliedCount(url)).toBeGreaterThan(0);
    } finally {
      await other.end();
    }
  });

  it('a migration that would queue behind a table lock fails fast (lock_timeout) instead of blocking traffic', async () => {
    const url = await freshDatabase();
    await runMigrations(url);
    const blocked = withExtraMigration('0099_add_column', 'ALTER TABLE users ADD COLUMN nickname text;');
    const traffic = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await traffic.begin(async (tx) => {
        await tx`LOCK TABLE users IN ACCESS SHARE MODE`;
        const started = Date.now();
        const error = await runMigrations(url, blocked, { lockTimeoutMs: 200 }).catch((e: unknown) => e);
        expect(
          (error as { cause?: { code?: string }; code?: string }).cause?.code ??
            (error as { code?: string }).code,
        ).toBe('55P03');
        expect(Date.now() - started).toBeLessThan(5_000);
      });
    } finally {
      await traffic.end();
    }
    // Once the lock is gone, the same migration applies.
    await runMigrations(url, blocked);
    const journal = JSON.parse(readFileSync(path.join(blocked, 'meta', '_journal.json'), 'utf8'));
    expect(await appliedCount(url)).toBe(journal.entries.length);
  });
});
