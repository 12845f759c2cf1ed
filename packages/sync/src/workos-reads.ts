import { DEFAULT_RETRY, type RetryPolicy } from '@app/config/retry';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type * as z from 'zod';
import type { WorkOSGet } from './parents';

/**
 * What reconcile and the backfill share: the deps of a run that pages through WorkOS, the error it
 * stops with, and the one way it reads a page (the shared retry rule, bounded by the run's time).
 */

export type PagingRunDeps = {
  clock?: () => Date;
  logger?: Logger;
  metrics?: Metrics;
  /** Objects per WorkOS page (1-100). Default 100. */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
};

/** A run stopped early; its machine-readable code leads the message, so an operator sees it in errorMessage. */
export class RunError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${code}: ${message}`, { cause: options.cause });
  }
}

export type PageReadOptions = {
  retry?: Partial<RetryPolicy>;
  sleep: (ms: number) => Promise<void>;
  remainingMs?: (() => number) | undefined;
  onRetry: (info: { attempt: number; delayMs: number; status: number | undefined }) => void;
};

/**
 * GETs one page and checks its shape. `failed` builds the run's error for a call that failed after
 * its retries, `invalid` the one for an answer of another shape.
 */
export async function readPage<S extends z.ZodType>(
  workos: WorkOSGet,
  path: string,
  query: Record<string, string | number>,
  schema: S,
  options: PageReadOptions & { failed: (cause: unknown) => Error; invalid: () => Error },
): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = await workos.get(path, {
      query,
      retry: {
        // The run owns its retries: THE rule's defaults unless the run sets its own.
        policy: { ...DEFAULT_RETRY, ...options.retry },
        sleep: options.sleep,
        ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}),
        onRetry: options.onRetry,
      },
    });
  } catch (cause) {
    throw options.failed(cause);
  }
  const page = schema.safeParse(body);
  if (!page.success) throw options.invalid();
  return page.data;
}
