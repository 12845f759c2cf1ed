import { makeWorkOSApi } from '@app/config/workos-api';
import { processedEvents } from '@app/db';
import { makeSyncWorker } from '@app/sync';
import { createTelemetry } from '@app/telemetry';
import { startEmulator } from '@app/workos-emulator';
import type { SQSEvent } from 'aws-lambda';
import { sql } from 'drizzle-orm';
import { lambdaContext, sqsEvent } from '../test/support/events';
import { workosSettingsOf } from '../test/support/workos';
import { countingDb } from './database';
import { applyLikeSeed } from './seed-sync';
import { round, type Samples, sequential, summarize } from './stats';
import { eventStream } from './worker-events';

export type WorkerRun = {
  events: number;
  batches: number;
  eventsPerSec: number;
  /** Statements sent per event, BEGIN and COMMIT included. */
  statementsPerEvent: number;
  /** Database round trips per event (a statement drizzle does not prepare costs two). */
  roundTripsPerEvent: number;
  batchP50Ms: number;
  batchP99Ms: number;
};
export type WorkerResult = {
  /** makeSyncWorker: inbox, order guard, tombstones, one transaction per batch. */
  worker: WorkerRun & { outcomes: Record<string, number>; failedRecords: number };
  /** The seed's read-then-write per event, same history, same database. */
  baseline: WorkerRun;
  /** worker events/s over baseline events/s. */
  speedup: number;
};

const BATCH = 10;

/**
 * The sync worker as Lambda's SQS event source mapping drives it: batches of 10 mixed WorkOS events
 * (see worker-events.ts) through the handler of makeSyncWorker, built like
 * functions/sync-worker/handler.ts (one connection, WorkOS client for parents, logs and metrics),
 * on real PostgreSQL. The seed's way runs the same kind of history in the same database, its
 * batches alternating with the worker's so both see the same machine.
 */
export async function measureWorker(options: {
  databaseUrl: string;
  batches: number;
}): Promise<WorkerResult> {
  const emulator = await startEmulator({});
  const { logger, metrics } = createTelemetry('sync-worker', 'INFO');
  const current = countingDb(options.databaseUrl, 'sync-worker');
  const seed = countingDb(options.databaseUrl, 'sync-seed');
  const worker = makeSyncWorker({
    db: current.db,
    workos: makeWorkOSApi(workosSettingsOf(emulator)),
    logger,
    metrics,
  });
  const workerStream = eventStream('w');
  const seedStream = eventStream('s');
  let failedRecords = 0;
  const viaWorker = async (event: SQSEvent) => {
    const response = await worker.handler(event, lambdaContext());
    failedRecords += response.batchItemFailures.length;
  };
  const viaSeed = async (event: SQSEvent) => {
    for (const record of event.Records) await applyLikeSeed(seed.db, record.body);
  };

  try {
    await viaWorker(sqsEvent(workerStream.history()));
    await viaSeed(sqsEvent(seedStream.history()));
    // Warm-up: JIT, prepared statements, buffers.
    const warm = 30;
    for (let k = 1; k <= warm; k++) {
      await viaWorker(sqsEvent(workerStream.batch(k)));
      await viaSeed(sqsEvent(seedStream.batch(k)));
    }
    for (const c of [current.counter, seed.counter]) {
      c.statements = 0;
      c.roundTrips = 0;
    }
    const workerRuns: Samples[] = [];
    const seedRuns: Samples[] = [];
    const block = 20;
    for (let start = warm + 1; start <= warm + options.batches; start += block) {
      const n = Math.min(block, warm + options.batches - start + 1);
      workerRuns.push(await sequential(n, (i) => sqsEvent(workerStream.batch(start + i)), viaWorker));
      seedRuns.push(await sequential(n, (i) => sqsEvent(seedStream.batch(start + i)), viaSeed));
    }
    if (failedRecords) throw new Error(`${failedRecords} records failed in the worker`);

    const outcomes = Object.fromEntries(
      (
        await current.db
          .select({ outcome: processedEvents.outcome, n: sql<number>`count(*)::int` })
          .from(processedEvents)
          .groupBy(processedEvents.outcome)
      ).map((r) => [r.outcome, r.n]),
    );
    const report = (runs: Samples[], counter: { statements: number; roundTrips: number }): WorkerRun => {
      const s = summarize(...runs);
      const events = s.requests * BATCH;
      return {
        events,
        batches: s.requests,
        eventsPerSec: Math.round(s.opsPerSec * BATCH),
        statementsPerEvent: round(counter.statements / events, 2),
        roundTripsPerEvent: round(counter.roundTrips / events, 2),
        batchP50Ms: round(s.p50Ms, 2),
        batchP99Ms: round(s.p99Ms, 2),
      };
    };
    const w = report(workerRuns, current.counter);
    const b = report(seedRuns, seed.counter);
    return {
      worker: { ...w, outcomes, failedRecords },
      baseline: b,
      speedup: round(w.eventsPerSec / b.eventsPerSec, 2),
    };
  } finally {
    await current.close();
    await seed.close();
    await emulator.stop();
  }
}
