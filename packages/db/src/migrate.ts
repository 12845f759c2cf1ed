import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** The committed migrations folder, when running from the source tree. */
export const defaultMigrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));

/**
 * A digest of every file under a migrations folder. The CDK app puts it on the migrate custom
 * resource (a deploy that changes a migration updates the resource); the migrate function
 * computes it over the folder its bundle carries, so it can tell a rollback (old properties) from
 * a deploy of its own migrations.
 */
export function migrationsDigest(dir = defaultMigrationsFolder): string {
  const hash = createHash('sha256');
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(path.relative(dir, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** The session advisory lock every migrator takes (pg_advisory_lock key: "wla-migrations"). */
export const MIGRATIONS_LOCK_KEY = 0x776c615f6d6967n;

export type MigrateOptions = {
  /** Longest a migration statement may wait for a table lock held by live traffic. */
  lockTimeoutMs?: number;
  /** Longest any one migration statement may run. */
  statementTimeoutMs?: number;
  /** Longest to wait for another migrator to finish (then fail, and the deploy rolls back). */
  waitForLockMs?: number;
};

/**
 * Applies every committed migration not yet applied, one migrator at a time. drizzle records
 * applied migrations in drizzle.__drizzle_migrations but takes no lock of its own, so this holds
 * a session advisory lock around it: a second migrator (a concurrent deploy, a CLI run) waits for
 * the first, then finds nothing left to apply. lock_timeout keeps a migration from queueing behind
 * (and in front of) live traffic for long; statement_timeout bounds each statement, both inside the
 * migrate function's 5 minutes so a failure is reported rather than cut off.
 */
export async function runMigrations(
  url: string,
  migrationsFolder = defaultMigrationsFolder,
  options: MigrateOptions = {},
) {
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 10,
    connection: {
      lock_timeout: options.lockTimeoutMs ?? 10_000,
      statement_timeout: options.statementTimeoutMs ?? 4 * 60_000,
      application_name: 'migrate',
    },
  });
  try {
    const deadline = Date.now() + (options.waitForLockMs ?? 3 * 60_000);
    for (;;) {
      const [row] =
        await sql`SELECT pg_try_advisory_lock(${MIGRATIONS_LOCK_KEY.toString()}::bigint) AS locked`;
      if (row?.locked) break;
      if (Date.now() > deadline) throw new Error('another migrator held the migrations lock for too long');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // One connection (max: 1): the lock and the migrations share the session.
    await migrate(drizzle(sql), { migrationsFolder });
    await sql`SELECT pg_advisory_unlock(${MIGRATIONS_LOCK_KEY.toString()}::bigint)`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Creates (or updates) the role the functions connect as: LOGIN with the given password, allowed to
 * read and write the app's tables and nothing else (no DDL, not the owner, not the master). Run
 * after the migrations so new tables are covered; default privileges cover later ones too.
 */
export async function ensureAppRole(url: string, role: { user: string; password: string }) {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role.user))
    throw new Error('the app role name is not a plain identifier');
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const user = role.user;
  // Utility statements take no bind parameters: the password goes in as an escaped literal.
  const password = `'${role.password.replaceAll("'", "''")}'`;
  try {
    await sql.begin(async (tx) => {
      const [exists] = await tx`select 1 from pg_roles where rolname = ${user}`;
      await tx.unsafe(
        `${exists ? 'ALTER' : 'CREATE'} ROLE ${user} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`,
      );
      const [{ db }] = (await tx`select current_database() as db`) as unknown as [{ db: string }];
      await tx.unsafe(`GRANT CONNECT ON DATABASE "${db.replaceAll('"', '""')}" TO ${user}`);
      await tx.unsafe(`GRANT USAGE ON SCHEMA public TO ${user}`);
      await tx.unsafe(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${user}`);
      await tx.unsafe(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${user}`);
      await tx.unsafe(
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${user}`,
      );
      await tx.unsafe(
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${user}`,
      );
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
