import { spawn } from 'node:child_process';
import type { WorkOSCallOptions } from '@app/config/workos-api';
import { organizationMemberships, organizations, processedEvents, users } from '@app/db';
import {
  BACKFILL_KEYS,
  type BackfillDeps,
  type BackfillError,
  makeBackfill,
  parseBackfillRequest,
} from '@app/sync/backfill';
import type { Emulator } from '@app/workos-emulator';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import {
  allRows,
  databaseState,
  emulatorState,
  type SyncStack,
  startSyncStack,
} from '../../support/reconcile';

const USERS = 500;
const ORGS = 50;

/** 500 users, 50 organizations, 1,000 memberships (each user in two organizations). */
function seedLarge(emulator: Emulator) {
  const { store } = emulator;
  const orgs = Array.from({ length: ORGS }, (_, i) => store.createOrganization({ name: `Company ${i}` }));
  for (let i = 0; i < USERS; i++) {
    const user = store.createUser({
      email: `user${i}@example.com`,
      firstName: `First${i}`,
      lastName: `Last${i}`,
    });
    for (const org of [orgs[i % ORGS], orgs[(i + 25) % ORGS]]) {
      if (org)
        store.createMembership({
          userId: user.id,
          organizationId: org.id,
          roleSlug: i % 7 ? 'member' : 'admin',
        });
    }
  }
  emulator.clock.advance(5);
}

let s: SyncStack;
beforeAll(async () => {
  s = await startSyncStack({ webhooks: true, seed: seedLarge });
}, 120_000);
afterAll(() => s?.stop());

