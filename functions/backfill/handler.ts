import { makeBackfill, parseBackfillRequest } from '@app/sync/backfill';
import { loadSyncRuntime, refusedAsNotConfigured } from '@app/sync/sync-runtime';
import type { Context } from 'aws-lambda';

// Ops-invoked: `{ "mode": "import" | "full", "restart"?: boolean }`. Returns { complete: false }
// when the time budget ran out: invoke again and it resumes (docs/backfill.md).
const runtime = await loadSyncRuntime('backfill', {
  workos: { timeoutMs: 10_000, retry: { attempts: 3 } },
});
const { db, workos, logger, metrics, budget } = runtime;
const backfill = makeBackfill({ db, workos, logger, metrics });

export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  if (refusedAsNotConfigured(runtime)) return { complete: false, code: 'NOT_CONFIGURED' as const };
  budget.start(context);
  const request = parseBackfillRequest(event);
  return backfill.run({ ...request, remainingMs: () => context.getRemainingTimeInMillis() });
};
