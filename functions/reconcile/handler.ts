import { loadConfig, schemas } from '@app/config';
import { resolveSecrets } from '@app/config/secrets';
import { createSqs } from '@app/config/sqs';
import { createWorkOS } from '@app/config/workos';
import { createDb } from '@app/db';
import { makeReconciler } from '@app/sync/reconcile';
import { createTelemetry } from '@app/telemetry';
import type { Context, ScheduledEvent } from 'aws-lambda';
import * as z from 'zod';

// EventBridge schedule -> Events API after the stored cursor -> the sync queue.
await resolveSecrets();
const config = loadConfig({
  DATABASE_URL: schemas.DATABASE_URL,
  WORKOS_API_KEY: schemas.WORKOS_API_KEY,
  WORKOS_API_HOSTNAME: schemas.WORKOS_API_HOSTNAME,
  WORKOS_API_PORT: schemas.WORKOS_API_PORT,
  WORKOS_API_HTTPS: schemas.WORKOS_API_HTTPS,
  QUEUE_URL: schemas.QUEUE_URL,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
  LOG_LEVEL: schemas.LOG_LEVEL,
  /** First run only (no stored cursor): how many hours of events to read. */
  RECONCILE_LOOKBACK_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(72),
});
const { logger, metrics } = createTelemetry('reconcile', config.LOG_LEVEL);
const { db } = createDb(config.DATABASE_URL, { max: 1, applicationName: 'reconcile' });
const reconciler = makeReconciler({
  db,
  // The reconciler retries with its own bounded backoff inside the Lambda's time budget.
  workos: createWorkOS(config, { timeoutMs: 10_000, maxRetries: 0 }),
  sqs: createSqs(config),
  queueUrl: config.QUEUE_URL,
  lookbackHours: config.RECONCILE_LOOKBACK_HOURS,
  logger,
  metrics,
});

export const handler = async (_event: ScheduledEvent, context: Context) => {
  logger.addContext(context);
  return reconciler.run({ remainingMs: () => context.getRemainingTimeInMillis() });
};
