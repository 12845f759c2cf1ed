import { makeSyncWorker } from '@app/sync';
import { loadSyncRuntime, refusedAsNotConfigured } from '@app/sync/sync-runtime';
import type { Context, SQSEvent } from 'aws-lambda';

// SQS (ReportBatchItemFailures) -> WorkOS events applied to PostgreSQL.
const runtime = await loadSyncRuntime('sync-worker');
const { db, workos, logger, metrics } = runtime;
const worker = makeSyncWorker({ db, workos, logger, metrics });

export const handler = (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  // Not configured: every message goes back to the queue untouched (nothing applied half-way).
  if (refusedAsNotConfigured(runtime)) {
    return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
  }
  return worker.handler(event, context);
};
