import { httpHandler, ok } from '@app/http';
import { organizationOf, requireOrganization, requireSession, tenantSelector } from '@app/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, cookiePair } from '../../support/auth';
import { httpEvent, lambdaContext } from '../../support/events';
import { API_HOST, type OrgHarness, startOrgHarness, TENANT_BASE } from '../../support/organizations';

let h: OrgHarness;
let adminCookie: string; // admin@acme.test: a member of Acme only
let multiCookie: string; // member@acme.test: Acme (MEMBER) and Globex (ADMIN), signed in to Acme

beforeAll(async () => {
  h = await startOrgHarness();
  adminCookie = await h.signInTo('admin@acme.test', 'org_acme');
  multiCookie = await h.signInTo('member@acme.test', 'org_acme');
});
afterAll(() => h.stop());

const tenant = (slug: string) => `${slug}.${TENANT_BASE}`;
const status = (res: { statusCode?: number; body?: string }) =>
  [res.statusCode, JSON.parse(String(res.body)).error?.code ?? null] as const;

describe('the organization API on tenant subdomains', () => {
  it('the same user sees each organization only on the subdomain of one they belong to', async () => {
    const onAcme = await h.call('GET', '/organizations/acme-corp', {
      cookie: adminCookie,
      host: tenant('acme-corp'),
    });
    expect(onAcme.statusCode).toBe(200);
    expect(bodyOf(onAcme).data).toMatchObject({ slug: 'acme-corp', role: 'ADMIN' });
    const onGlobex = await h.call('GET', '/organizations/globex', {
      cookie: adminCookie,
      host: tenant('globex'),
    });
    expect(status(onGlobex)).toEqual([403, 'FORBIDDEN']);
    const globexMembers = await h.call('GET', '/organizations/globex/members', {
      cookie: adminCookie,
      host: tenant('globex'),
    });
    expect(status(globexMembers)).toEqual([403, 'FORBIDDEN']);

    for (const slug of ['acme-corp', 'globex']) {
      const res = await h.call('GET', `/organizations/${slug}`, { cookie: multiCookie, host: tenant(slug) });
      expect([slug, res.statusCode]).toEqual([slug, 200]);
    }
  });

  it("a tenant's address never serves another organization, even to one of its members", async () => {
    for (const [method, path] of [
      ['GET', '/organizations/globex'],
      ['GET', '/organizations/globex/members'],
      ['PATCH', '/organizations/globex'],
    ] as const) {
      const res = await h.call(method, path, {
        cookie: multiCookie,
        host: tenant('acme-corp'),
        ...(method === 'PATCH' ? { body: { logoUrl: 'https://cdn.test/g.png' } } : {}),
      });
      expect([path, ...status(res)]).toEqual([path, 403, 'FORBIDDEN']);
    }
    // The same requests on the API's own host are fine for a Globex member.
    const direct = await h.call('GET', '/organizations/globex', { cookie: multiCookie });
    expect(direct.statusCode).toBe(200);
  });

  it('a Host not under TENANT_BASE_DOMAIN plays no part: the path alone names the organization', async () => {
    for (const host of [
      API_HOST,
      TENANT_BASE,
      'globex.evil.test',
      `globex.${TENANT_BASE}.evil.test`,
      `deep.globex.${TENANT_BASE}`,
      `globex_${TENANT_BASE}`,
    ]) {
      const res = await h.call('GET', '/organizations/acme-corp', { cookie: adminCookie, host });
      expect([host, res.statusCode]).toEqual([host, 200]);
    }
  });

  it('a spoofed X-Forwarded-Host (or Forwarded) is not trusted', async () => {
    const spoofs = (value: string) => ({
      'x-forwarded-host': value,
      forwarded: `host=${value}`,
      'x-original-host': value,
    });
    // Claiming a tenant the path does not name does not refuse the request...
    const claimed = await h.call('GET', '/organizations/acme-corp', {
      cookie: adminCookie,
      headers: spoofs(tenant('globex')),
    });
    expect(claimed.statusCode).toBe(200);
    // ...and claiming the right tenant does not lift the real Host's scope.
    const escaped = await h.call('GET', '/organizations/acme-corp', {
      cookie: adminCookie,
      host: tenant('globex'),
      headers: spoofs(tenant('acme-corp')),
    });
    expect(status(escaped)).toEqual([403, 'FORBIDDEN']);
  });
});

