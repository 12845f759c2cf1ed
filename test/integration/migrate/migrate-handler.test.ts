import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { withDatabase } from '../../support/global-setup';

const admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
const name = `wla_t_migrate_${randomBytes(4).toString('hex')}`;
afterAll(async () => {
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

const cfnEvent = (RequestType: 'Create' | 'Update' | 'Delete') =>
  ({
    RequestType,
    ServiceToken: 'arn',
    ResponseURL: 'http://localhost',
    StackId: 'stack',
    RequestId: 'req',
    LogicalResourceId: 'Migrations',
    ResourceType: 'Custom::Migrations',
    ResourceProperties: { ServiceToken: 'arn' },
    ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'schema', OldResourceProperties: {} }),
  }) as never;

describe('migrate custom resource handler', () => {
  it('brings an empty database to the schema on Create and changes nothing on Update', async () => {
    await admin.unsafe(`CREATE DATABASE ${name}`);
    process.env.DATABASE_URL = withDatabase(inject('adminDatabaseUrl'), name);
    process.env.MIGRATIONS_FOLDER = new URL('../../../migrations', import.meta.url).pathname;
    const { handler } = await import('../../../functions/migrate/handler');
    expect(await handler(cfnEvent('Create'))).toEqual({ PhysicalResourceId: 'schema' });
    const db = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
    const tables =
      await db`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`;
    const applied = await db`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
    expect(tables[0]?.n).toBeGreaterThanOrEqual(8);
    expect(await handler(cfnEvent('Update'))).toEqual({ PhysicalResourceId: 'schema' });
    expect(await db`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`).toEqual(applied);
    expect(await handler(cfnEvent('Delete'))).toEqual({ PhysicalResourceId: 'schema' });
    await db.end();
  });
});
