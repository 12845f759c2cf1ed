import { describe, expect, it } from 'vitest';
import { httpError, httpHandler, jsonBody, ok, parseCookies } from '../../../packages/http/src/index';
import { httpEvent, lambdaContext } from '../../support/events';

const echo = (hsts = true) =>
  httpHandler(async (_event, context) => ok({ body: context.body ?? null, cookies: context.cookies }), {
    hsts,
  });

describe('httpHandler base stack', () => {
  it('wraps data in the success envelope with security headers and the request id', async () => {
    const event = httpEvent({ cookies: ['a=1', 'b=two%20words'] });
    const res = await echo()(event, lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body as string)).toEqual({
      success: true,
      data: { body: null, cookies: { a: '1', b: 'two words' } },
    });
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'strict-transport-security': expect.stringContaining('max-age='),
      'x-request-id': event.requestContext.requestId,
    });
  });

  it('omits HSTS when serving plain http locally', async () => {
    const res = await echo(false)(httpEvent(), lambdaContext());
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('maps an HttpError to its status and code, headers included', async () => {
    const handler = httpHandler(
      async () => {
        throw httpError('FORBIDDEN', 'Not a member');
      },
      { hsts: true },
    );
    const res = await handler(httpEvent(), lambdaContext());
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body as string)).toEqual({
      success: false,
      error: { code: 'FORBIDDEN', message: 'Not a member' },
    });
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('hides an unexpected error behind a generic 500', async () => {
    const handler = httpHandler(
      async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.1:5432 password=hunter2');
      },
      { hsts: true },
    );
    const res = await handler(httpEvent(), lambdaContext());
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
    expect(JSON.parse(res.body as string).error).toEqual({
      code: 'INTERNAL_ERROR',
      message: 'Internal server error',
    });
  });
});

describe('jsonBody', () => {
  const handler = echo().use(jsonBody({ maxBytes: 64 }));
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    handler(httpEvent({ method: 'POST', body, headers }), lambdaContext());

  it('parses JSON into the context', async () => {
    const res = await post('{"a":1}');
    expect(JSON.parse(res.body as string).data.body).toEqual({ a: 1 });
  });

  it('decodes a base64 body', async () => {
    const res = await handler(
      httpEvent({
        method: 'POST',
        body: Buffer.from('{"b":2}').toString('base64'),
        isBase64Encoded: true,
        headers: { 'content-type': 'application/json' },
      }),
      lambdaContext(),
    );
    expect(JSON.parse(res.body as string).data.body).toEqual({ b: 2 });
  });

  it('answers 400 VALIDATION_FAILED for a body that is not JSON', async () => {
    const res = await post('{nope');
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body as string).error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 413 PAYLOAD_TOO_LARGE over the cap', async () => {
    const res = await post(JSON.stringify({ x: 'y'.repeat(100) }));
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body as string).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 415 for a form body', async () => {
    const res = await post('a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(415);
  });
});

describe('parseCookies', () => {
  it('reads the Cookie header when the cookies array is absent, first value wins', () => {
    expect(parseCookies({ headers: { cookie: 'a=1; a=2; b="q"; junk' } })).toEqual({ a: '1', b: 'q' });
  });
});

describe('httpHandler: the database unavailable', () => {
  const failing = (error: unknown) =>
    httpHandler(
      async () => {
        throw error;
      },
      { hsts: true },
    );

  it('answers a dropped connection with a retryable 503 DATABASE_UNAVAILABLE and Retry-After', async () => {
    const dropped = Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' });
    const wrapped = new Error('Failed query: select ...', { cause: dropped });
    const res = await failing(wrapped)(httpEvent(), lambdaContext());
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(JSON.parse(res.body as string).error.code).toBe('DATABASE_UNAVAILABLE');
  });

  it('keeps a socket error from another upstream (no query attached) a 500', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const res = await failing(reset)(httpEvent(), lambdaContext());
    expect(res.statusCode).toBe(500);
  });
});
