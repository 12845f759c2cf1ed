import { organizations } from '@app/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, cookiePair, startEntryEnvironment } from '../../support/auth';
import { httpEvent, lambdaContext } from '../../support/events';

let stop: () => Promise<void>;
beforeAll(async () => {
  const entry = await startEntryEnvironment({ TENANT_BASE_DOMAIN: 'tenants.test' });
  stop = entry.stop;
  // The organization is known locally (synced) before anyone signs in from its subdomain.
  await entry.t.db
    .insert(organizations)
    .values({ workosOrgId: 'org_acme', name: 'Acme Corp', slug: 'acme-corp' });
});
afterAll(() => stop());

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
