import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

/** Content types API Gateway passes as text; everything else arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|([a-z.+-]+\+json)|x-www-form-urlencoded|xml|javascript))/i;

export type MatchedRoute = { routeKey: string; pathParameters?: Record<string, string> };

/**
 * Turns a Node request into an HTTP API payload 2.0 event the way API Gateway builds it:
 * lower-case headers with repeated values comma-joined, cookies moved from the Cookie header
 * into the `cookies` array, the raw query string kept, repeated query keys comma-joined, the body
 * untouched (text as is, anything else base64).
 */
export function toHttpApiEvent(
  req: IncomingMessage,
  body: Buffer,
  route: MatchedRoute,
  options: { sourceIp?: string; stage?: string } = {},
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  let cookies: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'cookie') {
      cookies ??= [];
      for (const part of value.split(';')) if (part.trim()) cookies.push(part.trim());
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const rawQueryString = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  let queryStringParameters: Record<string, string> | undefined;
  for (const [key, value] of url.searchParams) {
    queryStringParameters ??= {};
    queryStringParameters[key] =
      key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
  }
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  const method = (req.method ?? 'GET').toUpperCase();
  const host = headers.host ?? 'localhost';
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host.split(':')[0] ?? host,
      domainPrefix: (host.split('.')[0] ?? host).split(':')[0] ?? host,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: options.sourceIp ?? req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: options.stage ?? '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: !isText,
  };
  if (cookies) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (route.pathParameters && Object.keys(route.pathParameters).length)
    event.pathParameters = route.pathParameters;
  if (body.length) event.body = isText ? body.toString('utf8') : body.toString('base64');
  return event;
}

/**
 * Writes a Lambda result back the way API Gateway does: a structured result keeps its status,
 * headers and one Set-Cookie per `cookies` entry; a bare string or object becomes a 200 JSON body.
 */
export function writeHttpApiResult(res: ServerResponse, result: APIGatewayProxyResultV2 | undefined) {
  if (result === undefined || result === null) {
    res.writeHead(200, { 'content-type': 'application/json' }).end('');
    return;
  }
  if (typeof result === 'string' || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body
    ? result.isBase64Encoded
      ? Buffer.from(result.body, 'base64')
      : Buffer.from(result.body, 'utf8')
    : undefined;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}
