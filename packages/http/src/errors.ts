/**
 * The closed set of error codes an HTTP response can carry, with their status. docs/errors.md
 * documents each; a test keeps the two in step.
 */
export const errorCodes = {
  UNAUTHORIZED: 401,
  INVALID_SESSION: 401,
  INVALID_SIGNATURE: 401,
  FORBIDDEN: 403,
  NO_ORGANIZATION: 403,
  ORIGIN_REFUSED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  LAST_ADMIN: 409,
  UNKNOWN_ROLE: 422,
  WORKOS_REJECTED: 422,
  VALIDATION_FAILED: 400,
  INVALID_STATE: 400,
  INVALID_CODE: 400,
  AUTHORIZATION_DENIED: 400,
  ORGANIZATION_SELECTION_INVALID: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export type FieldIssue = { field: string; message: string };

/**
 * An error meant for the client: its code and message are safe to show. Anything else thrown
 * becomes a generic 500 INTERNAL_ERROR and is only logged.
 */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: {
      cause?: unknown;
      fields?: FieldIssue[];
      headers?: Record<string, string>;
      /** Set-Cookie values for the error response (e.g. clearing a session that ended). */
      cookies?: string[];
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.status = errorCodes[code];
    this.fields = options.fields;
    this.headers = options.headers;
    this.cookies = options.cookies;
  }
  readonly fields: FieldIssue[] | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly cookies: string[] | undefined;
}

export const httpError = (
  code: ErrorCode,
  message: string,
  options?: ConstructorParameters<typeof HttpError>[2],
) => new HttpError(code, message, options);

type Issue = { code?: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[] };

/**
 * Turns zod issues into `{ field, message }` pairs (never the rejected values): a field's dotted path,
 * or `root` for the input as a whole; each unknown key of a strict object is named on its own, with
 * `unknownKey(key)` as its message (default `unknown field`).
 */
export function fieldIssues(
  issues: readonly Issue[],
  options: { root?: string; unknownKey?: (key: string) => string } = {},
): FieldIssue[] {
  const root = options.root ?? '(body)';
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({ field: key, message: options.unknownKey?.(key) ?? 'unknown field' }))
      : [{ field: issue.path.map(String).join('.') || root, message: issue.message }],
  );
}
