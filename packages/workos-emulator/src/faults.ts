/**
 * What the next calls to a route should do instead of (or before) answering normally.
 * A route is named by its pattern, e.g. 'POST /user_management/authenticate' or
 * 'GET /user_management/users/:id', or by a concrete method and path ('GET /user_management/users/user_01...').
 */
export type FaultSpec =
  | number
  | {
      /** Answer with this status (429 gets a Retry-After header). */
      status?: number;
      /** Body to send with `status`; a WorkOS-like one by default. */
      body?: Record<string, unknown>;
      /** Seconds for Retry-After on a 429. Default 0 so SDK retries stay fast. */
      retryAfterSeconds?: number;
      /** Wait this long first (then fail with `status` if given, else answer normally). */
      delayMs?: number;
    };

type ArmedFault = { remaining: number; spec: Exclude<FaultSpec, number> };

export type FaultResponse = {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
};

function defaultBody(status: number): Record<string, unknown> {
  if (status === 429) return { message: 'Too many requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { message: 'Internal Server Error', code: 'server_error' };
  return { message: `Injected failure (${status})`, code: 'injected_failure' };
}

export function createFaults() {
  const armed = new Map<string, ArmedFault[]>();

  function take(keys: string[]): ArmedFault['spec'] | undefined {
    for (const key of keys) {
      const list = armed.get(key);
      const first = list?.[0];
      if (!list || !first) continue;
      first.remaining--;
      if (first.remaining <= 0) list.shift();
      if (list.length === 0) armed.delete(key);
      return first.spec;
    }
    return undefined;
  }

  return {
    /** The next `times` calls to `route` fail with `spec` (a status, or {status, delayMs, ...}). */
    failNext(route: string, times: number, spec: FaultSpec) {
      const normalized = typeof spec === 'number' ? { status: spec } : spec;
      const list = armed.get(route) ?? [];
      list.push({ remaining: times, spec: normalized });
      armed.set(route, list);
    },
    /** The next `times` calls to `route` wait `ms` before answering normally. */
    delayNext(route: string, times: number, ms: number) {
      const list = armed.get(route) ?? [];
      list.push({ remaining: times, spec: { delayMs: ms } });
      armed.set(route, list);
    },
    clear() {
      armed.clear();
    },
    pending(route: string): number {
      return (armed.get(route) ?? []).reduce((sum, f) => sum + f.remaining, 0);
    },
    /** Used by the server: applies an armed fault for this request, if any. */
    async apply(keys: string[]): Promise<FaultResponse | undefined> {
      const spec = take(keys);
      if (!spec) return undefined;
      if (spec.delayMs) await new Promise((resolve) => setTimeout(resolve, spec.delayMs));
      if (spec.status === undefined) return undefined;
      const headers: Record<string, string> = {};
      if (spec.status === 429) headers['retry-after'] = String(spec.retryAfterSeconds ?? 0);
      return { status: spec.status, body: spec.body ?? defaultBody(spec.status), headers };
    },
  };
}

export type Faults = ReturnType<typeof createFaults>;
