import { schemas } from '@app/config';
import { createSqs } from '@app/config/sqs';
import { makeReconciler } from '@app/sync/reconcile';
import { loadSyncRuntime } from '@app/sync/sync-runtime';
import type { Context, ScheduledEvent } from 'aws-lambda';

// EventBridge schedule -> Events API after the stored cursor -> the sync queue.
const { config, db, workos, logger, metrics, budget } = await loadSyncRuntime('reconcile', {
  env: {
    QUEUE_URL: schemas.QUEUE_URL,
    SQS_ENDPOINT: schemas.SQS_ENDPOINT,
    RECONCILE_LOOKBACK_HOURS: schemas.RECONCILE_LOOKBACK_HOURS,
  },
  // The reconciler retries with its own bounded backoff inside the Lambda's time budget.
  workos: { timeoutMs: 10_000, maxRetries: 0 },
});
const reconciler = makeReconciler({
  db,
  workos,
  sqs: createSqs(config),
  queueUrl: config.QUEUE_URL,
  lookbackHours: config.RECONCILE_LOOKBACK_HOURS,
  logger,
  metrics,
});

export const handler = async (_event: ScheduledEvent, context: Context) => {
  logger.addContext(context);
  budget.start(context);
  return reconciler.run({ remainingMs: () => context.getRemainingTimeInMillis() });
};
