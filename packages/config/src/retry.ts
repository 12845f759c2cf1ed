/**
 * THE retry rule of this app's own loops (reconcile, backfill, and any call to WorkOS or AWS that
 * this code retries itself): bounded attempts, exponential backoff with jitter, never sooner than
 * a Retry-After, never past the invocation's remaining time, and only for errors worth another try.
 */

export type RetryPolicy = {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 10_000 };

export type RetryOptions = {
  policy?: Partial<RetryPolicy>;
  /** Which errors are worth another try; default isTransient (network, 408, 429, 5xx). */
  retryable?: (error: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds left in the run; a retry that would end past it is not attempted. */
  remainingMs?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; status: number | undefined }) => void;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** HTTP status of an SDK exception (`status`) or of an AWS SDK error (`$metadata.httpStatusCode`). */
export function statusOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { status?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof e.status === 'number') return e.status;
  const aws = e.$metadata?.httpStatusCode;
  return typeof aws === 'number' ? aws : undefined;
}

/**
 * Worth another try: rate limited (429), timed out (408), a server error (5xx), or no HTTP answer at
 * all (network). Any other 4xx (bad key, bad cursor) fails at once: retrying cannot fix it.
 */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return true;
  return status === 408 || status === 429 || status >= 500;
}

function retryAfterMs(error: unknown): number | undefined {
  const value = (error as { retryAfter?: unknown } | null)?.retryAfter;
  return typeof value === 'number' && value >= 0 ? value * 1000 : undefined;
}

/**
 * Runs `fn`, retrying transient failures with exponential backoff and jitter (never sooner than a
 * Retry-After WorkOS sends), at most `attempts` times and never past the run's remaining time. The
 * last error is rethrown unchanged.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = { ...DEFAULT_RETRY, ...options.policy };
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= policy.attempts || !(options.retryable ?? isTransient)(error)) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const jittered = backoff / 2 + (Math.random() * backoff) / 2;
      // A Retry-After longer than the backoff cap is still honoured when the run has the time left
      // (remainingMs); without a clock to bound it, such a wait is not started at all.
      const delayMs = Math.max(retryAfterMs(error) ?? 0, jittered);
      const limit = options.remainingMs ? options.remainingMs() : policy.maxDelayMs;
      if (limit < delayMs) throw error;
      options.onRetry?.({ attempt, delayMs, status: statusOf(error) });
      await wait(delayMs);
    }
  }
}
