import {
  type Database,
  type Executor,
  organizationMemberships,
  organizations,
  syncState,
  tombstoneMembership,
  tombstoneOrganization,
  tombstoneUser,
  type UpsertOutcome,
  upsertMembership,
  upsertOrganization,
  upsertUser,
  users,
} from '@app/db';
import { emitMetric } from '@app/telemetry';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import * as z from 'zod';
import { membershipFields, orgFields, userFields } from './apply';
import { membershipData, organizationData, userData } from './events';
import { ensureParents, type ParentSource } from './parents';
import { type RetryPolicy, sleep as realSleep, type WorkOSGet, withRetry } from './reconcile-retry';

export type BackfillMode = 'import' | 'full';

/** sync_state keys of the resumable phases (removed once a run completes, so the next starts over). */
export const BACKFILL_KEYS = {
  organizations: 'backfill:organizations',
  users: 'backfill:users',
  memberships: 'backfill:memberships',
} as const;
type Phase = keyof typeof BACKFILL_KEYS;
const PHASES: Phase[] = ['organizations', 'users', 'memberships'];
/** Cursor value of a finished phase. */
const DONE = '~done';
/** Every membership status: an inactive or pending membership is still a WorkOS object. */
const ALL_STATUSES = 'active,inactive,pending';

export type BackfillErrorCode = 'INVALID_REQUEST' | 'WORKOS_API_FAILED' | 'INVALID_LIST_PAGE';

export class BackfillError extends Error {
  constructor(
    readonly code: BackfillErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    // The code leads the message: an operator invoking the function sees it in errorMessage.
    super(`${code}: ${message}`, { cause: options.cause });
    this.name = 'BackfillError';
  }
}

/** What an operator sends: the Lambda's event, or the CLI's flags. */
export const backfillRequest = z.strictObject({
  mode: z.enum(['import', 'full']).default('import'),
  restart: z.boolean().default(false),
});
export type BackfillRequest = z.infer<typeof backfillRequest>;

/** Validates an invocation; anything else fails with INVALID_REQUEST before touching data. */
export function parseBackfillRequest(input: unknown): BackfillRequest {
  const parsed = backfillRequest.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(event)'}: ${i.message}`);
  throw new BackfillError(
    'INVALID_REQUEST',
    `expected { mode: 'import' | 'full', restart?: boolean }; ${issues.join('; ')}`,
  );
}

export type BackfillDeps = {
  db: Database;
  /** The WorkOS SDK client: raw `get` for the lists, and the getters a membership's missing parent needs. */
  workos: WorkOSGet & ParentSource;
  clock?: () => Date;
  logger?: Logger;
  metrics?: Metrics;
  /** Objects per WorkOS list page (1-100). Default 100. */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
};

export type BackfillRunOptions = {
  /** `import` upserts everything; `full` also tombstones local rows WorkOS no longer has. */
  mode?: BackfillMode;
  /** Ignore the cursors of an unfinished run and start from the beginning. */
  restart?: boolean;
  /** Milliseconds left before the run must end (Lambda: context.getRemainingTimeInMillis). */
  remainingMs?: () => number;
  /** Stop starting new pages when less than this is left. Default 30 s. */
  reserveMs?: number;
};

export type PhaseCounts = Record<UpsertOutcome | 'invalid', number>;
export type BackfillResult = {
  mode: BackfillMode;
  /** False when the time budget ran out: invoke again to resume where this run stopped. */
  complete: boolean;
  imported: Record<Phase, PhaseCounts>;
  /** Full mode: local rows tombstoned because WorkOS no longer has them (null when not swept). */
  tombstoned: { users: number; organizations: number; memberships: number } | null;
  retries: number;
};

const listPage = z.object({
  data: z.array(z.looseObject({ id: z.string().min(1) })),
  list_metadata: z.looseObject({ after: z.string().nullish() }),
});
type Item = z.infer<typeof listPage>['data'][number];

/** The memberships phase walks organizations, then each organization's memberships. */
const membershipCursor = z.object({
  /** Last organization whose memberships are all imported. */
  orgAfter: z.string().nullable(),
  /** The organization in progress and the last membership imported in it. */
  org: z.string().nullable(),
  after: z.string().nullable(),
});
type MembershipCursor = z.infer<typeof membershipCursor>;

