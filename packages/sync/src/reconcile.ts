import { sleep as realSleep, withRetry } from '@app/config/retry';
import type { SendMessageBatchEntry, SendMessageBatchOutput, Sqs } from '@app/config/sqs';
import { type Database, syncState } from '@app/db';
import { emitMetric, type MetricName } from '@app/telemetry';
import { and, eq, isNull } from 'drizzle-orm';
import * as z from 'zod';
import type { WorkOSGet } from './parents';
import { SYNCED_EVENT_TYPES } from './registry';
import { type PagingRunDeps, RunError, readPage } from './workos-reads';

/** sync_state key of the Events API cursor: the id of the last event safely on the queue. */
export const EVENTS_CURSOR_KEY = 'events_api';

/** Every event type the sync worker applies; reconcile asks the Events API for exactly these. */
export const RECONCILED_EVENT_TYPES = SYNCED_EVENT_TYPES;

/** Machine-readable reasons a reconcile run stopped early. */
export type ReconcileErrorCode =
  | 'EVENTS_API_FAILED'
  | 'INVALID_EVENTS_PAGE'
  | 'ENQUEUE_FAILED'
  | 'CURSOR_CONFLICT';

export class ReconcileError extends RunError<ReconcileErrorCode> {
  override name = 'ReconcileError';
}

export type ReconcilerDeps = PagingRunDeps & {
  db: Database;
  /** The WorkOS REST client (its `get`). */
  workos: WorkOSGet;
  sqs: Sqs;
  queueUrl: string;
  /** First run (no cursor yet): how far back to read. Default 72 h. */
  lookbackHours?: number;
};

export type ReconcileRunOptions = {
  /** Milliseconds left before the run must end (Lambda: context.getRemainingTimeInMillis). */
  remainingMs?: () => number;
  /** Stop fetching new pages when less than this is left. Default 20 s. */
  reserveMs?: number;
};

export type ReconcileResult = {
  enqueued: number;
  pages: number;
  retries: number;
  cursorBefore: string | null;
  cursorAfter: string | null;
  /** `caught_up`: the Events API had nothing newer; `time_budget`: the next run continues. */
  stoppedBy: 'caught_up' | 'time_budget';
  /** Seconds between now and the newest event enqueued, 0 when caught up. */
  lagSeconds: number;
};

/** Only what reconcile needs is checked; every other field is forwarded untouched. */
const eventsPage = z.object({
  data: z.array(z.looseObject({ id: z.string().min(1), event: z.string().min(1), created_at: z.string() })),
  list_metadata: z.looseObject({ after: z.string().nullish() }),
});
type RawEvent = z.infer<typeof eventsPage>['data'][number];

const SQS_BATCH = 10;
const SEND_ATTEMPTS = 3;

/** Some entries of a SendMessageBatch failed on SQS's side and are worth sending again. */
class PartialSend extends Error {
  constructor(readonly pending: number) {
    super(`${pending} entries not accepted by SQS`);
    this.name = 'PartialSend';
  }
}

/**
 * The safety net behind webhooks: reads the WorkOS Events API after the stored cursor (oldest
 * first) and puts each event on the sync queue exactly as the webhook does (the raw JSON), ten per
 * SendMessageBatch. The cursor moves only past events SQS accepted, and only from the value this run
 * read (compare-and-set), so a crash re-sends at most one batch (the worker's inbox applies it once)
 * and two overlapping runs can never move it backwards.
 */
