import { createDb, organizations } from '@app/db';
import { isDatabaseUnavailable } from '@app/http';
import { sql as raw } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';

// PostgreSQL terminating backends (failover, reboot, pg_terminate_backend) used to kill the process
// from inside postgres.js: a TypeError on a null socket from a timer, an unhandled rejection from
// its type fetch, and a connection left unable to write again. postgres.js is patched on install
// (patches/); this test is the proof.
let t: TestDatabase;
let admin: ReturnType<typeof postgres>;
beforeAll(async () => {
  t = await createTestDatabase({ max: 1 });
  admin = postgres(t.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await admin.end();
  await t.drop();
});

const escaped: unknown[] = [];
const onEscaped = (error: unknown) => escaped.push(error);

describe('database client when PostgreSQL drops its connections', () => {
  it('keeps the process alive, fails each query with a retryable error, and recovers', async () => {
    process.on('uncaughtException', onEscaped);
    process.on('unhandledRejection', onEscaped);
    const applicationName = `dropped-${process.pid}`;
    const clients = Array.from({ length: 4 }, () => createDb(t.url, { max: 1, applicationName }));
    const outcomes = { ok: 0, unavailable: 0, other: [] as unknown[] };
    let stop = false;
    const load = clients.map(async ({ db }, i) => {
      while (!stop) {
        try {
          if (i % 2) {
            await db.transaction(async (tx) => {
              await tx.execute(raw`select pg_sleep(0.003)`);
              await tx
                .insert(organizations)
                .values({ workosOrgId: `org_drop_${i}`, name: 'Drop', slug: `drop-${i}` })
                .onConflictDoNothing();
            });
          } else {
            await db.execute(raw`select ${i}::int as n, pg_sleep(0.002)`);
          }
          outcomes.ok++;
        } catch (error) {
          if (isDatabaseUnavailable(error)) outcomes.unavailable++;
          else outcomes.other.push(error);
        }
      }
    });
    try {
      for (let round = 0; round < 60; round++) {
        await new Promise((r) => setTimeout(r, 15 + Math.random() * 40));
        await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${applicationName}`;
      }
      stop = true;
      // Every caller settles: no query waits forever on a connection that can no longer write.
      const settled = await Promise.race([
        Promise.all(load).then(() => true),
        new Promise((r) => setTimeout(() => r(false), 5000)),
      ]);
      expect(settled).toBe(true);
      // And every client works again after the kills.
      for (const { db } of clients) {
        expect(await db.execute(raw`select 1 as one`)).toEqual([{ one: 1 }]);
      }
    } finally {
      stop = true;
      await Promise.all(clients.map((c) => c.close()));
      process.off('uncaughtException', onEscaped);
      process.off('unhandledRejection', onEscaped);
    }
    expect(escaped.map(String)).toEqual([]);
    expect(outcomes.other.map(String)).toEqual([]);
    expect(outcomes.unavailable).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
  }, 20_000);
});
