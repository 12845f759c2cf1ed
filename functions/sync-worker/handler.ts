import { schemas } from '@app/config';
import { createSqs } from '@app/config/sqs';
import { makeNotificationQueue } from '@app/notifications/queue';
import { makeSyncWorker } from '@app/sync';
import { loadSyncRuntime } from '@app/sync/sync-runtime';
import type { Context, SQSEvent } from 'aws-lambda';

// SQS (ReportBatchItemFailures) -> WorkOS events applied to PostgreSQL; the notifications they
// write go on the notifications queue after each COMMIT.
const { db, workos, logger, metrics, config, budget } = await loadSyncRuntime('sync-worker', {
  env: { NOTIFICATIONS_QUEUE_URL: schemas.NOTIFICATIONS_QUEUE_URL, SQS_ENDPOINT: schemas.SQS_ENDPOINT },
});
const enqueueNotifications = config.NOTIFICATIONS_QUEUE_URL
  ? makeNotificationQueue({
      sqs: createSqs(config),
      queueUrl: config.NOTIFICATIONS_QUEUE_URL,
      // Bounded well inside the worker's timeout; a miss is left to the sweep.
      timeoutMs: () => 5_000,
    })
  : undefined;
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
  return worker.handler(event, context);
};
