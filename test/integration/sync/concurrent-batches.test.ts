import { organizationMemberships, organizations, users } from '@app/db';
import { makeSyncWorker } from '@app/sync';
import { type Emulator, startEmulator } from '@app/workos-emulator';
import type { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { sqsEvent } from '../../support/events';
import { at, body, membershipEvent, orgEvent, userEvent } from '../../support/sync-events';
import { emulatorWorkOSApi } from '../../support/workos';

/**
 * Concurrent worker batches over the same users, organizations and memberships, each batch in its
 * own order: the worker locks what a batch touches in one stable order, so no batch deadlocks
 * (SQLSTATE 40P01, which would roll it back to the per-record path) and the newest state wins.
 */
const WORKERS = 8;
const ROUNDS = 12;
const BATCH = 10;
const USERS = Array.from({ length: 5 }, (_, i) => `user_DEADLOCK${i}`);
const ORGS = Array.from({ length: 3 }, (_, i) => `org_DEADLOCK${i}`);

let t: TestDatabase;
let emulator: Emulator;

beforeAll(async () => {
  [t, emulator] = await Promise.all([createTestDatabase({ max: WORKERS + 2 }), startEmulator({})]);
});
afterAll(() => Promise.all([t.drop(), emulator.stop()]));

/** A seeded shuffle, so a failure reproduces. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('concurrent batches over overlapping objects', () => {
  it('never deadlock and leave the newest state of every object', async () => {
    const warnings: Record<string, unknown>[] = [];
    const logger = {
      warn: (_: string, extra: Record<string, unknown>) => warnings.push(extra),
      debug: () => {},
    } as unknown as Logger;
    const workers = Array.from({ length: WORKERS }, () =>
      makeSyncWorker({ db: t.db, workos: emulatorWorkOSApi(emulator), logger }),
    );

    let n = 0;
    const newest = new Map<string, string>();
    const user = (id: string) => {
      n++;
      newest.set(id, `v${n}`);
      return userEvent('updated', {
        id,
        email: `${id.toLowerCase()}@deadlock.test`,
        first_name: `v${n}`,
        updated_at: at(n),
      });
    };
    const org = (id: string) => {
      n++;
      newest.set(id, `Org ${n}`);
      return orgEvent('updated', { id, name: `Org ${n}`, updated_at: at(n) });
    };
    const membership = (u: string, o: string) => {
      n++;
      const id = `om_${u}_${o}`;
      const slug = n % 2 ? 'admin' : 'member';
      newest.set(id, slug);
      return membershipEvent('updated', {
        id,
        user_id: u,
        organization_id: o,
        status: 'active',
        role: { slug },
        roles: [{ slug }],
        updated_at: at(n),
      });
    };

    // Every object exists first, so the concurrent rounds only update.
    await workers[0]?.processBatch(sqsEvent([...USERS.map(user), ...ORGS.map(org)].map(body)));
    await workers[0]?.processBatch(
      sqsEvent(USERS.flatMap((u) => ORGS.map((o) => membership(u, o))).map(body)),
    );

    const next = random(14);
    const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)] as T;
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const batches = workers.map(() =>
        Array.from({ length: BATCH }, () => {
          const roll = next();
          if (roll < 0.4) return user(pick(USERS));
          if (roll < 0.6) return org(pick(ORGS));
          return membership(pick(USERS), pick(ORGS));
        }).map(body),
      );
      const reports = await Promise.all(workers.map((w, i) => w.processBatch(sqsEvent(batches[i] ?? []))));
      for (const report of reports) expect(report.response.batchItemFailures).toEqual([]);
    }
    expect(Date.now() - started).toBeLessThan(20_000);

    const deadlocks = warnings.filter((w) => (w.error as { code?: string } | undefined)?.code === '40P01');
    expect(deadlocks).toHaveLength(0);
    expect(warnings).toEqual([]);

    for (const row of await t.db.select().from(users)) {
      if (newest.has(row.workosId)) expect(row.firstName).toBe(newest.get(row.workosId));
    }
    for (const row of await t.db.select().from(organizations)) {
      if (newest.has(row.workosOrgId)) expect(row.name).toBe(newest.get(row.workosOrgId));
    }
    const memberships = await t.db.select().from(organizationMemberships);
    expect(memberships).toHaveLength(USERS.length * ORGS.length);
    for (const row of memberships) expect(row.roleSlug).toBe(newest.get(row.workosMembershipId ?? ''));
  });
});
