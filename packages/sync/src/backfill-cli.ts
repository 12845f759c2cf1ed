import { parseArgs } from 'node:util';
import { loadConfig, schemas } from '@app/config';
import { createWorkOS } from '@app/config/workos';
import { createDb } from '@app/db';
import { createTelemetry } from '@app/telemetry';
import { makeBackfill, parseBackfillRequest } from './backfill';

// npm run sync:backfill [-- --full] [-- --restart]: the backfill Lambda's code, run from a shell
// against DATABASE_URL and WORKOS_* (real WorkOS, or the emulator with WORKOS_API_HOSTNAME...).
const { values } = parseArgs({
  options: { full: { type: 'boolean', default: false }, restart: { type: 'boolean', default: false } },
});
const request = parseBackfillRequest({ mode: values.full ? 'full' : 'import', restart: values.restart });
const config = loadConfig({
  DATABASE_URL: schemas.DATABASE_URL,
  WORKOS_API_KEY: schemas.WORKOS_API_KEY,
  WORKOS_API_HOSTNAME: schemas.WORKOS_API_HOSTNAME,
  WORKOS_API_PORT: schemas.WORKOS_API_PORT,
  WORKOS_API_HTTPS: schemas.WORKOS_API_HTTPS,
  LOG_LEVEL: schemas.LOG_LEVEL,
});
const { logger } = createTelemetry('backfill', config.LOG_LEVEL);
const { db, close } = createDb(config.DATABASE_URL, { max: 2, applicationName: 'backfill-cli' });
const started = performance.now();
try {
  const result = await makeBackfill({
    db,
    workos: createWorkOS(config, { timeoutMs: 10_000, maxRetries: 2 }),
    logger,
  }).run(request);
  console.log(
    JSON.stringify({ ...result, seconds: Math.round(performance.now() - started) / 1000 }, null, 2),
  );
} catch (error) {
  process.exitCode = 1;
  console.error(
    `backfill failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
} finally {
  await close();
}