function backfill(overrides: Partial<BackfillDeps> = {}) {
  const sleeps: number[] = [];
  const b = makeBackfill({
    db: s.t.db,
    workos: s.workos,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  return Object.assign(b, { sleeps });
}

const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

describe('backfill: import', { timeout: 90_000 }, () => {
  it('imports 500 users, 50 organizations and 1,000 memberships', async () => {
    const result = await backfill().run({ mode: 'import' });
    expect(result.complete).toBe(true);
    expect(result.imported.organizations.applied).toBe(ORGS);
    expect(result.imported.users.applied).toBe(USERS);
    expect(result.imported.memberships.applied).toBe(USERS * 2);
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
    // A completed run leaves no cursor behind: the next one starts from the beginning.
    expect(await backfill().status()).toEqual([]);
  });

  it('is safe to re-run: every object is already current and no row changes', async () => {
    const before = await allRows(s.t);
    const again = await backfill().run({ mode: 'import' });
    expect(again.complete).toBe(true);
    for (const phase of ['organizations', 'users', 'memberships'] as const) {
      expect(again.imported[phase].applied).toBe(0);
    }
    expect(again.imported.memberships.stale).toBe(USERS * 2);
    expect(await allRows(s.t)).toEqual(before);
  });

  it('resumes after the time budget ran out without applying a page twice', async () => {
    const fresh: TestDatabase = await createTestDatabase();
    try {
      const b = makeBackfill({ db: fresh.db, workos: s.workos, pageSize: 50 });
      let budget = 8; // pages this "invocation" gets before its time is up
      const first = await b.run({ remainingMs: () => (budget-- > 0 ? 60_000 : 1_000), reserveMs: 30_000 });
      expect(first.complete).toBe(false);
      const saved = await b.status();
      expect(saved.map((r) => r.key)).toContain(BACKFILL_KEYS.users);

      const second = await b.run({});
      expect(second.complete).toBe(true);
      const applied = (r: typeof first) =>
        total(r.imported.organizations) + total(r.imported.users) + total(r.imported.memberships);
      expect(applied(first) + applied(second)).toBe(ORGS + USERS + USERS * 2);
      expect(await databaseState(fresh)).toEqual(emulatorState(s.emulator));
      expect(await b.status()).toEqual([]);
    } finally {
      await fresh.drop();
    }
  });
});

describe('backfill: alongside webhooks', { timeout: 90_000 }, () => {
  it('ends at the WorkOS state while webhooks apply changes during the import', async () => {
    // Start from an empty database, as a new install would.
    await s.t.db.delete(organizationMemberships);
    await s.t.db.delete(users);
    await s.t.db.delete(organizations);
    await s.t.db.delete(processedEvents);
    s.emulator.webhooks.resume();
    const { store } = s.emulator;
    const allUsers = store.listUsers();
    const allOrgs = store.listOrganizations();
    const memberships = store.listMemberships();

    const running = backfill({ pageSize: 25 }).run({ mode: 'import', restart: true });
    for (let i = 0; i < 60; i++) {
      const user = allUsers[(i * 7) % allUsers.length];
      const org = allOrgs[i % allOrgs.length];
      const membership = memberships[(i * 13) % memberships.length];
      if (user) s.change(() => store.updateUser(user.id, { firstName: `Webhook${i}` }));
      if (org) s.change(() => store.updateOrganization(org.id, { name: `Company ${i % ORGS} v${i}` }));
      if (membership && i % 3 === 0)
        s.change(() => store.updateMembership(membership.id, { roleSlug: 'admin' }));
      if (i % 10 === 0) {
        const created = s.change(() =>
          store.createUser({ email: `late${i}@example.com`, firstName: 'Late' }),
        );
        if (org) s.change(() => store.createMembership({ userId: created.id, organizationId: org.id }));
      }
      if (i === 30 && user) s.change(() => store.deleteUser(user.id));
      await new Promise((r) => setTimeout(r, 15));
    }
    const result = await running;
    expect(result.complete).toBe(true);
    await s.drain();
    expect(s.workerErrors).toEqual([]);
    // Webhooks really flowed meanwhile: the worker applied their events.
    expect(s.reports.filter((r) => r.ok && r.result.outcome === 'applied').length).toBeGreaterThan(60);
    // The order guard kept whichever state was newer, whoever wrote last.
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });
});

describe('backfill: full reconciliation', { timeout: 90_000 }, () => {
  beforeEach(async () => {
    await s.drain();
    s.emulator.webhooks.pause();
  });

  it('tombstones a user deleted in WorkOS whose delete event never arrived, and touches nothing else', async () => {
    const victim = s.emulator.store
      .listUsers()
      .find((u) => s.emulator.store.listMemberships().some((m) => m.user_id === u.id));
    if (!victim) throw new Error('no user with memberships');
    const victimMemberships = s.emulator.store.listMemberships().filter((m) => m.user_id === victim.id);
    s.change(() => s.emulator.store.deleteUser(victim.id));
    const before = await allRows(s.t);
    const localVictim = Object.values(before.users).find((u) => u.workosId === victim.id);
    expect(localVictim?.deletedAt).toBeNull();

    const result = await backfill().run({ mode: 'full' });
    expect(result.complete).toBe(true);
    expect(result.tombstoned).toEqual({ users: 1, organizations: 0, memberships: victimMemberships.length });

    const after = await allRows(s.t);
    const gone = after.users[localVictim?.id ?? ''];
    expect(gone).toMatchObject({ isActive: false, email: `${victim.id}@email-released.invalid` });
    expect(gone?.deletedAt).toBeInstanceOf(Date);
    const tombstonedMemberships = new Set<string>();
    for (const m of victimMemberships) {
      const row = Object.values(after.memberships).find((r) => r.workosMembershipId === m.id);
      expect(row?.deletedAt).toBeInstanceOf(Date);
      tombstonedMemberships.add(row?.id ?? '');
    }
    // Every other row holds exactly the data it held. (The listing re-reads every object: a row
    // whose state came in an event of the same millisecond takes the API's equal state, which only
    // re-stamps updated_at and the event id.)
    const others = <T extends { updatedAt: Date; workosEventId: string | null }>(
      rows: Record<string, T>,
      skip: Set<string>,
    ) =>
      Object.fromEntries(
        Object.entries(rows)
          .filter(([id]) => !skip.has(id))
          .map(([id, { updatedAt: _, workosEventId: __, ...data }]) => [id, data]),
      );
    const victimIds = new Set([localVictim?.id ?? '']);
    expect(others(after.users, victimIds)).toEqual(others(before.users, victimIds));
    expect(others(after.organizations, new Set())).toEqual(others(before.organizations, new Set()));
    expect(others(after.memberships, tombstonedMemberships)).toEqual(
      others(before.memberships, tombstonedMemberships),
    );
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));

    // The delete event arriving late changes nothing more.
    s.emulator.webhooks.resume();
    await s.drain();
    expect((await s.t.db.select().from(users).where(eq(users.workosId, victim.id)))[0]?.deletedAt).toEqual(
      gone?.deletedAt,
    );
  });
});

