import { emitMetric, type Metrics } from '@app/telemetry';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { parseCookie } from 'cookie';
import { isDatabaseUnavailable } from './database-unavailable';
import { HttpError, httpError } from './errors';
import { refuseHostileParameters, refuseUnstorable, unstorableFields } from './hostile-text';
import { loggableError } from './loggable-error';
import { fail, type HttpResult } from './responses';

export type HttpEvent = APIGatewayProxyEventV2;
/** The Lambda context plus what the base middlewares derive from the request. */
export type HttpContext = Context & {
  requestId: string;
  cookies: Record<string, string>;
  /** Parsed JSON body, set by `jsonBody()`. */
  body?: unknown;
};
/** Middlewares see the plain Lambda context; `ctx()` views it with the fields set by `requestContext`. */
export type HttpMiddleware = MiddlewareObj<HttpEvent, HttpResult, Error, Context>;
export const ctx = (context: Context) => context as HttpContext;

/**
 * Reads cookies the way API Gateway v2 delivers them (`cookies` array), or from a Cookie header, with
 * the `cookie` package that also writes them (serializeCookie in @app/session): what one encodes the
 * other decodes. The first of two same-named cookies (the most specific path) wins, as in browsers.
 */
export function parseCookies(event: Pick<HttpEvent, 'cookies' | 'headers'>): Record<string, string> {
  const header = event.cookies?.length ? event.cookies.join('; ') : (event.headers?.cookie ?? '');
  return { ...parseCookie(header, { decode: decodeCookieValue }) } as Record<string, string>;
}

/** A quoted value loses its quotes; percent-decoding that fails keeps the raw value. */
function decodeCookieValue(raw: string): string {
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Request id and cookies on the context; the request id echoed as `x-request-id`. */
export function requestContext(logger?: Logger): HttpMiddleware {
  return {
    before: (request) => {
      const context = ctx(request.context);
      context.requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
      context.cookies = parseCookies(request.event);
      logger?.appendKeys({ requestId: context.requestId });
    },
    after: (request) => {
      if (request.response) request.response.headers['x-request-id'] = ctx(request.context).requestId;
    },
  };
}

/** Seconds a client should wait before retrying a request the database could not serve. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * The one place errors become HTTP: an HttpError keeps its code and message; a dropped or unreachable
 * database is a retryable 503 DATABASE_UNAVAILABLE with Retry-After; anything else is logged and
 * answered with a generic 500 (no stack, no raw message).
 */
export function errorHandler(logger?: Logger): HttpMiddleware {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof HttpError) {
        // NOT_CONFIGURED is said once per cold start (loadRuntime), not once per refused request.
        if (error.code === 'NOT_CONFIGURED') logger?.debug('request refused', { code: error.code });
        else if (error.status >= 500)
          logger?.error('request failed', { code: error.code, error: loggableError(error) });
        else logger?.info('request rejected', { code: error.code, status: error.status });
        request.response = fail(error.status, error.code, error.message, {
          fields: error.fields,
          headers: error.headers,
          cookies: error.cookies,
        });
      } else if (isDatabaseUnavailable(error)) {
        // A failover or a dropped connection: the client retries; postgres.js reconnects.
        logger?.warn('database unavailable', { code: databaseErrorCode(error) });
        request.response = fail(503, 'DATABASE_UNAVAILABLE', 'The service is briefly unavailable, retry', {
          headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
        });
      } else {
        logger?.error('unhandled error', { error: loggableError(error) });
        request.response = fail(500, 'INTERNAL_ERROR', 'Internal server error');
      }
      const requestId = ctx(request.context).requestId;
      if (requestId) request.response.headers['x-request-id'] = requestId;
    },
  };
}

