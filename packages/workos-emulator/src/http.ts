import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '@app/http/html';
import { EmulatorHttpError } from './errors';

export type Request = {
  method: string;
  url: URL;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  params: Record<string, string>;
};

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; html: string; headers?: Record<string, string> }
  | { status: number; redirect: string }
  | { status: number; empty: true };

export type Route = {
  method: string;
  pattern: string;
  /** 'api' = needs the API key as a bearer token; 'public' = browser or OAuth endpoints. */
  access: 'api' | 'public';
  handler: (req: Request) => Reply | Promise<Reply>;
};

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  json: body,
  ...(headers ? { headers } : {}),
});
export const html = (status: number, page: string): Reply => ({ status, html: page });
export const redirect = (location: string, status = 302): Reply => ({ status, redirect: location });
export const noContent = (): Reply => ({ status: 204, empty: true });

const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new EmulatorHttpError(413, { message: 'Request body too large.' });
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return {};
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('not an object');
    }
    return parsed as Record<string, unknown>;
  } catch {
    throw new EmulatorHttpError(400, {
      message: 'The request body must be a JSON object.',
      code: 'invalid_json',
    });
  }
}

export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined {
  const segments = path.split('/').filter(Boolean);
  const allowed: string[] = [];
  for (const route of routes) {
    const parts = route.pattern.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const segment = segments[i] as string;
      if (part.startsWith(':')) {
        try {
          params[part.slice(1)] = decodeURIComponent(segment);
        } catch {
          ok = false;
        }
      } else if (part !== segment) ok = false;
      if (!ok) break;
    }
    if (!ok) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}

export function send(res: ServerResponse, reply: Reply) {
  const base = { 'cache-control': 'no-store', 'x-request-id': `req_${Date.now().toString(36)}` };
  if ('redirect' in reply) {
    res.writeHead(reply.status, { ...base, location: reply.redirect });
    res.end();
  } else if ('html' in reply) {
    res.writeHead(reply.status, { ...base, 'content-type': 'text/html; charset=utf-8', ...reply.headers });
    res.end(reply.html);
  } else if ('json' in reply) {
    res.writeHead(reply.status, { ...base, 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.json));
  } else {
    res.writeHead(reply.status, base);
    res.end();
  }
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2430}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem} table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top;font-size:.9rem}
a.button,button{display:inline-block;padding:.45rem .9rem;border:1px solid #445;border-radius:6px;background:#fff;
color:#1f2430;text-decoration:none;cursor:pointer;font-size:.9rem} a.button.primary{background:#3b5bdb;color:#fff;border-color:#3b5bdb}
li{margin:.5rem 0} .muted{color:#667} form.inline{display:inline} input,select{font-size:.9rem;padding:.25rem}
.note{background:#fff7e0;border:1px solid #e8c96b;padding:.6rem;border-radius:6px}
</style></head><body>${body}</body></html>`;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
