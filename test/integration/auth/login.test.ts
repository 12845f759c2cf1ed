import { organizationMemberships, organizations, users } from '@app/db';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  bodyOf,
  cookiePair,
  type Harness,
  REDIRECT_URI,
  setCookie,
  startHarness,
} from '../../support/auth';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const userCount = async () => (await h.db.select({ n: count() }).from(users))[0]?.n ?? 0;

describe('GET /auth/login', () => {
  it('redirects to WorkOS authorize with PKCE S256, sealed state and a per-flow HttpOnly verifier cookie', async () => {
    const res = await h.main.auth({
      path: '/auth/login',
      query: 'returnTo=/dashboard&organizationId=org_acme&screenHint=sign-up&loginHint=a%40b.c',
    });
    expect(res.statusCode).toBe(302);
    const url = new URL(String(res.headers.location));
    expect(url.origin).toBe(h.emulator.url);
    expect(url.pathname).toBe('/user_management/authorize');
    expect(url.searchParams.get('client_id')).toBe(h.emulator.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^Fe26\.2\*/);
    expect(url.searchParams.get('organization_id')).toBe('org_acme');
    expect(url.searchParams.get('screen_hint')).toBe('sign-up');
    expect(url.searchParams.get('login_hint')).toBe('a@b.c');
    const verifier = setCookie(res, 'wos-pkce-');
    expect(verifier).toMatch(/HttpOnly/);
    expect(verifier).toMatch(/SameSite=Lax/);
    expect(verifier).toMatch(/Max-Age=600/);
    expect(verifier).not.toContain(url.searchParams.get('code_challenge') as string);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('gives two concurrent login flows (two tabs) their own verifier cookies; both complete', async () => {
    const a = await h.startLogin({ loginHint: 'solo@example.com', returnTo: '/a' });
    const b = await h.startLogin({ loginHint: 'solo@example.com', returnTo: '/b' });
    expect(a.verifier?.split('=')[0]).not.toBe(b.verifier?.split('=')[0]);
    const cookies = [a.verifier as string, b.verifier as string];
    const resB = await h.main.auth({ path: '/auth/callback', query: b.callbackQuery, cookies });
    const resA = await h.main.auth({ path: '/auth/callback', query: a.callbackQuery, cookies });
    expect([resA.statusCode, resA.headers.location]).toEqual([302, '/a']);
    expect([resB.statusCode, resB.headers.location]).toEqual([302, '/b']);
  });

  it('rejects an unknown screenHint with VALIDATION_FAILED', async () => {
    const res = await h.main.auth({ path: '/auth/login', query: 'screenHint=register' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error?.code).toBe('VALIDATION_FAILED');
  });
});

describe('GET /auth/callback', () => {
  it('sets the session cookie, upserts the user with lastLoginAt and redirects to returnTo', async () => {
    const { res, cookie } = await h.signIn('solo@example.com', { returnTo: '/welcome?x=1' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/welcome?x=1');
    const session = setCookie(res, 'wos-session=') as string;
    expect(session).toMatch(/; Path=\/;/);
    expect(session).toMatch(/; Domain=\.example\.com;/);
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/^wos-session=Fe26\.2\*/);
    // The verifier cookie of this flow is cleared.
    expect(setCookie(res, 'wos-pkce-')).toMatch(/Max-Age=0/);
    const [row] = await h.db.select().from(users).where(eq(users.workosId, 'user_solo'));
    expect(row).toMatchObject({ email: 'solo@example.com', firstName: 'Solo', lastName: 'User' });
    expect(row?.lastLoginAt).toBeInstanceOf(Date);
    expect(row?.workosUpdatedAt).toBeInstanceOf(Date);
  });

  it('keeps an absolute returnTo on an allowed origin and drops any other', async () => {
    const allowed = await h.signIn('solo@example.com', { returnTo: `${APP_ORIGIN}/x` });
    expect(allowed.res.headers.location).toBe(`${APP_ORIGIN}/x`);
    const evil = await h.signIn('solo@example.com', { returnTo: 'https://evil.com/x' });
    expect(evil.res.headers.location).toBe('/');
  });

  it('upserts the organization and the membership with its role for an organization-scoped login', async () => {
    const { res } = await h.signIn('admin@acme.test');
    expect(res.statusCode).toBe(302);
    const rows = await h.db
      .select({ org: organizations, membership: organizationMemberships })
      .from(organizationMemberships)
      .innerJoin(organizations, eq(organizations.id, organizationMemberships.organizationId))
      .innerJoin(users, eq(users.id, organizationMemberships.userId))
      .where(eq(users.workosId, 'user_admin'));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.org).toMatchObject({ workosOrgId: 'org_acme', name: 'Acme Corp', slug: 'acme-corp' });
    expect(rows[0]?.membership).toMatchObject({ role: 'ADMIN', roleSlug: 'admin', status: 'active' });
    expect(rows[0]?.membership.workosMembershipId).toMatch(/^om_/);
  });

  describe('refuses, with a documented code, no session cookie and no database write', () => {
    const expectRefused = async (
      res: Awaited<ReturnType<typeof h.main.auth>>,
      status: number,
      code: string,
    ) => {
      expect(res.statusCode).toBe(status);
      expect(bodyOf(res).error?.code).toBe(code);
      expect(setCookie(res, 'wos-session=')).toBeUndefined();
    };

    it('a missing or tampered state', async () => {
      const before = await userCount();
      const flow = await h.startLogin({ loginHint: 'outsider@example.com' });
      const noState = new URLSearchParams(flow.callbackQuery);
      noState.delete('state');
      await expectRefused(
        await h.main.auth({ path: '/auth/callback', query: noState.toString(), cookies: [flow.verifier!] }),
        400,
        'INVALID_STATE',
      );
      const tampered = new URLSearchParams(flow.callbackQuery);
      tampered.set('state', `${tampered.get('state')?.slice(0, -8)}AAAAAAAA`);
      await expectRefused(
        await h.main.auth({ path: '/auth/callback', query: tampered.toString(), cookies: [flow.verifier!] }),
        400,
        'INVALID_STATE',
      );
      expect(await userCount()).toBe(before);
    });

    it('a callback without this flow’s verifier cookie (another browser, or another flow)', async () => {
      const before = await userCount();
      const mine = await h.startLogin({ loginHint: 'outsider@example.com' });
      const other = await h.startLogin({ loginHint: 'outsider@example.com' });
      await expectRefused(
        await h.main.auth({ path: '/auth/callback', query: mine.callbackQuery, cookies: [other.verifier!] }),
        400,
        'INVALID_STATE',
      );
      expect(await userCount()).toBe(before);
    });

    it('a verifier that does not match the code challenge', async () => {
      const before = await userCount();
      const mine = await h.startLogin({ loginHint: 'outsider@example.com' });
      const other = await h.startLogin({ loginHint: 'outsider@example.com' });
      // Other flow's verifier renamed to this flow's cookie name: state matches, PKCE does not.
      const name = mine.verifier!.split('=')[0];
      const forged = `${name}=${other.verifier!.slice(other.verifier!.indexOf('=') + 1)}`;
      const res = await h.main.auth({ path: '/auth/callback', query: mine.callbackQuery, cookies: [forged] });
      expect(res.statusCode).toBe(400);
      expect(['INVALID_STATE', 'INVALID_CODE']).toContain(bodyOf(res).error?.code);
      expect(setCookie(res, 'wos-session=')).toBeUndefined();
      expect(await userCount()).toBe(before);
    });

    it('a reused code', async () => {
      const flow = await h.startLogin({ loginHint: 'solo@example.com' });
      const first = await h.main.auth({
        path: '/auth/callback',
        query: flow.callbackQuery,
        cookies: [flow.verifier!],
      });
      expect(first.statusCode).toBe(302);
      await expectRefused(
        await h.main.auth({ path: '/auth/callback', query: flow.callbackQuery, cookies: [flow.verifier!] }),
        400,
        'INVALID_CODE',
      );
    });

    it('error=access_denied from WorkOS', async () => {
      const before = await userCount();
      const flow = await h.startLogin({ loginHint: 'deny@example.com' });
      expect(flow.callbackUrl.searchParams.get('error')).toBe('access_denied');
      await expectRefused(
        await h.main.auth({ path: '/auth/callback', query: flow.callbackQuery, cookies: [flow.verifier!] }),
        400,
        'AUTHORIZATION_DENIED',
      );
      expect(await userCount()).toBe(before);
    });

    it('WorkOS unavailable during the code exchange', async () => {
      const flow = await h.startLogin({ loginHint: 'outsider@example.com' });
      h.emulator.faults.failNext('POST /user_management/authenticate', 1, 503);
      await expectRefused(
        await h.main.auth({ path: '/auth/callback', query: flow.callbackQuery, cookies: [flow.verifier!] }),
        503,
        'UPSTREAM_UNAVAILABLE',
      );
      const [row] = await h.db.select().from(users).where(eq(users.workosId, 'user_outsider'));
      expect(row).toBeUndefined();
    });
  });
});

describe('WorkOS sign-in requirements at the callback', () => {
  it('sends the browser back to /auth/login with the WorkOS code (e.g. email verification)', async () => {
    const flow = await h.startLogin({ loginHint: 'outsider@example.com', returnTo: '/next' });
    h.emulator.faults.failNext('POST /user_management/authenticate', 1, {
      status: 403,
      body: {
        code: 'email_verification_required',
        message: 'Email ownership must be verified before authentication.',
        pending_authentication_token: 'pending_x',
        email: 'outsider@example.com',
      },
    });
    const res = await h.main.auth({
      path: '/auth/callback',
      query: flow.callbackQuery,
      cookies: [flow.verifier!],
    });
    expect(res.statusCode).toBe(302);
    const location = new URL(String(res.headers.location), 'https://api.example.com');
    expect(location.pathname).toBe('/auth/login');
    expect(location.searchParams.get('error')).toBe('email_verification_required');
    expect(location.searchParams.get('returnTo')).toBe('/next');
    expect(setCookie(res, 'wos-session=')).toBeUndefined();
  });

  it('answers 429 RATE_LIMITED with Retry-After when WorkOS rate-limits the exchange', async () => {
    const flow = await h.startLogin({ loginHint: 'outsider@example.com' });
    h.emulator.faults.failNext('POST /user_management/authenticate', 1, {
      status: 429,
      retryAfterSeconds: 7,
    });
    const res = await h.main.auth({
      path: '/auth/callback',
      query: flow.callbackQuery,
      cookies: [flow.verifier!],
    });
    expect(res.statusCode).toBe(429);
    expect(bodyOf(res).error?.code).toBe('RATE_LIMITED');
    expect(res.headers['retry-after']).toBe('7');
  });
});

describe('organization selection at login', () => {
  it('shows a two-organization user the choice page, without a session cookie', async () => {
    const { res } = await h.signIn('multi@example.com', { returnTo: '/after' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('Acme Corp');
    expect(res.body).toContain('Globex');
    expect(res.body).toContain('action="/auth/select-organization"');
    expect(setCookie(res, 'wos-session=')).toBeUndefined();
    const pending = setCookie(res, 'wos-pending=') as string;
    expect(pending).toMatch(/HttpOnly/);
    expect(pending).toMatch(/Max-Age=600/);
    // The pending token is never in the page.
    expect(res.body).not.toMatch(/pending_authentication_token|Fe26/);
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
  });

  const choose = async (
    organizationId: string,
    tamper?: (csrf: string, cookie: string) => [string, string],
  ) => {
    const { res } = await h.signIn('multi@example.com', { returnTo: '/after' });
    let csrf = /name="csrf" value="([^"]+)"/.exec(String(res.body))?.[1] as string;
    let pending = cookiePair(res, 'wos-pending=') as string;
    if (tamper) [csrf, pending] = tamper(csrf, pending);
    return h.main.auth({
      method: 'POST',
      path: '/auth/select-organization',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, organizationId }).toString(),
      cookies: [pending],
    });
  };

  it('completes the login scoped to the organization posted', async () => {
    const res = await choose('org_globex');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/after');
    const session = cookiePair(res, 'wos-session=') as string;
    expect(setCookie(res, 'wos-pending=')).toMatch(/Max-Age=0/);
    const me = await h.main.me({ path: '/me', cookies: [session] });
    expect(me.statusCode).toBe(200);
    expect(bodyOf(me).data.session).toMatchObject({ organizationId: 'org_globex', role: 'admin' });
  });

  it('refuses an organization the user does not belong to', async () => {
    const res = await choose('org_initech');
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error?.code).toBe('ORGANIZATION_SELECTION_INVALID');
    expect(setCookie(res, 'wos-session=')).toBeUndefined();
  });

  it('refuses a tampered pending cookie, a wrong CSRF token and a missing cookie', async () => {
    const tampered = await choose('org_globex', (csrf, cookie) => [csrf, `${cookie.slice(0, -6)}AAAAAA`]);
    expect(bodyOf(tampered).error?.code).toBe('ORGANIZATION_SELECTION_INVALID');
    const wrongCsrf = await choose('org_globex', (_csrf, cookie) => ['not-the-token', cookie]);
    expect(bodyOf(wrongCsrf).error?.code).toBe('ORGANIZATION_SELECTION_INVALID');
    const missing = await h.main.auth({
      method: 'POST',
      path: '/auth/select-organization',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=x&organizationId=org_globex',
    });
    expect(missing.statusCode).toBe(400);
    expect(bodyOf(missing).error?.code).toBe('ORGANIZATION_SELECTION_INVALID');
    for (const res of [tampered, wrongCsrf, missing]) expect(setCookie(res, 'wos-session=')).toBeUndefined();
  });

  it('refuses an expired pending cookie', async () => {
    const later = h.instance({ sessions: { clock: () => Date.now() + 11 * 60_000 } });
    const { res } = await h.signIn('multi@example.com');
    const csrf = /name="csrf" value="([^"]+)"/.exec(String(res.body))?.[1] as string;
    const expired = await later.auth({
      method: 'POST',
      path: '/auth/select-organization',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, organizationId: 'org_globex' }).toString(),
      cookies: [cookiePair(res, 'wos-pending=') as string],
    });
    expect(expired.statusCode).toBe(400);
    expect(bodyOf(expired).error?.code).toBe('ORGANIZATION_SELECTION_INVALID');
  });

  it('never shows the page when the login named one of the user’s organizations', async () => {
    const { res } = await h.signIn('multi@example.com', { organizationId: 'org_acme', returnTo: '/acme' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/acme');
    const me = await h.main.me({ path: '/me', cookies: [cookiePair(res, 'wos-session=') as string] });
    expect(bodyOf(me).data.session).toMatchObject({ organizationId: 'org_acme', role: 'member' });
  });
});

