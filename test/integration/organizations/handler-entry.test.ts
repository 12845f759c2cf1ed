import { organizations } from '@app/db';
import { startEmulator } from '@app/workos-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { httpEvent, lambdaContext } from '../../support/events';
import { authSeed, bodyOf, cookiePair } from '../auth/harness';

let t: TestDatabase;
let emulator: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  t = await createTestDatabase();
  emulator = await startEmulator({ seed: authSeed });
  // The organization is known locally (synced) before anyone signs in from its subdomain.
  await t.db.insert(organizations).values({ workosOrgId: 'org_acme', name: 'Acme Corp', slug: 'acme-corp' });
  Object.assign(process.env, {
    WORKOS_API_KEY: emulator.apiKey,
    WORKOS_CLIENT_ID: emulator.clientId,
    WORKOS_API_HOSTNAME: emulator.hostname,
    WORKOS_API_PORT: String(emulator.port),
    WORKOS_API_HTTPS: 'false',
    WORKOS_REDIRECT_URI: 'http://localhost:3000/auth/callback',
    SESSION_SECRET: 'entry-test-secret-entry-test-secret-0123',
    DATABASE_URL: t.url,
    APP_ENV: 'local',
    TENANT_BASE_DOMAIN: 'tenants.test',
  });
});
afterAll(async () => {
  await emulator.stop();
  await t.drop();
});

describe('functions/organizations/handler.ts and functions/auth/handler.ts with TENANT_BASE_DOMAIN', () => {
  it('sign in from a tenant subdomain, then read that organization there', async () => {
    const auth = (await import('../../../functions/auth/handler')).handler;
    const orgs = (await import('../../../functions/organizations/handler')).handler;
    const host = 'acme-corp.tenants.test';

    expect(
      (await orgs(httpEvent({ path: '/organizations', headers: { host } }), lambdaContext())).statusCode,
    ).toBe(401);

    const login = await auth(
      httpEvent({ path: '/auth/login', query: 'loginHint=admin%40acme.test', headers: { host } }),
      lambdaContext(),
    );
    const authorizeUrl = new URL(String(login.headers.location));
    expect(authorizeUrl.searchParams.get('organization_id')).toBe('org_acme');
    const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
    const callback = new URL(String(authorize.headers.get('location')));
    const done = await auth(
      httpEvent({
        path: '/auth/callback',
        query: callback.search.slice(1),
        cookies: [cookiePair(login, 'wos-pkce-')!],
      }),
      lambdaContext(),
    );
    expect(done.headers.location).toBe('http://acme-corp.tenants.test/'); // APP_ENV=local: http
    const cookie = cookiePair(done, 'wos-session=')!;

    const read = await orgs(
      httpEvent({
        path: '/organizations/acme-corp',
        routeKey: 'GET /organizations/{slug}',
        pathParameters: { slug: 'acme-corp' },
        headers: { host },
        cookies: [cookie],
      }),
      lambdaContext(),
    );
    expect(read.statusCode).toBe(200);
    expect(bodyOf(read).data).toMatchObject({ id: 'org_acme', slug: 'acme-corp', role: 'ADMIN' });
    const unknownRoute = await orgs(
      httpEvent({ path: '/organizations/x/y', cookies: [cookie] }),
      lambdaContext(),
    );
    expect(bodyOf(unknownRoute).error?.code).toBe('NOT_FOUND');
  });
});
