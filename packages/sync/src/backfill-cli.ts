import { parseArgs } from 'node:util';
import { makeBackfill, parseBackfillRequest } from './backfill';
import { loadSyncRuntime } from './sync-runtime';

// npm run sync:backfill [-- --full] [-- --restart]: the backfill Lambda's code, run from a shell
// against DATABASE_URL and WORKOS_* (real WorkOS, or the emulator with WORKOS_API_HOSTNAME...).
const { values } = parseArgs({
  options: { full: { type: 'boolean', default: false }, restart: { type: 'boolean', default: false } },
});
const request = parseBackfillRequest({ mode: values.full ? 'full' : 'import', restart: values.restart });
const { db, workos, logger, close } = await loadSyncRuntime('backfill', {
  workos: { timeoutMs: 10_000, retry: { attempts: 3 } },
  db: { max: 2, applicationName: 'backfill-cli' },
  secrets: false,
});
const started = performance.now();
try {
  const result = await makeBackfill({ db, workos, logger }).run(request);
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