export function makeReconciler(deps: ReconcilerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const pageSize = deps.pageSize ?? 100;
  const lookbackMs = (deps.lookbackHours ?? 72) * 3600 * 1000;
  const wait = deps.sleep ?? realSleep;

  async function readCursor(): Promise<{ exists: boolean; cursor: string | null }> {
    const [row] = await deps.db
      .select({ cursor: syncState.cursor })
      .from(syncState)
      .where(eq(syncState.key, EVENTS_CURSOR_KEY));
    return { exists: Boolean(row), cursor: row?.cursor ?? null };
  }

  /** Compare-and-set: moves the cursor from `from` to `to`, or fails if another run moved it. */
  async function saveCursor(exists: boolean, from: string | null, to: string): Promise<void> {
    const saved = exists
      ? await deps.db
          .update(syncState)
          .set({ cursor: to })
          .where(
            and(
              eq(syncState.key, EVENTS_CURSOR_KEY),
              from === null ? isNull(syncState.cursor) : eq(syncState.cursor, from),
            ),
          )
          .returning({ key: syncState.key })
      : await deps.db
          .insert(syncState)
          .values({ key: EVENTS_CURSOR_KEY, cursor: to })
          .onConflictDoNothing()
          .returning({ key: syncState.key });
    if (saved.length === 0) {
      throw new ReconcileError(
        'CURSOR_CONFLICT',
        'another reconcile run moved the cursor; stopping this one',
      );
    }
  }

  async function fetchPage(after: string | null, rangeStart: string | undefined, run: RunState) {
    const page = await readPage(
      deps.workos,
      '/events',
      {
        events: RECONCILED_EVENT_TYPES.join(','),
        order: 'asc',
        limit: pageSize,
        ...(after ? { after } : {}),
        ...(rangeStart ? { range_start: rangeStart } : {}),
      },
      eventsPage,
      {
        ...(deps.retry ? { retry: deps.retry } : {}),
        sleep: wait,
        remainingMs: run.remainingMs,
        onRetry: ({ attempt, delayMs, status }) => {
          run.retries++;
          deps.logger?.warn('Events API call failed; retrying', { attempt, delayMs, status });
        },
        failed: (cause) =>
          new ReconcileError('EVENTS_API_FAILED', 'the WorkOS Events API could not be read', { cause }),
        invalid: () =>
          new ReconcileError('INVALID_EVENTS_PAGE', 'the Events API answered an unexpected shape'),
      },
    );
    return page.data;
  }

  /**
   * Sends up to ten events; entries SQS rejects for its own reasons are sent again. Returns how
   * many events from the start of the chunk are on the queue: the cursor may move past those only.
   */
  async function enqueue(chunk: RawEvent[], run: RunState): Promise<number> {
    const entries: SendMessageBatchEntry[] = chunk.map((event, i) => ({
      Id: String(i),
      MessageBody: JSON.stringify(event),
      MessageAttributes: {
        eventId: { DataType: 'String', StringValue: event.id },
        eventType: { DataType: 'String', StringValue: event.event },
      },
    }));
    let pending = entries;
    const failed = new Map<number, string>();
    /** Sends the pending entries; throws while some are worth sending again (the shared retry rule). */
    const sendPending = async () => {
      let result: SendMessageBatchOutput;
      try {
        result = await deps.sqs.sendMessageBatch({ QueueUrl: deps.queueUrl, Entries: pending });
      } catch (error) {
        for (const entry of pending) failed.set(Number(entry.Id), 'SendMessageBatchFailed');
        throw error;
      }
      const again = new Set<string>();
      for (const entry of pending) failed.delete(Number(entry.Id));
      for (const f of result.Failed ?? []) {
        failed.set(Number(f.Id), f.Code ?? 'Unknown');
        if (!f.SenderFault) again.add(f.Id);
      }
      pending = pending.filter((entry) => again.has(entry.Id));
      if (pending.length) throw new PartialSend(pending.length);
    };
    try {
      await withRetry(sendPending, {
        policy: { attempts: SEND_ATTEMPTS, baseDelayMs: 400, maxDelayMs: 1600 },
        // SQS's own failures (throttling, a dropped connection) and entries it failed on its side.
        retryable: () => true,
        sleep: wait,
        ...(run.remainingMs ? { remainingMs: run.remainingMs } : {}),
        onRetry: ({ attempt, delayMs }) => {
          run.retries++;
          deps.logger?.warn('SendMessageBatch failed; retrying', {
            attempt,
            delayMs,
            pending: pending.length,
          });
        },
      });
    } catch {
      // What is still failed is reported below; the cursor stops before the first of it.
    }
    const firstFailed = failed.size ? Math.min(...failed.keys()) : chunk.length;
    if (failed.size) {
      deps.logger?.error('events could not be enqueued', {
        firstFailedEventId: chunk[firstFailed]?.id,
        codes: [...new Set(failed.values())],
      });
    }
    return firstFailed;
  }

  type RunState = { retries: number; remainingMs: (() => number) | undefined };

  async function run(options: ReconcileRunOptions = {}): Promise<ReconcileResult> {
    const state: RunState = { retries: 0, remainingMs: options.remainingMs };
    const reserveMs = options.reserveMs ?? 20_000;
    const stored = await readCursor();
    let exists = stored.exists;
    let cursor = stored.cursor;
    const rangeStart = cursor ? undefined : new Date(clock().getTime() - lookbackMs).toISOString();
    let enqueued = 0;
    let pages = 0;
    let newest: string | undefined;
    let stoppedBy: ReconcileResult['stoppedBy'] = 'caught_up';

    const finish = (error?: unknown): ReconcileResult => {
      const lagSeconds =
        stoppedBy === 'caught_up' && !error
          ? 0
          : newest
            ? Math.max(0, (clock().getTime() - Date.parse(newest)) / 1000)
            : 0;
      const result = {
        enqueued,
        pages,
        retries: state.retries,
        cursorBefore: stored.cursor,
        cursorAfter: cursor,
        stoppedBy,
        lagSeconds,
      };
      if (!error || newest) emit('ReconcileLagSeconds', lagSeconds);
      emit('ReconcileEventsEnqueued', enqueued);
      if (state.retries) emit('ReconcileRetries', state.retries);
      return result;
    };

    try {
      for (;;) {
        if (options.remainingMs && options.remainingMs() < reserveMs) {
          stoppedBy = 'time_budget';
          break;
        }
        const events = await fetchPage(cursor, cursor ? undefined : rangeStart, state);
        pages++;
        for (let i = 0; i < events.length; i += SQS_BATCH) {
          const chunk = events.slice(i, i + SQS_BATCH);
          const sent = await enqueue(chunk, state);
          const last = chunk[sent - 1];
          if (last) {
            await saveCursor(exists, cursor, last.id);
            exists = true;
            cursor = last.id;
            enqueued += sent;
            newest = last.created_at;
          }
          if (sent < chunk.length) {
            throw new ReconcileError(
              'ENQUEUE_FAILED',
              `SQS refused event ${chunk[sent]?.id}; the cursor stops before it`,
            );
          }
        }
        if (events.length < pageSize) break;
      }
    } catch (error) {
      finish(error);
      deps.logger?.error('reconcile stopped', {
        code: error instanceof ReconcileError ? error.code : 'INTERNAL_ERROR',
        enqueued,
        cursor,
        error,
      });
      throw error;
    }
    const result = finish();
    deps.logger?.info('reconcile finished', { ...result });
    return result;
  }

  function emit(name: MetricName, value: number) {
    emitMetric(deps.metrics, name, value);
  }

  return { run, readCursor };
}

export type Reconciler = ReturnType<typeof makeReconciler>;
