import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** The committed migrations folder, when running from the source tree. */
export const defaultMigrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));

/**
 * Applies every committed migration not yet applied. Idempotent: drizzle records applied
 * migrations in drizzle.__drizzle_migrations and takes an advisory lock while it runs.
 */
export async function runMigrations(url: string, migrationsFolder = defaultMigrationsFolder) {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await migrate(drizzle(sql), { migrationsFolder });
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