describe('requireOrganization with the tenant selector', () => {
  /** A route scoped by the Host (falling back to the session's organization). */
  const scoped = httpHandler(
    async (_event, context) => {
      const { organization, membership } = organizationOf(context);
      return ok({ slug: organization.slug, role: membership.role });
    },
    { hsts: true },
  );
  let route: typeof scoped;
  beforeAll(() => {
    route = scoped
      .use(requireSession({ sessions: h.main.sessions, db: h.db }))
      .use(requireOrganization({ db: h.db, select: tenantSelector(TENANT_BASE) }));
  });
  const get = (cookie: string, host: string, headers: Record<string, string> = {}) =>
    route(httpEvent({ path: '/x', cookies: [cookie], headers: { host, ...headers } }), lambdaContext());

  it('scopes the request to the Host tenant, whatever organization the session is in', async () => {
    const res = await get(multiCookie, tenant('globex'));
    expect(bodyOf(res).data).toEqual({ slug: 'globex', role: 'ADMIN' });
    const mixedCase = await get(multiCookie, 'Globex.App.Example.COM:443');
    expect(bodyOf(mixedCase).data).toEqual({ slug: 'globex', role: 'ADMIN' });
  });

  it('non-members of the Host tenant get 403, and unknown tenants look the same', async () => {
    expect(status(await get(adminCookie, tenant('globex')))).toEqual([403, 'FORBIDDEN']);
    expect(status(await get(adminCookie, tenant('nobody-here')))).toEqual([403, 'FORBIDDEN']);
  });

  it("off the tenant domain, or with only a forged X-Forwarded-Host, the session's organization applies", async () => {
    const plain = await get(multiCookie, API_HOST);
    expect(bodyOf(plain).data).toEqual({ slug: 'acme-corp', role: 'MEMBER' });
    const forged = await get(multiCookie, API_HOST, { 'x-forwarded-host': tenant('globex') });
    expect(bodyOf(forged).data).toEqual({ slug: 'acme-corp', role: 'MEMBER' });
  });
});

describe('signing in from a tenant subdomain', () => {
  const login = (host: string, query: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    h.call('GET', '/auth/login', { host, query: { loginHint: 'member@acme.test', ...query }, headers });
  const authorizeParam = (res: { headers: Record<string, unknown> }, name: string) =>
    new URL(String(res.headers.location)).searchParams.get(name);

  it("asks WorkOS for the tenant's organization", async () => {
    const res = await login(tenant('globex'));
    expect(res.statusCode).toBe(302);
    expect(authorizeParam(res, 'organization_id')).toBe('org_globex');
  });

  /** A whole sign-in started on `host`: the callback's response. */
  async function signInFrom(host: string, query: Record<string, string> = {}) {
    const start = await login(host, query);
    const authorize = await fetch(String(start.headers.location), { redirect: 'manual' });
    const callback = new URL(String(authorize.headers.get('location')));
    return h.call('GET', '/auth/callback', {
      query: Object.fromEntries(callback.searchParams),
      cookie: cookiePair(start, 'wos-pkce-'),
    });
  }

  it('completes a two-organization login scoped to the tenant, without the choice page, back on the tenant', async () => {
    const done = await signInFrom(tenant('globex'), { returnTo: '/dashboard?tab=1' });
    expect(done.statusCode).toBe(302);
    expect(done.headers['content-type']).toBeUndefined(); // a redirect, not the choice page
    expect(done.headers.location).toBe('https://globex.app.example.com/dashboard?tab=1');
    const session = cookiePair(done, 'wos-session=');
    expect(session).toBeDefined();
    const facts = await h.main.sessions.authenticate(session!.slice('wos-session='.length));
    expect(facts.facts.organizationId).toBe('org_globex');
  });

  it('keeps returnTo on the tenant origin, and sends anything else back to the tenant root', async () => {
    const cases: [string, string][] = [
      ['https://globex.app.example.com/settings', 'https://globex.app.example.com/settings'],
      ['https://acme-corp.app.example.com/', 'https://globex.app.example.com/'],
      ['//evil.test/', 'https://globex.app.example.com/'],
      // An allowed application origin stays allowed.
      ['https://app.example.com/welcome', 'https://app.example.com/welcome'],
    ];
    for (const [returnTo, location] of cases) {
      const done = await signInFrom(tenant('globex'), { returnTo });
      expect([returnTo, done.headers.location]).toEqual([returnTo, location]);
    }
  });

  it('an explicit organizationId wins over the tenant', async () => {
    const res = await login(tenant('globex'), { organizationId: 'org_acme' });
    expect(authorizeParam(res, 'organization_id')).toBe('org_acme');
  });

  it('names no organization off the tenant domain, for an unknown tenant, or from a forged X-Forwarded-Host', async () => {
    for (const res of [
      await login(API_HOST),
      await login(tenant('no-such-org')),
      await login(API_HOST, {}, { 'x-forwarded-host': tenant('globex') }),
    ]) {
      expect(res.statusCode).toBe(302);
      expect(authorizeParam(res, 'organization_id')).toBeNull();
    }
  });
});
