import { notificationQueueFromConfig } from '@app/notifications/queue-config';
import { makeSyncWorker } from '@app/sync';
import { loadSyncRuntime, refusedAsNotConfigured } from '@app/sync/sync-runtime';
import type { Context, SQSEvent } from 'aws-lambda';
import { env } from './env';

// SQS (ReportBatchItemFailures) -> WorkOS events applied to PostgreSQL; the notifications they
// write go on the notifications queue after each COMMIT.
const runtime = await loadSyncRuntime('sync-worker', { env });
const { db, workos, logger, metrics, config, budget } = runtime;
// Bounded well inside the worker's timeout; a miss is left to the sweep.
const enqueueNotifications = notificationQueueFromConfig(config, 5_000);
const worker = makeSyncWorker({
  db,
  workos,
  logger,
  metrics,
  ...(enqueueNotifications ? { enqueueNotifications } : {}),
});

export const handler = (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  budget.start(context);
  // Not configured: every message goes back to the queue untouched (nothing applied half-way).
  if (refusedAsNotConfigured(runtime)) {
    return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
  }
  return worker.handler(event, context);
};
