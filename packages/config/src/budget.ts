/**
 * The time an invocation has left, for every outbound call it makes: a WorkOS, SQS or SES call
 * must end (or give up) before the function's timeout, leaving `reserveMs` to answer. One budget
 * per container, restarted by each invocation from `context.getRemainingTimeInMillis()` (a Lambda
 * container serves one invocation at a time); before the first invocation there is no deadline and
 * only the clients' own timeouts apply.
 */
export type InvocationBudget = {
  /** Call at the start of each invocation. */
  start(context: { getRemainingTimeInMillis(): number }): void;
  /** Milliseconds an outbound call may still take (never negative). */
  remainingMs(): number;
  /** An abort signal that fires when the budget runs out, or after `capMs` if sooner. */
  signal(capMs?: number): AbortSignal;
  /** `fetch` bounded by the budget (for the WorkOS SDK's `fetchFn` and the session api). */
  fetch: typeof fetch;
};

/**
 * The timeout of the HTTP functions (infra/functions.ts uses it): a refresh claim older than this has
 * lost its holder, since no invocation outlives it.
 */
export const HTTP_FUNCTION_TIMEOUT_MS = 10_000;

export class BudgetExhaustedError extends Error {
  constructor() {
    super('No time left in this invocation for another outbound call');
    this.name = 'TimeoutError';
  }
}

export function makeInvocationBudget(
  options: { reserveMs?: number; clock?: () => number } = {},
): InvocationBudget {
  // Room to answer after the last call gives up, including a retry's backoff (at most ~1.7 s).
  const reserveMs = options.reserveMs ?? 2000;
  const clock = options.clock ?? Date.now;
  let deadline = Number.POSITIVE_INFINITY;

  const remainingMs = () => Math.max(0, deadline - reserveMs - clock());
  const signal = (capMs?: number) => {
    const ms = Math.min(remainingMs(), capMs ?? Number.POSITIVE_INFINITY);
    if (ms === Number.POSITIVE_INFINITY) return new AbortController().signal;
    if (ms <= 0) return AbortSignal.abort(new BudgetExhaustedError());
    return AbortSignal.timeout(ms);
  };
  const bounded: typeof fetch = (input, init) => {
    const own = signal();
    const combined = init?.signal ? AbortSignal.any([init.signal, own]) : own;
    return fetch(input, { ...init, signal: combined });
  };
  return {
    start(context: { getRemainingTimeInMillis(): number }) {
      deadline = clock() + context.getRemainingTimeInMillis();
    },
    remainingMs,
    signal,
    fetch: bounded,
  } satisfies InvocationBudget;
}
