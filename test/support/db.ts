import { randomBytes } from 'node:crypto';
import { createDb } from '@app/db';
import postgres from 'postgres';
import { inject } from 'vitest';
import { withDatabase } from './global-setup';

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/**
 * A fresh database with every committed migration applied, cloned from the run's template.
 * Call in beforeAll; call `drop()` in afterAll.
 */
export async function createTestDatabase(options: { max?: number } = {}) {
  const adminUrl = inject('adminDatabaseUrl');
  const template = inject('templateDatabase');
  const name = `wla_t_${template.split('_').pop()}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  // CREATE DATABASE ... TEMPLATE needs the template to have no other connections: retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  const url = withDatabase(adminUrl, name);
  const client = createDb(url, { max: options.max ?? 5 });
  return {
    name,
    url,
    ...client,
    async drop() {
      await client.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