/** The error code only (never the query or its parameters, which may hold user content). */
function databaseErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Security headers on every response, errors included. HSTS only where the site is served over
 * HTTPS (not local http://localhost); `Cache-Control: no-store` for anything personal.
 */
export function securityHeaders(options: { hsts: boolean; noStore?: boolean }): HttpMiddleware {
  const apply = (response: HttpResult | null | undefined) => {
    if (!response) return;
    const h = response.headers;
    h['x-content-type-options'] = 'nosniff';
    h['x-frame-options'] = 'DENY';
    h['referrer-policy'] ??= 'no-referrer';
    h['content-security-policy'] ??= "default-src 'none'; frame-ancestors 'none'";
    if (options.hsts) h['strict-transport-security'] = 'max-age=63072000; includeSubDomains';
    if (options.noStore !== false) h['cache-control'] ??= 'no-store';
  };
  return {
    after: (request) => apply(request.response),
    onError: (request) => apply(request.response),
  };
}

/**
 * Parses a JSON body (base64 decoded when API Gateway encoded it) into `context.body`, with a size
 * cap. Not JSON, or a key or string with NUL or invalid Unicode -> 400 VALIDATION_FAILED; too big -> 413; a body without a JSON content type -> 415.
 */
export function jsonBody(options: { maxBytes: number; required?: boolean }): HttpMiddleware {
  return {
    before: (request) => {
      const { event } = request;
      const raw = event.body ?? '';
      const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
      if (bytes.byteLength > options.maxBytes) {
        throw httpError('PAYLOAD_TOO_LARGE', `Body is larger than ${options.maxBytes} bytes`);
      }
      if (bytes.byteLength === 0) {
        if (options.required !== false) throw httpError('VALIDATION_FAILED', 'A JSON body is required');
        return;
      }
      // A body must say it is JSON: a missing type is what a cross-site no-cors fetch or form sends.
      const type = event.headers?.['content-type'] ?? '';
      if (!/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(type)) {
        throw httpError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
      }
      let body: unknown;
      try {
        body = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw httpError('VALIDATION_FAILED', 'Body is not valid JSON', {
          fields: [{ field: '(body)', message: 'not valid JSON' }],
        });
      }
      refuseUnstorable(unstorableFields(body));
      ctx(request.context).body = body;
    },
  };
}

/** Seconds a refused caller (WorkOS, a browser) should wait before retrying a NOT_CONFIGURED answer. */
export const NOT_CONFIGURED_RETRY_AFTER_SECONDS = 300;

/**
 * While a secret the function needs still holds its placeholder (`notConfigured`, from loadRuntime),
 * every request is answered 503 NOT_CONFIGURED with Retry-After and counted in the NotConfigured
 * metric; nothing else runs (no signature checked against a value anyone can read, no session).
 */
export function refuseUntilConfigured(metrics?: Metrics): HttpMiddleware {
  return {
    before: () => {
      emitMetric(metrics, 'NotConfigured', 1);
      throw httpError('NOT_CONFIGURED', 'This service is not configured yet; retry later', {
        headers: { 'retry-after': String(NOT_CONFIGURED_RETRY_AFTER_SECONDS) },
      });
    },
  };
}

export type HttpHandlerOptions = {
  /** Secret values still holding their placeholder (loadRuntime): any means refuse every request. */
  notConfigured?: readonly string[] | undefined;
  metrics?: Metrics | undefined;
  logger?: Logger;
  /** Restarted from the Lambda context on every invocation; bounds the outbound calls. */
  budget?: { start(context: Context): void } | undefined;
  /** Send HSTS (true outside local dev). */
  hsts: boolean;
  noStore?: boolean;
};

/**
 * Wraps a handler with the base stack every HTTP function shares: Lambda context in logs, request id
 * and cookies, security headers, error mapping, and query/path parameters PostgreSQL can store. Add route-specific middlewares with `.use()`.
 */
export function httpHandler(
  fn: (event: HttpEvent, context: HttpContext) => Promise<HttpResult>,
  options: HttpHandlerOptions,
) {
  const { budget } = options;
  const handler = middy<HttpEvent, HttpResult, Error, Context>((event: HttpEvent, context: Context) =>
    fn(event, ctx(context)),
  );
  if (budget) handler.before((request) => budget.start(request.context));
  if (options.logger) handler.use(injectLambdaContext(options.logger, { resetKeys: true }));
  handler
    .use(securityHeaders({ hsts: options.hsts, noStore: options.noStore }))
    .use(errorHandler(options.logger))
    .use(requestContext(options.logger))
    .use(refuseHostileParameters());
  if (options.notConfigured?.length) handler.use(refuseUntilConfigured(options.metrics));
  return handler;
}
