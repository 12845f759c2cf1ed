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
