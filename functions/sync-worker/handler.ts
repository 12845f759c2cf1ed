import { loadConfig, schemas } from '@app/config';
import { resolveSecrets } from '@app/config/secrets';
import { createWorkOS } from '@app/config/workos';
import { createDb } from '@app/db';
import { makeSyncWorker } from '@app/sync';
import { createTelemetry } from '@app/telemetry';
import type { Context, SQSEvent } from 'aws-lambda';

// SQS (ReportBatchItemFailures) -> WorkOS events applied to PostgreSQL.
await resolveSecrets();
const config = loadConfig({
  DATABASE_URL: schemas.DATABASE_URL,
  WORKOS_API_KEY: schemas.WORKOS_API_KEY,
  WORKOS_API_HOSTNAME: schemas.WORKOS_API_HOSTNAME,
  WORKOS_API_PORT: schemas.WORKOS_API_PORT,
  WORKOS_API_HTTPS: schemas.WORKOS_API_HTTPS,
  LOG_LEVEL: schemas.LOG_LEVEL,
});
const { logger, metrics } = createTelemetry('sync-worker', config.LOG_LEVEL);
const { db } = createDb(config.DATABASE_URL, { max: 1, applicationName: 'sync-worker' });
const worker = makeSyncWorker({ db, workos: createWorkOS(config), logger, metrics });

export const handler = (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return worker.handler(event, context);
};