describe('backfill: full reconciliation under a tight time budget', { timeout: 120_000 }, () => {
  beforeEach(async () => {
    await s.drain();
    s.emulator.webhooks.pause();
  });
  afterEach(() => s.emulator.webhooks.resume());

  it('completes across invocations that each have time for a few pages, then tombstones what WorkOS lost', async () => {
    const victim = s.emulator.store
      .listUsers()
      .find((u) => s.emulator.store.listMemberships().some((m) => m.user_id === u.id));
    if (!victim) throw new Error('no user with memberships');
    const lost = s.emulator.store.listMemberships().filter((m) => m.user_id === victim.id).length;
    s.change(() => s.emulator.store.deleteUser(victim.id));

    const b = backfill();
    const invocations: { complete: boolean; tombstoned: unknown }[] = [];
    for (let i = 0; i < 40; i++) {
      let budget = 8; // pages this invocation has time for
      const result = await b.run({
        mode: 'full',
        remainingMs: () => (budget-- > 0 ? 60_000 : 1_000),
        reserveMs: 30_000,
      });
      invocations.push(result);
      if (result.complete) break;
    }
    const last = invocations.at(-1);
    expect(invocations.length).toBeGreaterThan(2);
    expect(last?.complete).toBe(true);
    expect(last?.tombstoned).toEqual({ users: 1, organizations: 0, memberships: lost });
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
    expect(await b.status()).toEqual([]);
  });
});

describe('backfill: WorkOS errors', { timeout: 90_000 }, () => {
  beforeEach(() => s.emulator.faults.clear());

  it('retries 429 and 5xx with backoff and completes', async () => {
    s.emulator.faults.failNext('GET /user_management/users', 2, { status: 429, retryAfterSeconds: 0 });
    s.emulator.faults.failNext('GET /user_management/organization_memberships', 2, 502);
    const b = backfill({ retry: { attempts: 4, baseDelayMs: 100 } });
    const result = await b.run({ mode: 'import' });
    expect(result.complete).toBe(true);
    expect(result.retries).toBe(4);
    expect(b.sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(await databaseState(s.t)).toEqual(emulatorState(s.emulator));
  });

  it('keeps the cursor on the last applied page when retries run out, then resumes', async () => {
    let userPages = 0;
    const workos = Object.assign(Object.create(s.workos) as typeof s.workos, {
      get: (path: string, options?: WorkOSCallOptions) => {
        if (path === '/user_management/users' && ++userPages === 2) {
          s.emulator.faults.failNext('GET /user_management/users', 100, 500);
        }
        return s.workos.get(path, options);
      },
    });
    const b = backfill({ workos, retry: { attempts: 3, baseDelayMs: 10 } });
    const error = (await b.run({ mode: 'import', restart: true }).catch((e: unknown) => e)) as BackfillError;
    expect(error.code).toBe('WORKOS_API_FAILED');
    const status = Object.fromEntries((await b.status()).map((r) => [r.key, r.cursor]));
    expect(status[BACKFILL_KEYS.organizations]).toBe('~done');
    // One page of 100 users applied and recorded; not one user further.
    expect(status[BACKFILL_KEYS.users]).toBe(s.emulator.store.listUsers()[99]?.id);
    expect(status[BACKFILL_KEYS.memberships]).toBeUndefined();

    s.emulator.faults.clear();
    const resumed = await backfill().run({ mode: 'import' });
    expect(resumed.complete).toBe(true);
    expect(total(resumed.imported.organizations)).toBe(0);
    expect(total(resumed.imported.users)).toBe(s.emulator.store.listUsers().length - 100);
  });
});

describe('backfill: invocation', { timeout: 90_000 }, () => {
  it('rejects an unknown mode or field before touching anything', () => {
    expect(() => parseBackfillRequest({ mode: 'everything' })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
    expect(() => parseBackfillRequest({ mode: 'full', dryRun: true })).toThrow(/^INVALID_REQUEST: .*dryRun/);
    expect(parseBackfillRequest(undefined)).toEqual({ mode: 'import', restart: false });
  });

  it('runs as `npm run sync:backfill -- --full` against DATABASE_URL and WORKOS_*', async () => {
    const fresh = await createTestDatabase();
    try {
      const output = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn('npm', ['run', '--silent', 'sync:backfill', '--', '--full'], {
          env: {
            ...process.env,
            DATABASE_URL: fresh.url,
            WORKOS_API_KEY: s.emulator.apiKey,
            WORKOS_API_HOSTNAME: s.emulator.hostname,
            WORKOS_API_PORT: String(s.emulator.port),
            WORKOS_API_HTTPS: 'false',
            LOG_LEVEL: 'SILENT',
          },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(output.stderr).toBe('');
      expect(output.code).toBe(0);
      expect(JSON.parse(output.stdout)).toMatchObject({ mode: 'full', complete: true });
      expect(await databaseState(fresh)).toEqual(emulatorState(s.emulator));
    } finally {
      await fresh.drop();
    }
  });
});
