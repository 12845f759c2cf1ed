import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ErrorCode, FieldIssue } from './errors';

export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  headers: Record<string, string | number | boolean>;
};

type Extras = { headers?: Record<string, string>; cookies?: string[] };

function result(
  statusCode: number,
  body: string | undefined,
  contentType: string | undefined,
  extras: Extras,
) {
  const response: HttpResult = {
    statusCode,
    headers: { ...(contentType ? { 'content-type': contentType } : {}), ...extras.headers },
  };
  if (body !== undefined) response.body = body;
  if (extras.cookies?.length) response.cookies = extras.cookies;
  return response;
}

/** `{ success: true, data }` — the envelope every JSON success uses. */
export function ok(data: unknown, extras: Extras & { status?: number } = {}): HttpResult {
  return result(
    extras.status ?? 200,
    JSON.stringify({ success: true, data }),
    'application/json; charset=utf-8',
    extras,
  );
}

/** `{ success: false, error: { message, code, fields? } }` */
export function fail(
  status: number,
  code: ErrorCode,
  message: string,
  extras: Extras & { fields?: FieldIssue[] | undefined } = {},
): HttpResult {
  const error: Record<string, unknown> = { message, code };
  if (extras.fields?.length) error.fields = extras.fields;
  return result(status, JSON.stringify({ success: false, error }), 'application/json; charset=utf-8', extras);
}

export function redirect(location: string, extras: Extras & { status?: 302 | 303 } = {}): HttpResult {
  return result(extras.status ?? 302, undefined, undefined, {
    ...extras,
    headers: { location, ...extras.headers },
  });
}

export function html(body: string, extras: Extras & { status?: number } = {}): HttpResult {
  return result(extras.status ?? 200, body, 'text/html; charset=utf-8', extras);
}

/** Plain JSON without the envelope (for machine callers such as WorkOS webhooks). */
export function json(status: number, body: unknown, extras: Extras = {}): HttpResult {
  return result(status, JSON.stringify(body), 'application/json; charset=utf-8', extras);
}