describe('POST /auth/logout', () => {
  it('clears the cookie (same Domain and Path) and sends the browser to the WorkOS logout URL with the session id', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const res = await h.main.auth({ method: 'POST', path: '/auth/logout', cookies: [cookie!] });
    expect(res.statusCode).toBe(303);
    const url = new URL(String(res.headers.location));
    expect(url.pathname).toBe('/user_management/sessions/logout');
    expect(url.searchParams.get('session_id')).toMatch(/^session_/);
    const cleared = setCookie(res, 'wos-session=') as string;
    expect(cleared).toMatch(/^wos-session=; /);
    expect(cleared?.split('; ')).toEqual(
      expect.arrayContaining(['Path=/', 'Domain=.example.com', 'Max-Age=0']),
    );
  });

  it('answers JSON {logoutUrl} when asked for JSON', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const res = await h.main.auth({
      method: 'POST',
      path: '/auth/logout',
      headers: { accept: 'application/json' },
      cookies: [cookie!],
    });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).data.logoutUrl).toContain('/user_management/sessions/logout?session_id=session_');
    const withReturn = await h.main.auth({
      method: 'POST',
      path: '/auth/logout',
      query: `returnTo=${encodeURIComponent(`${APP_ORIGIN}/bye`)}`,
      headers: { accept: 'application/json' },
      cookies: [cookie!],
    });
    expect(new URL(bodyOf(withReturn).data.logoutUrl).searchParams.get('return_to')).toBe(
      `${APP_ORIGIN}/bye`,
    );
    expect(setCookie(res, 'wos-session=')).toMatch(/Max-Age=0/);
  });

  it('works with an expired access token', async () => {
    h.emulator.setAccessTokenTtlSeconds(-60); // issued already expired
    const { cookie } = await h.signIn('solo@example.com');
    h.emulator.setAccessTokenTtlSeconds(300);
    const res = await h.main.auth({ method: 'POST', path: '/auth/logout', cookies: [cookie!] });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers.location)).toContain('session_id=session_');
  });

  it('without a session goes to returnTo, or /', async () => {
    const plain = await h.main.auth({ method: 'POST', path: '/auth/logout' });
    expect([plain.statusCode, plain.headers.location]).toEqual([303, '/']);
    const back = await h.main.auth({ method: 'POST', path: '/auth/logout', query: 'returnTo=/bye' });
    expect(back.headers.location).toBe('/bye');
    expect(setCookie(back, 'wos-session=')).toMatch(/Max-Age=0/);
  });
});

describe('auth responses', () => {
  it('carry security headers and Cache-Control: no-store, errors included', async () => {
    const responses = [
      await h.main.auth({ path: '/auth/login' }),
      await h.main.auth({ path: '/auth/callback' }),
      await h.main.auth({ method: 'POST', path: '/auth/logout' }),
      await h.main.auth({ path: '/auth/nope' }),
    ];
    for (const res of responses) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
        'strict-transport-security': expect.stringContaining('max-age='),
      });
      expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    }
    expect(responses[3]?.statusCode).toBe(404);
  });
});