class OutOfTime extends Error {}

/** PostgreSQL deadlock_detected / serialization_failure, possibly wrapped by drizzle. */
function isConflict(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === '40P01' || e.code === '40001') return true;
    e = e.cause as typeof e;
  }
  return false;
}

const emptyCounts = (): PhaseCounts => ({ inserted: 0, updated: 0, stale: 0, tombstoned: 0, invalid: 0 });

/**
 * Imports every WorkOS organization, user and membership (oldest first, a page at a time) through the
 * same upserts the worker uses, so the order guard keeps whatever newer state webhooks wrote
 * meanwhile. Each page and its phase cursor commit in one transaction: a run stopped anywhere resumes
 * after the last committed page, and re-running changes nothing that is already current.
 *
 * `full` mode then lists what WorkOS has and tombstones local users, organizations and memberships
 * it no longer has, if they existed locally before that listing began (rows created meanwhile come
 * from events about objects that exist). Nothing else is touched.
 */
export function makeBackfill(deps: BackfillDeps) {
  const clock = deps.clock ?? (() => new Date());
  const pageSize = deps.pageSize ?? 100;
  const wait = deps.sleep ?? realSleep;
  const parentDeps = { workos: deps.workos, clock };

  async function run(options: BackfillRunOptions = {}): Promise<BackfillResult> {
    const mode = options.mode ?? 'import';
    const reserveMs = options.reserveMs ?? 30_000;
    const result: BackfillResult = {
      mode,
      complete: false,
      imported: { organizations: emptyCounts(), users: emptyCounts(), memberships: emptyCounts() },
      tombstoned: null,
      retries: 0,
    };
    const checkTime = () => {
      if (options.remainingMs && options.remainingMs() < reserveMs) throw new OutOfTime();
    };

    async function list(
      path: string,
      query: Record<string, unknown>,
    ): Promise<{ data: Item[]; after: string | null }> {
      let body: unknown;
      try {
        ({ data: body } = await withRetry(
          () => deps.workos.get(path, { query: { order: 'asc', limit: pageSize, ...query }, maxRetries: 0 }),
          {
            ...(deps.retry ? { policy: deps.retry } : {}),
            sleep: wait,
            ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}),
            onRetry: ({ attempt, delayMs, status }) => {
              result.retries++;
              deps.logger?.warn('WorkOS list call failed; retrying', { path, attempt, delayMs, status });
            },
          },
        ));
      } catch (cause) {
        throw new BackfillError('WORKOS_API_FAILED', `WorkOS ${path} could not be read`, { cause });
      }
      const page = listPage.safeParse(body);
      if (!page.success)
        throw new BackfillError('INVALID_LIST_PAGE', `WorkOS ${path} answered an unexpected shape`);
      return { data: page.data.data, after: page.data.list_metadata.after ?? null };
    }

    /**
     * Applies one page in one transaction with the phase's new cursor. The worker writes the same rows
     * meanwhile, so a deadlock or serialization failure can roll the page back: it is applied again.
     */
    async function applyPage(phase: Phase, items: Item[], cursor: string) {
      for (let attempt = 1; ; attempt++) {
        const counts = emptyCounts();
        try {
          await deps.db.transaction(async (tx) => {
            for (const item of items) counts[await importItem(tx, phase, item)]++;
            await setState(tx, BACKFILL_KEYS[phase], cursor);
          });
        } catch (error) {
          if (attempt >= 5 || !isConflict(error)) throw error;
          result.retries++;
          deps.logger?.warn('backfill page rolled back by a concurrent write; applying it again', {
            phase,
            attempt,
          });
          await wait(50 * attempt);
          continue;
        }
        const total = result.imported[phase];
        for (const key of Object.keys(counts) as (keyof PhaseCounts)[]) total[key] += counts[key];
        return;
      }
    }

    async function importItem(tx: Executor, phase: Phase, item: Item): Promise<UpsertOutcome | 'invalid'> {
      if (phase === 'organizations') {
        const parsed = organizationData.safeParse(item);
        if (!parsed.success) return invalid(phase, item);
        return (await upsertOrganization(tx, orgFields(parsed.data))).outcome;
      }
      if (phase === 'users') {
        const parsed = userData.safeParse(item);
        if (!parsed.success) return invalid(phase, item);
        return (await upsertUser(tx, userFields(parsed.data))).outcome;
      }
      const parsed = membershipData.safeParse(item);
      if (!parsed.success) return invalid(phase, item);
      const d = parsed.data;
      // Users and organizations were imported first; one created since is fetched like the worker does.
      const parents = await ensureParents(tx, d.user_id, d.organization_id, parentDeps);
      return (await upsertMembership(tx, membershipFields(d, parents))).outcome;
    }

    function invalid(phase: Phase, item: Item): 'invalid' {
      deps.logger?.warn('WorkOS object skipped: unexpected shape', { phase, id: item.id });
      return 'invalid';
    }

    /** Organizations or users: page through the list after the phase cursor. */
    async function importList(phase: 'organizations' | 'users', path: string) {
      let cursor = await getState(BACKFILL_KEYS[phase]);
      while (cursor !== DONE) {
        checkTime();
        const page = await list(path, cursor ? { after: cursor } : {});
        const last = page.data.at(-1);
        const next = page.after && last ? last.id : DONE;
        await applyPage(phase, page.data, next);
        cursor = next;
      }
    }

    async function importMemberships() {
      const raw = await getState(BACKFILL_KEYS.memberships);
      if (raw === DONE) return;
      let state: MembershipCursor = raw
        ? membershipCursor.parse(JSON.parse(raw))
        : { orgAfter: null, org: null, after: null };
      for (;;) {
        checkTime();
        const orgs = await list('/organizations', state.orgAfter ? { after: state.orgAfter } : {});
        for (const org of orgs.data) {
          // A saved membership cursor belongs to one organization; elsewhere start at its beginning.
          let after = state.org === org.id ? state.after : null;
          for (;;) {
            checkTime();
            const page = await list('/user_management/organization_memberships', {
              organization_id: org.id,
              statuses: ALL_STATUSES,
              ...(after ? { after } : {}),
            });
            const last = page.data.at(-1);
            const more = Boolean(page.after && last);
            state = more
              ? { orgAfter: state.orgAfter, org: org.id, after: last?.id ?? null }
              : { orgAfter: org.id, org: null, after: null };
            await applyPage('memberships', page.data, JSON.stringify(state));
            if (!more) break;
            after = last?.id ?? null;
          }
        }
        if (!orgs.after || orgs.data.length === 0) {
          await setState(deps.db, BACKFILL_KEYS.memberships, DONE);
          return;
        }
      }
    }

    /** Every id WorkOS has now (users, organizations, memberships as om ids and user|org pairs). */
    async function listWorkOS() {
      const all = async (path: string, query: Record<string, unknown> = {}) => {
        const items: Item[] = [];
        let after: string | null = null;
        do {
          checkTime();
          const page = await list(path, { ...query, ...(after ? { after } : {}) });
          items.push(...page.data);
          after = page.data.length ? page.after : null;
        } while (after);
        return items;
      };
      const orgs = await all('/organizations');
      const userList = await all('/user_management/users');
      const membershipIds = new Set<string>();
      const pairs = new Set<string>();
      for (const org of orgs) {
        for (const m of await all('/user_management/organization_memberships', {
          organization_id: org.id,
          statuses: ALL_STATUSES,
        })) {
          membershipIds.add(m.id);
          pairs.add(`${String(m.user_id)}|${String(m.organization_id)}`);
        }
      }
      return {
        organizations: new Set(orgs.map((o) => o.id)),
        users: new Set(userList.map((u) => u.id)),
        membershipIds,
        pairs,
      };
    }

    /** Full mode: tombstones local rows (older than the listing) whose WorkOS object is gone. */
    async function sweep() {
      // Database time, the clock created_at was written with.
      const [start] = await deps.db.execute<{ ms: number }>(
        sql`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`,
      );
      const startedAtDate = new Date(Number(start?.ms));
      const workos = await listWorkOS();
      const now = clock();
      const counts = { users: 0, organizations: 0, memberships: 0 };
      await deps.db.transaction(async (tx) => {
        const m = organizationMemberships;
        const localMemberships = await tx
          .select({
            row: m,
            workosUserId: users.workosId,
            workosOrgId: organizations.workosOrgId,
          })
          .from(m)
          .innerJoin(users, eq(users.id, m.userId))
          .innerJoin(organizations, eq(organizations.id, m.organizationId))
          .where(and(isNull(m.deletedAt), lt(m.createdAt, startedAtDate)));
        for (const { row, workosUserId, workosOrgId } of localMemberships) {
          const known =
            (row.workosMembershipId !== null && workos.membershipIds.has(row.workosMembershipId)) ||
            workos.pairs.has(`${workosUserId}|${workosOrgId}`);
          if (known) continue;
          if (row.workosMembershipId) {
            await tombstoneMembership(tx, {
              workosMembershipId: row.workosMembershipId,
              userId: row.userId,
              organizationId: row.organizationId,
              status: row.status,
              roleSlug: row.roleSlug,
              roleSlugs: row.roleSlugs,
              updatedAt: now,
            });
          } else {
            await tx.update(m).set({ deletedAt: now, updatedAt: sql`now()` }).where(eq(m.id, row.id));
          }
          counts.memberships++;
        }

        const localUsers = await tx
          .select()
          .from(users)
          .where(and(isNull(users.deletedAt), lt(users.createdAt, startedAtDate)));
        for (const row of localUsers) {
          if (workos.users.has(row.workosId)) continue;
          await tombstoneUser(tx, {
            workosId: row.workosId,
            email: row.email,
            firstName: row.firstName,
            lastName: row.lastName,
            emailVerified: row.emailVerified,
            profilePictureUrl: row.profilePictureUrl,
            updatedAt: now,
          });
          counts.users++;
        }

        const localOrgs = await tx
          .select()
          .from(organizations)
          .where(and(isNull(organizations.deletedAt), lt(organizations.createdAt, startedAtDate)));
        for (const row of localOrgs) {
          if (workos.organizations.has(row.workosOrgId)) continue;
          await tombstoneOrganization(tx, { workosOrgId: row.workosOrgId, name: row.name, updatedAt: now });
          counts.organizations++;
        }
      });
      result.tombstoned = counts;
    }

    try {
      if (options.restart) await clearState();
      for (const phase of PHASES) {
        if (phase === 'memberships') await importMemberships();
        else await importList(phase, phase === 'users' ? '/user_management/users' : '/organizations');
      }
      if (mode === 'full') await sweep();
      await clearState();
      result.complete = true;
    } catch (error) {
      if (!(error instanceof OutOfTime)) {
        deps.logger?.error('backfill stopped', {
          code: error instanceof BackfillError ? error.code : 'INTERNAL_ERROR',
          mode,
          imported: result.imported,
          error,
        });
        throw error;
      }
      deps.logger?.info('backfill paused: time budget reached; invoke again to resume', { mode });
    }
    deps.logger?.info('backfill finished', { ...result });
    emit(result);
    return result;
  }

  async function getState(key: string): Promise<string | null> {
    const [row] = await deps.db
      .select({ cursor: syncState.cursor })
      .from(syncState)
      .where(eq(syncState.key, key));
    return row?.cursor ?? null;
  }

  async function setState(ex: Executor, key: string, cursor: string) {
    await ex
      .insert(syncState)
      .values({ key, cursor })
      .onConflictDoUpdate({ target: syncState.key, set: { cursor, updatedAt: sql`now()` } });
  }

  async function clearState() {
    await deps.db.delete(syncState).where(inArray(syncState.key, Object.values(BACKFILL_KEYS)));
  }

  function emit(result: BackfillResult) {
    for (const phase of PHASES) {
      const c = result.imported[phase];
      emitMetric(deps.metrics, 'BackfillApplied', c.inserted + c.updated, { phase });
    }
    if (result.tombstoned) {
      const t = result.tombstoned;
      emitMetric(deps.metrics, 'BackfillTombstoned', t.users + t.organizations + t.memberships);
    }
  }

  /** Where an unfinished run stands (phase -> cursor), for the runbook and the CLI. */
  async function status() {
    const rows = await deps.db
      .select({ key: syncState.key, cursor: syncState.cursor, updatedAt: syncState.updatedAt })
      .from(syncState)
      .where(inArray(syncState.key, Object.values(BACKFILL_KEYS)));
    return rows;
  }

  return { run, status };
}

export type Backfill = ReturnType<typeof makeBackfill>;
