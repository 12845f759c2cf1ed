import { createSqs } from '@app/config/sqs';
import { makeReconciler } from '@app/sync/reconcile';
import { loadSyncRuntime, refusedAsNotConfigured } from '@app/sync/sync-runtime';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { env } from './env';

// EventBridge schedule -> Events API after the stored cursor -> the sync queue.
const runtime = await loadSyncRuntime('reconcile', {
  env,
  // The reconciler sets its own bounded retries per call, inside the Lambda's time budget.
  workos: { timeoutMs: 10_000 },
});
const { config, db, workos, logger, metrics, budget } = runtime;
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
  if (refusedAsNotConfigured(runtime)) return { code: 'NOT_CONFIGURED' as const };
  budget.start(context);
  return reconciler.run({ remainingMs: () => context.getRemainingTimeInMillis() });
};
