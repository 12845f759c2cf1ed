import type { Database, Executor } from '@app/db';
import { type MetricName, metricCatalogue } from '@app/telemetry';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type ApplyDeps, type ApplyResult, applyBatch, applyEvent, prefetchBatchParents } from './batch';
import { SyncError } from './errors';
import { type EventEnvelope, parseEnvelope } from './events';
import type { ParentSource } from './parents';

export type SyncWorkerDeps = {
  db: Database;
  workos: ParentSource;
  logger?: Logger;
  metrics?: Metrics;
  clock?: () => Date;
  /**
   * Puts the ids of the EMAIL notifications a batch wrote on the notifications queue, after its
   * COMMIT. A failure is logged, not retried here: the sweep re-queues rows left PENDING.
   */
  enqueueNotifications?: (ids: string[]) => Promise<void>;
};

/** What happened to one SQS record. */
export type RecordReport = {
  messageId: string;
  eventId?: string;
  eventType?: string;
} & ({ ok: true; result: ApplyResult } | { ok: false; code: string });

export type BatchReport = {
  response: SQSBatchResponse;
  records: RecordReport[];
  /** `shared`: the batch committed in one transaction; `isolated`: one transaction per record. */
  mode: 'shared' | 'isolated';
};

/**
 * The sync worker: an SQS batch in, a partial batch response out (Powertools BatchProcessor), so a
 * poison message fails alone and SQS redelivers only it (then moves it to the DLQ).
 *
 * Throughput: the batch first runs in ONE transaction (one COMMIT, i.e. one WAL flush, for up to
 * ten events) and in a handful of round trips (applyBatch sends the effects back to back); each
 * event still writes its inbox row and its effect together. The parents the batch lacks are fetched
 * from WorkOS before the transaction opens, so no transaction waits on an HTTP call. Errors that happen
 * before an event writes anything (bad message, WorkOS down while fetching a parent) fail just that
 * record inside the shared transaction. Any other error (a database error aborts the transaction)
 * rolls the batch back and re-runs it with one transaction per record, so a record that breaks the
 * database fails alone and the others commit.
 */
