import { sleep as realSleep, withRetry } from '@app/config/retry';
import { type Database, type Executor, syncState } from '@app/db';
import { emitMetric } from '@app/telemetry';
import { eq, inArray, sql } from 'drizzle-orm';
import * as z from 'zod';
import { emptyCounts, importPage, type Phase, type PhaseCounts } from './backfill-import';
import { BackfillError, type Item, type ListOptions, listPageOf } from './backfill-list';
import { type SweepCounts, sweepUnseen } from './backfill-sweep';
import type { WorkOSGet } from './parents';
import type { PagingRunDeps } from './workos-reads';

export type { PhaseCounts } from './backfill-import';
export { BackfillError, type BackfillErrorCode } from './backfill-list';

export type BackfillMode = 'import' | 'full';

/** sync_state keys of the resumable run (removed once a run completes, so the next starts over). */
export const BACKFILL_KEYS = {
  run: 'backfill:run',
  organizations: 'backfill:organizations',
  users: 'backfill:users',
  memberships: 'backfill:memberships',
} as const;
const PHASES: Phase[] = ['organizations', 'users', 'memberships'];
/** Cursor value of a finished phase. */
const DONE = '~done';
/** Every membership status: an inactive or pending membership is still a WorkOS object. */
const ALL_STATUSES = 'active,inactive,pending';

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

