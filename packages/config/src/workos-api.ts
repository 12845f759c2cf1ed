import { type RetryOptions, type RetryPolicy, withRetry } from './retry';
import { type WorkOSSettings, workosBaseUrl } from './workos-settings';

/**
 * The WorkOS REST API over `fetch`, for every function but auth: the SDK's client builds all of its
 * API modules (~190 KB that no bundler can shake off), while these functions make a handful of plain
 * JSON calls. Answers are WorkOS's own JSON (snake_case), unconverted: each caller parses them with
 * the schema of the object it asked for.
 */

type Query = Record<string, string | number | boolean | null | undefined>;

export type WorkOSCallOptions = {
  query?: Query;
  /** The shared retry rule's hooks for this call (policy, onRetry, remainingMs...). */
  retry?: RetryOptions;
};

/** A refusal or a failure of a WorkOS call, with what WorkOS said (never the request's secrets). */
export class WorkOSApiError extends Error {
  override name = 'WorkOSApiError';
  constructor(
    message: string,
    /** HTTP status; undefined when WorkOS never answered (network, timeout, budget spent). */
    readonly status: number | undefined,
    /** WorkOS's machine-readable `code` (or OAuth `error`), when it sent one. */
    readonly code: string | undefined,
    /** Seconds, from Retry-After (429). */
    readonly retryAfter: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type WorkOSApiOptions = {
  /** The invocation's budget fetch (budget.ts), so no call outlives the function. */
  fetch?: typeof fetch;
  /** Milliseconds the invocation has left: no retry waits past it (budget.remainingMs). */
  remainingMs?: () => number;
  /** Per attempt. Default 5000 ms. */
  timeoutMs?: number;
  /** Retries of idempotent calls (GET, PUT, DELETE) on network errors, 408, 429 and 5xx. Default 2 attempts. */
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
};

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

/** A WorkOS path segment from an id, as the SDK encodes it. */
export const segment = (id: string) => {
  if (id === '' || id === '.' || id === '..') throw new TypeError(`not a WorkOS id: '${id}'`);
  return encodeURIComponent(id);
};

function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

const parse = (text: string): unknown => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * One HTTP exchange with WorkOS, the transport under every call this app makes without the SDK
 * (makeWorkOSApi and the session refresh): the API key as Bearer token, JSON in and out, a
 * per-attempt timeout. Returns the parsed answer of a 2xx (undefined when it is not JSON); throws
 * WorkOSApiError for any other answer, or for none (network, timeout: `status` undefined, the
 * fetch error as `cause`).
 */
export async function callWorkOS(request: {
  fetch: typeof fetch;
  method: string;
  url: string;
  /** For messages: the path without its query. */
  path: string;
  apiKey: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
}): Promise<unknown> {
  const { method, path, body } = request;
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(request.url, {
      method,
      headers: {
        Accept: 'application/json',
        Authorization: `Bearer ${request.apiKey ?? ''}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...request.headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    text = await response.text();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.name : 'Error';
    throw new WorkOSApiError(
      `WorkOS ${method} ${path} got no answer (${reason})`,
      undefined,
      undefined,
      undefined,
      {
        cause,
      },
    );
  }
  const data = parse(text);
  if (response.ok) return data;
  const fields = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const code = [fields.code, fields.error].find((v): v is string => typeof v === 'string');
  const said = [fields.message, fields.error_description].find((v): v is string => typeof v === 'string');
  throw new WorkOSApiError(
    `WorkOS ${method} ${path} answered ${response.status}${code ? ` ${code}` : ''}${said ? `: ${said}` : ''}`,
    response.status,
    code,
    response.status === 429 ? retryAfterSeconds(response.headers.get('retry-after')) : undefined,
  );
}

export function makeWorkOSApi(settings: WorkOSSettings, options: WorkOSApiOptions = {}) {
  const baseUrl = workosBaseUrl(settings);
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const policy: Partial<RetryPolicy> = { attempts: 2, baseDelayMs: 250, maxDelayMs: 2_000, ...options.retry };

  /** One call: JSON body in, WorkOS's JSON out; idempotent methods retried by the shared rule. */
  function request(method: string, path: string, call: WorkOSCallOptions & { body?: unknown } = {}) {
    const url = new URL(path, baseUrl);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const once = () =>
      callWorkOS({
        fetch: doFetch,
        method,
        url: url.href,
        path,
        apiKey: settings.WORKOS_API_KEY,
        body: call.body,
        timeoutMs,
      });
    if (!IDEMPOTENT.has(method)) return once();
    return withRetry(once, {
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}),
      ...call.retry,
      policy: { ...policy, ...call.retry?.policy },
    });
  }

  return {
    baseUrl,
    get: (path: string, call?: WorkOSCallOptions) => request('GET', path, call),
    post: (path: string, body: unknown, call?: WorkOSCallOptions) => request('POST', path, { ...call, body }),
    put: (path: string, body: unknown, call?: WorkOSCallOptions) => request('PUT', path, { ...call, body }),
    delete: async (path: string, call?: WorkOSCallOptions) => {
      await request('DELETE', path, call);
    },
  };
}

export type WorkOSApi = ReturnType<typeof makeWorkOSApi>;
