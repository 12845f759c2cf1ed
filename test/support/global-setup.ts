import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startEmbeddedPostgres } from '@app/db/embedded';
import { runMigrations } from '@app/db/migrate';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the server the tests use (DATABASE_URL or the embedded engine). */
    adminDatabaseUrl: string;
    /** A database with every committed migration applied; test files clone it. */
    templateDatabase: string;
  }
}

/**
 * Once per run of a project that needs PostgreSQL: use DATABASE_URL when set, else start the embedded PostgreSQL; then build a template
 * database with the committed migrations that every test file clones (CREATE DATABASE ... TEMPLATE).
 */
export default async function setup(project: TestProject) {
  let stopEngine: (() => Promise<void>) | undefined;
  let adminUrl = process.env.DATABASE_URL;
  // One per project that needs a database (integration, e2e): names and data folders must not clash.
  const tag = `${project.name.replace(/[^a-z0-9]/gi, '')}${process.pid}`;
  const dataDir = path.resolve(`.local/test-postgres-${tag}`);
  if (!adminUrl) {
    await rm(dataDir, { recursive: true, force: true });
    const engine = await startEmbeddedPostgres({ dataDir, persistent: false });
    adminUrl = engine.url;
    stopEngine = engine.stop;
  }
  const templateDatabase = `wla_template_${tag}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.unsafe(`CREATE DATABASE ${templateDatabase}`);
  await runMigrations(withDatabase(adminUrl, templateDatabase));
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);

  return async () => {
    const leftovers = await admin<{ datname: string }[]>`
      SELECT datname FROM pg_database WHERE datname LIKE ${`wla_t_${tag}_%`} OR datname = ${templateDatabase}`;
    for (const { datname } of leftovers)
      await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
    await stopEngine?.();
    if (stopEngine) await rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
