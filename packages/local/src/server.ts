import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { HttpFunction, Route } from '../../../infra/routes';
import { toHttpApiEvent, writeHttpApiResult } from './adapter';
import { makeRouter } from './router';

export type HttpLambda = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export type LocalApiOptions = {
  routes: readonly Route[];
  /** Resolves a function's handler (lazily imported so env is set before its module scope runs). */
  handler: (fn: HttpFunction) => Promise<HttpLambda>;
  /** Static files served for GET requests no route matches (the demo front end). */
  staticDir?: string;
  /** API Gateway's default payload limit is 10 MB. */
  maxBodyBytes?: number;
  onError?: (error: unknown) => void;
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function lambdaContext(functionName: string, timeoutMs = 29_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function serveStatic(dir: string, urlPath: string, res: ServerResponse): Promise<boolean> {
  const relative = urlPath === '/' ? 'index.html' : decodeURIComponent(urlPath).replace(/^\/+/, '');
  const file = path.resolve(dir, relative);
  if (!file.startsWith(path.resolve(dir) + path.sep)) return false;
  try {
    const content = await readFile(file);
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // A meta-tag CSP cannot forbid framing: the demo page refuses to be embedded here.
      'x-frame-options': 'DENY',
      'content-security-policy': "frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
    });
    res.end(content);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serves every route of the route table as API Gateway would: each request becomes an HTTP API v2
 * event for the route's function, and the result is mapped back. Unmatched requests get API
 * Gateway's own `{"message":"Not Found"}` 404.
 */
export function createLocalApi(options: LocalApiOptions): Server {
  const route = makeRouter(options.routes);
  const limit = options.maxBodyBytes ?? 10 * 1024 * 1024;
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const match = route(req.method ?? 'GET', url.pathname);
      if (match.kind !== 'found') {
        if (
          req.method === 'GET' &&
          options.staticDir &&
          (await serveStatic(options.staticDir, url.pathname, res))
        )
          return;
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
        return;
      }
      const body = await readBody(req, limit);
      if (body === null) {
        res
          .writeHead(413, { 'content-type': 'application/json' })
          .end('{"message":"Request Entity Too Large"}');
        return;
      }
      const event = toHttpApiEvent(req, body, match);
      const handler = await options.handler(match.route.fn);
      const result = await handler(event, lambdaContext(match.route.fn));
      writeHttpApiResult(res, result);
    } catch (error) {
      options.onError?.(error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
      }
    }
  });
}
