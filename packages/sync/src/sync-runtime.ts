import { makeInvocationBudget } from '@app/config/budget';
import { loadRuntime } from '@app/config/runtime';
import { makeWorkOSApi, type WorkOSApiOptions } from '@app/config/workos-api';
import { createDb, iamAuthFromEnv } from '@app/db';
import { emitMetric, type Metrics } from '@app/telemetry';
import type * as z from 'zod';
import { syncEnv } from './env';

export type SyncRuntimeOptions<S> = {
  /** Variables this function reads besides DATABASE_URL, WORKOS_* and LOG_LEVEL. */
  env?: S;
  /** WorkOS client timeout and retries (makeWorkOSApi's defaults otherwise). */
  workos?: Pick<WorkOSApiOptions, 'timeoutMs' | 'retry'>;
  /** One connection per Lambda container unless told otherwise; named after the service. */
  db?: { max?: number; applicationName?: string };
  /** false when run from a shell: the environment is used as is (see loadRuntime). */
  secrets?: boolean;
};

/**
 * What the functions that write synced data (sync-worker, reconcile, backfill and its CLI) build
 * once per cold start: config, logs and metrics, one database client, a WorkOS API client.
 */
export async function loadSyncRuntime<S extends Record<string, z.ZodType> = Record<never, z.ZodType>>(
  service: string,
  options: SyncRuntimeOptions<S> = {},
) {
  const { config, logger, metrics, notConfigured } = await loadRuntime(
    service,
    { ...syncEnv, ...(options.env as S) },
    { secrets: options.secrets !== false },
  );
  // TypeScript cannot see through the generic shape: these variables are there, validated above.
  const settings = config as z.output<z.ZodObject<typeof syncEnv>>;
  const { db, close } = createDb(settings.DATABASE_URL, {
    max: options.db?.max ?? 1,
    applicationName: options.db?.applicationName ?? service,
    ...iamAuthFromEnv(),
  });
  // Parent fetches and Events API reads end before the function does (restarted per invocation).
  const budget = makeInvocationBudget();
  const workos = makeWorkOSApi(settings, {
    ...options.workos,
    fetch: budget.fetch,
    remainingMs: budget.remainingMs,
  });
  return { config, logger, metrics, notConfigured, db, close, workos, budget };
}

/**
 * Whether this invocation must do nothing because a secret still holds its placeholder (said once per
 * cold start by loadRuntime). Counts the refusal in NotConfigured; the caller returns without error,
 * so no error alarm fires: the schedule (reconcile) or ops (backfill) simply try again later.
 */
export function refusedAsNotConfigured(runtime: {
  notConfigured: readonly string[];
  metrics?: Metrics;
}): boolean {
  if (runtime.notConfigured.length === 0) return false;
  emitMetric(runtime.metrics, 'NotConfigured', 1);
  return true;
}
