import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../../infra/routes';
import { createLocalApi, type HttpLambda } from '../../../packages/local/src/index';

const routes: Route[] = [
  { method: 'POST', path: '/webhooks/workos', fn: 'webhook' },
  { method: 'GET', path: '/me', fn: 'me' },
  { method: 'GET', path: '/organizations/{slug}/members', fn: 'organizations' },
];

let seen: APIGatewayProxyEventV2[] = [];
const echo: HttpLambda = async (event) => {
  seen.push(event);
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '');
  return {
    statusCode: 201,
    headers: {
      'x-hmac': createHmac('sha256', 'secret').update(raw).digest('hex'),
      'content-type': 'text/plain',
    },
    cookies: ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Max-Age=0'],
    body: 'done',
  };
};

let base: string;
const server = createLocalApi({ routes, handler: async () => echo });
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('local API Gateway adapter', () => {
  it('keeps a JSON body byte for byte, so a signature over it still verifies', async () => {
    seen = [];
    const body = '{"b": 1,  "a":"ünïcødé \\u2028"}\n';
    const res = await fetch(`${base}/webhooks/workos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-hmac')).toBe(createHmac('sha256', 'secret').update(body).digest('hex'));
    expect(seen[0]?.body).toBe(body);
    expect(seen[0]?.isBase64Encoded).toBe(false);
    expect(seen[0]?.routeKey).toBe('POST /webhooks/workos');
    expect(seen[0]?.requestContext.http).toMatchObject({ method: 'POST', path: '/webhooks/workos' });
  });

  it('base64-encodes a binary body', async () => {
    seen = [];
    const bytes = Buffer.from([0, 255, 1, 254, 10]);
    const res = await fetch(`${base}/webhooks/workos`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.headers.get('x-hmac')).toBe(createHmac('sha256', 'secret').update(bytes).digest('hex'));
    expect(seen[0]?.isBase64Encoded).toBe(true);
  });

  it('returns each cookie of the result as its own Set-Cookie header', async () => {
    const res = await fetch(`${base}/me`);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/; Max-Age=0']);
  });

  it('moves request cookies into the cookies array and lower-cases headers', async () => {
    seen = [];
    await fetch(`${base}/me`, { headers: { Cookie: 'wos-session=abc; theme=dark', 'X-Custom': 'One' } });
    const event = seen[0]!;
    expect(event.cookies).toEqual(['wos-session=abc', 'theme=dark']);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers['x-custom']).toBe('One');
  });

  it('keeps the raw query string and comma-joins repeated keys, as API Gateway does', async () => {
    seen = [];
    await fetch(`${base}/me?tag=a&tag=b&returnTo=%2Fhome%3Fx%3D1`);
    const event = seen[0]!;
    expect(event.rawQueryString).toBe('tag=a&tag=b&returnTo=%2Fhome%3Fx%3D1');
    expect(event.queryStringParameters).toEqual({ tag: 'a,b', returnTo: '/home?x=1' });
  });

  it('comma-joins a repeated request header', async () => {
    seen = [];
    const { request } = await import('node:http');
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}/me`, { headers: { 'x-forwarded-for': ['1.1.1.1', '2.2.2.2'] } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    expect(seen[0]?.headers['x-forwarded-for']).toBe('1.1.1.1,2.2.2.2');
  });

  it('fills path parameters from the route template', async () => {
    seen = [];
    await fetch(`${base}/organizations/acme-inc/members?limit=5`);
    expect(seen[0]?.pathParameters).toEqual({ slug: 'acme-inc' });
    expect(seen[0]?.routeKey).toBe('GET /organizations/{slug}/members');
  });

  it("answers API Gateway's 404 for an unknown route", async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not Found' });
  });
});

describe('local static files', () => {
  it('serves the demo front end with headers that forbid framing', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/static-`);
    await writeFile(`${dir}/index.html`, '<!doctype html><title>demo</title>');
    const staticServer = createLocalApi({ routes, handler: async () => echo, staticDir: dir });
    await new Promise<void>((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(staticServer.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect((await fetch(`${url}/../../etc/passwd`)).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => staticServer.close(() => resolve()));
    }
  });
});
