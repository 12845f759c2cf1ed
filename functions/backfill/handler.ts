import { loadConfig, schemas } from '@app/config';
import { resolveSecrets } from '@app/config/secrets';
import { createWorkOS } from '@app/config/workos';
import { createDb } from '@app/db';
import { makeBackfill, parseBackfillRequest } from '@app/sync/backfill';
import { createTelemetry } from '@app/telemetry';
import type { Context } from 'aws-lambda';

// Ops-invoked: `{ "mode": "import" | "full", "restart"?: boolean }`. Returns { complete: false }
// when the time budget ran out: invoke again and it resumes (docs/backfill.md).
await resolveSecrets();
const config = loadConfig({
  DATABASE_URL: schemas.DATABASE_URL,
  WORKOS_API_KEY: schemas.WORKOS_API_KEY,
  WORKOS_API_HOSTNAME: schemas.WORKOS_API_HOSTNAME,
  WORKOS_API_PORT: schemas.WORKOS_API_PORT,
  WORKOS_API_HTTPS: schemas.WORKOS_API_HTTPS,
  LOG_LEVEL: schemas.LOG_LEVEL,
});
const { logger, metrics } = createTelemetry('backfill', config.LOG_LEVEL);
const { db } = createDb(config.DATABASE_URL, { max: 1, applicationName: 'backfill' });
const backfill = makeBackfill({
  db,
  workos: createWorkOS(config, { timeoutMs: 10_000, maxRetries: 2 }),
  logger,
  metrics,
});

export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const request = parseBackfillRequest(event);
  return backfill.run({ ...request, remainingMs: () => context.getRemainingTimeInMillis() });
};