export function makeSyncWorker(deps: SyncWorkerDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  const applyDeps = { workos: deps.workos, clock: deps.clock ?? (() => new Date()) };
  const options = (context?: Context) => ({
    ...(context ? { context } : {}),
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });

  async function applyRecord(ex: Executor, record: SQSRecord, report: RecordReport, withDeps: ApplyDeps) {
    const event = parseEnvelope(record.body);
    report.eventId = event.id;
    report.eventType = event.event;
    return applyEvent(ex, event, withDeps);
  }

  function failed(report: RecordReport, error: unknown): RecordReport {
    const code = error instanceof SyncError ? error.code : 'INTERNAL_ERROR';
    const { messageId, eventId, eventType } = report;
    deps.logger?.warn('event failed', {
      messageId,
      eventId,
      eventType,
      code,
      error: safeError(error),
    });
    return { messageId, eventId, eventType, ok: false, code };
  }

  /**
   * Runs `apply` on each record through the batch processor (a throw fails that record only) and
   * reports each; `apply` fills the report's event id and type as soon as it knows them.
   */
  async function processRecords(
    event: SQSEvent,
    context: Context | undefined,
    apply: (record: SQSRecord, report: RecordReport) => Promise<ApplyResult>,
  ) {
    const records: RecordReport[] = [];
    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const report: RecordReport = { messageId: record.messageId, ok: false, code: 'PENDING' };
        try {
          const result = await apply(record, report);
          records.push({ ...report, ok: true, result });
        } catch (error) {
          records.push(failed(report, error));
          throw error;
        }
      },
      processor,
      options(context),
    );
    return { response, records };
  }

  /** The batch's envelopes (records that do not parse are left to the record handler) by message id. */
  function envelopesOf(event: SQSEvent) {
    const envelopes: EventEnvelope[] = [];
    const positions = new Map<string, number>();
    for (const record of event.Records) {
      try {
        positions.set(record.messageId, envelopes.push(parseEnvelope(record.body)) - 1);
      } catch {
        // Reported by the record handler.
      }
    }
    return { envelopes, positions };
  }

  async function shared(
    event: SQSEvent,
    context: Context | undefined,
    batchDeps: ApplyDeps,
  ): Promise<BatchReport> {
    let unconfirmed: Promise<unknown> | undefined;
    const { envelopes, positions } = envelopesOf(event);
    const report = await deps.db.transaction(async (tx) => {
      // The whole batch in a few round trips (see applyBatch); a database error rolls it back.
      const batch = await applyBatch(tx, envelopes, batchDeps);
      const outcomes = batch.outcomes;
      unconfirmed = batch.unconfirmed;
      const reports = await processRecords(event, context, async (record, report) => {
        const position = positions.get(record.messageId);
        const envelope = position === undefined ? parseEnvelope(record.body) : envelopes[position];
        const outcome = position === undefined ? undefined : outcomes[position];
        if (!envelope || !outcome) throw new Error('batch outcome missing');
        report.eventId = envelope.id;
        report.eventType = envelope.event;
        if (!outcome.ok) throw outcome.error;
        return outcome.result;
      });
      return { ...reports, mode: 'shared' as const };
    });
    // A statement sent without waiting (see applyBatch) that failed means the COMMIT rolled back.
    await unconfirmed;
    return report;
  }

  async function isolated(event: SQSEvent, context?: Context, batchDeps?: ApplyDeps): Promise<BatchReport> {
    const ahead = batchDeps ?? (await prefetched(event));
    const reports = await processRecords(event, context, (record, report) =>
      deps.db.transaction((tx) => applyRecord(tx, record, report, ahead)),
    );
    return { ...reports, mode: 'isolated' };
  }

  /**
   * The parents the batch needs, fetched from WorkOS before any transaction opens: a transaction
   * (and its connection) never waits on an HTTP call.
   */
  async function prefetched(event: SQSEvent): Promise<ApplyDeps> {
    const { envelopes } = envelopesOf(event);
    return { ...applyDeps, prefetched: await prefetchBatchParents(deps.db, envelopes, applyDeps) };
  }

  /** Applies a batch and says what happened to each record (the handler adds metrics and logs). */
  async function processBatch(event: SQSEvent, context?: Context): Promise<BatchReport> {
    let report: BatchReport;
    const batchDeps = await prefetched(event);
    try {
      report = await shared(event, context, batchDeps);
    } catch (error) {
      deps.logger?.warn('batch transaction rolled back; applying each record on its own', {
        error: safeError(error),
      });
      report = await isolated(event, context, batchDeps);
    }
    await enqueueNotifications(report);
    return report;
  }

  /** The committed records' EMAIL notifications onto their queue (the outbox's after-commit step). */
  async function enqueueNotifications(report: BatchReport) {
    const ids = report.records.flatMap((r) => (r.ok ? (r.result.notify ?? []) : []));
    if (!ids.length || !deps.enqueueNotifications) return;
    try {
      await deps.enqueueNotifications(ids);
    } catch (error) {
      deps.logger?.warn('notifications not enqueued; the sweep will re-queue them', {
        count: ids.length,
        error: safeError(error),
      });
    }
  }

  async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    const report = await processBatch(event, context);
    record(report);
    return report.response;
  }

  function record(report: BatchReport) {
    const counts = new Map<string, number>();
    const bump = (key: `${MetricName}|${string}|${string}`, by = 1) =>
      counts.set(key, (counts.get(key) ?? 0) + by);
    for (const r of report.records) {
      if (!r.ok) bump(`EventsFailed|reason|${r.code}`);
      else {
        if (r.result.parentsFetched) bump('ParentsFetched||', r.result.parentsFetched);
        if (r.result.outcome === 'applied') bump('EventsApplied||');
        else bump(`EventsSkipped|reason|${r.result.outcome}`);
        deps.logger?.debug('event processed', {
          eventId: r.eventId,
          eventType: r.eventType,
          outcome: r.result.outcome,
        });
      }
    }
    if (!deps.metrics) return;
    // One single-metric emitter for the worker's life: each addMetric publishes its own EMF line
    // and clears the dimension, and building a new emitter per line (singleMetric()) cost more than
    // the line itself.
    single ??= deps.metrics.singleMetric();
    for (const [key, value] of counts) {
      const [name, dimension, dimensionValue] = key.split('|') as [MetricName, string, string];
      if (dimension && dimensionValue) single.addDimension(dimension, dimensionValue);
      single.addMetric(name, metricCatalogue[name].unit, value);
    }
  }
  let single: Metrics | undefined;

  /**
   * `processBatch` runs the batch in one transaction and falls back to `processEachRecord` (one
   * transaction per record) when the database rejects it; both apply events through the same planner.
   */
  return {
    handler,
    processBatch,
    processEachRecord: (event: SQSEvent, context?: Context) => isolated(event, context),
  };
}

export type SyncWorker = ReturnType<typeof makeSyncWorker>;

/**
 * An error as logs may carry it: name, message and database error code. A failed query's own
 * message lists its parameters (emails, names), so the driver's underlying error is logged instead.
 */
function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const inner =
    error.message.startsWith('Failed query:') && error.cause instanceof Error ? error.cause : error;
  const code = (inner as { code?: unknown }).code;
  const cause = error instanceof SyncError && error.cause instanceof Error ? error.cause : undefined;
  return {
    name: inner.name,
    message: inner.message.split('\n')[0],
    ...(typeof code === 'string' ? { code } : {}),
    ...(cause ? { cause: { name: cause.name, message: cause.message.split('\n')[0] } } : {}),
  };
}