export type BackfillDeps = PagingRunDeps & {
  db: Database;
  /** The WorkOS REST client: the lists, and the parents a membership misses. */
  workos: WorkOSGet;
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

export type BackfillResult = {
  mode: BackfillMode;
  /** False when the time budget ran out: invoke again to resume where this run stopped. */
  complete: boolean;
  imported: Record<Phase, PhaseCounts>;
  /** Full mode: local rows tombstoned because WorkOS no longer has them (null until the sweep ran). */
  tombstoned: SweepCounts | null;
  retries: number;
};

/** The memberships phase walks organizations, then each organization's memberships. */
const membershipCursor = z.object({
  /** Last organization whose memberships are all imported. */
  orgAfter: z.string().nullable(),
  /** The organization in progress and the last membership imported in it. */
  org: z.string().nullable(),
  after: z.string().nullable(),
});
type MembershipCursor = z.infer<typeof membershipCursor>;

/** The run in progress: its id (the rows it saw carry it), its mode, and when it began (database time). */
const runState = z.object({ id: z.string(), mode: z.enum(['import', 'full']), startedAt: z.string() });
type RunState = z.infer<typeof runState>;

class OutOfTime extends Error {}

/** PostgreSQL deadlock_detected / serialization_failure, possibly wrapped by drizzle. */
function isConflict(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === '40P01' || e.code === '40001') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Imports every WorkOS organization, user and membership (oldest first, a page at a time) through the
 * worker's planner, so the order guard keeps whatever newer state webhooks wrote meanwhile. Each page
 * and its phase cursor commit in one transaction: a run stopped anywhere resumes after the last
 * committed page, and re-running changes nothing that is already current.
 *
 * `full` mode is mark-and-sweep across invocations: every row a page lists is marked with the run's
 * id in the page's transaction; when all three lists are done, the rows that existed before the run
 * began and were not marked are tombstoned (backfill-sweep.ts). A full run resumes like an import.
 */
export function makeBackfill(deps: BackfillDeps) {
  const clock = deps.clock ?? (() => new Date());
  const pageSize = deps.pageSize ?? 100;
  const wait = deps.sleep ?? realSleep;
  const parentDeps = { workos: deps.workos, clock };

  async function run(options: BackfillRunOptions = {}): Promise<BackfillResult> {
    const requested = options.mode ?? 'import';
    const reserveMs = options.reserveMs ?? 30_000;
    const result: BackfillResult = {
      mode: requested,
      complete: false,
      imported: { organizations: emptyCounts(), users: emptyCounts(), memberships: emptyCounts() },
      tombstoned: null,
      retries: 0,
    };
    const checkTime = () => {
      if (options.remainingMs && options.remainingMs() < reserveMs) throw new OutOfTime();
    };
    const listOptions: ListOptions = {
      pageSize,
      ...(deps.retry ? { retry: deps.retry } : {}),
      sleep: wait,
      ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}),
      onRetry: ({ path, attempt, delayMs, status }) => {
        result.retries++;
        deps.logger?.warn('WorkOS list call failed; retrying', { path, attempt, delayMs, status });
      },
    };
    const list = (path: string, query: Record<string, string>) =>
      listPageOf(deps.workos, path, query, listOptions);

    /**
     * Applies one page in one transaction with the phase's new cursor. The worker writes the same rows
     * meanwhile, so a deadlock or serialization failure can roll the page back: it is applied again.
     */
    async function applyPage(state: RunState, phase: Phase, items: Item[], cursor: string) {
      const counts = await withRetry(
        () =>
          deps.db.transaction(async (tx) => {
            const page = await importPage(tx, phase, items, {
              deps: parentDeps,
              sweepRun: state.mode === 'full' ? state.id : null,
              onInvalid: (id) => deps.logger?.warn('WorkOS object skipped: unexpected shape', { phase, id }),
            });
            await setState(tx, BACKFILL_KEYS[phase], cursor);
            return page;
          }),
        {
          policy: { attempts: 5, baseDelayMs: 50, maxDelayMs: 1000 },
          retryable: isConflict,
          sleep: wait,
          onRetry: ({ attempt }) => {
            result.retries++;
            deps.logger?.warn('backfill page rolled back by a concurrent write; applying it again', {
              phase,
              attempt,
            });
          },
        },
      );
      const total = result.imported[phase];
      for (const key of Object.keys(counts) as (keyof PhaseCounts)[]) total[key] += counts[key];
    }

    /** Organizations or users: page through the list after the phase cursor. */
    async function importList(state: RunState, phase: 'organizations' | 'users', path: string) {
      let cursor = await getState(BACKFILL_KEYS[phase]);
      while (cursor !== DONE) {
        checkTime();
        const page = await list(path, cursor ? { after: cursor } : {});
        const last = page.data.at(-1);
        const next = page.after && last ? last.id : DONE;
        await applyPage(state, phase, page.data, next);
        cursor = next;
      }
    }

    async function importMemberships(state: RunState) {
      const raw = await getState(BACKFILL_KEYS.memberships);
      if (raw === DONE) return;
      let at: MembershipCursor = raw
        ? membershipCursor.parse(JSON.parse(raw))
        : { orgAfter: null, org: null, after: null };
      for (;;) {
        checkTime();
        const orgs = await list('/organizations', at.orgAfter ? { after: at.orgAfter } : {});
        for (const org of orgs.data) {
          // A saved membership cursor belongs to one organization; elsewhere start at its beginning.
          let after = at.org === org.id ? at.after : null;
          for (;;) {
            checkTime();
            const page = await list('/user_management/organization_memberships', {
              organization_id: org.id,
              statuses: ALL_STATUSES,
              ...(after ? { after } : {}),
            });
            const last = page.data.at(-1);
            const more = Boolean(page.after && last);
            at = more
              ? { orgAfter: at.orgAfter, org: org.id, after: last?.id ?? null }
              : { orgAfter: org.id, org: null, after: null };
            await applyPage(state, 'memberships', page.data, JSON.stringify(at));
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

    try {
      if (options.restart) await clearState();
      const state = await startOrResume(requested);
      result.mode = state.mode;
      for (const phase of PHASES) {
        if (phase === 'memberships') await importMemberships(state);
        else await importList(state, phase, phase === 'users' ? '/user_management/users' : '/organizations');
      }
      if (state.mode === 'full')
        result.tombstoned = await sweepUnseen(deps.db, state.id, new Date(state.startedAt));
      await clearState();
      result.complete = true;
    } catch (error) {
      if (!(error instanceof OutOfTime)) {
        deps.logger?.error('backfill stopped', {
          code: error instanceof BackfillError ? error.code : 'INTERNAL_ERROR',
          mode: result.mode,
          imported: result.imported,
          error,
        });
        throw error;
      }
      deps.logger?.info('backfill paused: time budget reached; invoke again to resume', {
        mode: result.mode,
      });
    }
    deps.logger?.info('backfill finished', { ...result });
    emit(result);
    return result;
  }

  /**
   * The unfinished run to resume, or a new one. A full run asked while an import is unfinished starts
   * over (the pages already imported were not marked, so the sweep could not trust them); an import
   * asked while a full run is unfinished resumes that full run (it does everything an import does).
   */
  async function startOrResume(mode: BackfillMode): Promise<RunState> {
    const raw = await getState(BACKFILL_KEYS.run);
    const parsed = raw ? runState.safeParse(JSON.parse(raw)) : undefined;
    const stored = parsed?.success ? parsed.data : undefined;
    if (stored && (stored.mode === 'full' || mode === 'import')) return stored;
    const unfinished = (await status()).length > 0;
    if (unfinished && (stored || mode === 'full')) {
      deps.logger?.info('backfill: an unfinished import cannot become a full run; starting over', {});
      await clearState();
    }
    // Database time: the clock created_at is written with.
    const [now] = await deps.db.execute<{ at: string }>(sql`SELECT to_json(clock_timestamp())#>>'{}' AS at`);
    const state: RunState = { id: crypto.randomUUID(), mode, startedAt: String(now?.at) };
    await setState(deps.db, BACKFILL_KEYS.run, JSON.stringify(state));
    return state;
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
      emitMetric(deps.metrics, 'BackfillApplied', result.imported[phase].applied, { phase });
    }
    if (result.tombstoned) {
      const t = result.tombstoned;
      emitMetric(deps.metrics, 'BackfillTombstoned', t.users + t.organizations + t.memberships);
    }
  }

  /** Where an unfinished run stands (key -> cursor), for the runbook and the CLI. */
  async function status() {
    return deps.db
      .select({ key: syncState.key, cursor: syncState.cursor, updatedAt: syncState.updatedAt })
      .from(syncState)
      .where(inArray(syncState.key, Object.values(BACKFILL_KEYS)));
  }

  return { run, status };
}

export type Backfill = ReturnType<typeof makeBackfill>;
