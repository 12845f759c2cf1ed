import { createDb } from '@app/db';
import type { Sessions } from '@app/session';
import { afterAll, describe, expect, it } from 'vitest';
import { makeAuthHandler } from '../../../functions/auth/app';
import { makeMeHandler } from '../../../functions/me/app';
import { makeNotificationsHandler } from '../../../functions/notifications/app';
import { makeOrganizationsHandler } from '../../../functions/organizations/app';
import { makeWebhookApp } from '../../../functions/webhook/app';
import { type HttpFunction, routeKey, routeKeysOf, routes } from '../../../infra/routes';
import { ok, RouteTableMismatchError, routeHandlers } from '../../../packages/http/src/index';
import { httpEvent, lambdaContext } from '../../support/events';

// Building an app only wires handlers and prepares statements: postgres.js connects on the first
// query, and nothing below sends one (nor calls WorkOS or SQS).
const client = createDb('postgres://nobody@127.0.0.1:9/never');
const db = client.db;
afterAll(() => client.sql.end());
const sessions = {
  cookiePassword: 'x'.repeat(32),
  cookieSettings: {},
  clock: () => new Date(),
} as unknown as Sessions;
const apps: Record<HttpFunction, () => { routes: readonly string[] }> = {
  auth: () =>
    makeAuthHandler({
      db,
      sessions,
      hsts: true,
      workos: {} as never,
      clientId: 'client_x',
      redirectUri: 'https://api.example.com/auth/callback',
    }),
  me: () => makeMeHandler({ db, sessions, hsts: true }),
  notifications: () => makeNotificationsHandler({ db, sessions, hsts: true }),
  organizations: () => makeOrganizationsHandler({ db, sessions, hsts: true, workos: {} as never }),
  webhook: () => makeWebhookApp({ sqs: {} as never, queueUrl: 'q', secret: 's' }),
};

describe('route table and handlers', () => {
  it.each(Object.keys(apps) as HttpFunction[])(
    'the %s function handles exactly its routes in infra/routes.ts',
    (fn) => {
      expect(apps[fn]().routes).toEqual(routes.filter((route) => route.fn === fn).map(routeKey));
    },
  );

  it('every route in the table belongs to a function with an app', () => {
    for (const route of routes) expect(Object.keys(apps)).toContain(route.fn);
  });

  it('refuses to build when a declared route has no handler', () => {
    const build = () =>
      routeHandlers(['GET /a', 'GET /b'], { 'GET /a': async () => ok({}) } as never, { hsts: true });
    expect(build).toThrow(RouteTableMismatchError);
    expect(build).toThrow(/no handler for GET \/b/);
  });

  it('refuses to build when a handler has no declared route', () => {
    const handlers = { 'GET /a': async () => ok({}), 'GET /stray': async () => ok({}) };
    expect(() => routeHandlers(['GET /a'], handlers, { hsts: true })).toThrow(
      /not in the route table: GET \/stray/,
    );
  });

  it('answers a routeKey it does not serve with 404 NOT_FOUND and the security headers', async () => {
    const handler = makeMeHandler({ db, sessions, hsts: true });
    const res = await handler(httpEvent({ routeKey: 'GET /nowhere' }), lambdaContext());
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body as string).error.code).toBe('NOT_FOUND');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves a declared route through its handler', async () => {
    const handler = makeMeHandler({ db, sessions, hsts: true });
    const res = await handler(httpEvent({ routeKey: routeKeysOf('me')[2] ?? '' }), lambdaContext());
    expect(JSON.parse(res.body as string)).toEqual({ success: true, data: { status: 'ok' } });
  });
});
