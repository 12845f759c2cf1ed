import { revokedSessions, users } from '@app/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, bodyOf, cookiePair, type Harness, setCookie, startHarness } from '../../support/auth';

// Weakness 3: cross-site and sibling-origin requests could change state with the user's cookie.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const EVIL = 'https://evil.test';
const SIBLING = 'https://sibling.example.com';

async function snapshot(workosId: string) {
  const [user] = await h.db.select().from(users).where(eq(users.workosId, workosId));
  const revoked = await h.db.select().from(revokedSessions);
  return { user, revoked: revoked.length };
}

describe('state-changing routes refuse other origins with 403 ORIGIN_REFUSED', () => {
  it('a cross-site form POST to /auth/logout does not sign the user out', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const before = await snapshot('user_solo');
    const res = await h.main.auth({
      method: 'POST',
      path: '/auth/logout',
      headers: { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
      cookies: [cookie!],
      body: '',
    });
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error?.code).toBe('ORIGIN_REFUSED');
    expect(setCookie(res, 'wos-session=')).toBeUndefined();
    expect(await snapshot('user_solo')).toEqual(before);
    expect((await h.main.me({ path: '/me', cookies: [cookie!] })).statusCode).toBe(200);
  });

  it('a sibling subdomain’s no-cors fetch cannot switch the organization, nor a page without Origin', async () => {
    const { cookie } = await h.signIn('multi@example.com', { organizationId: 'org_acme' });
    const body = JSON.stringify({ organizationId: 'org_globex' });
    for (const headers of <Record<string, string>[]>[
      { origin: SIBLING, 'content-type': 'text/plain;charset=UTF-8' },
      { origin: 'null' },
      { origin: '' },
      { origin: '', referer: `${EVIL}/page` },
    ]) {
      const res = await h.main.auth({
        method: 'POST',
        path: '/auth/switch-organization',
        headers,
        body,
        cookies: [cookie!],
      });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(bodyOf(res).error?.code).toBe('ORIGIN_REFUSED');
      expect(res.cookies ?? []).toEqual([]);
    }
    const me = await h.main.me({ path: '/me', cookies: [cookie!] });
    expect(bodyOf(me).data.session.organizationId).toBe('org_acme');
  });

  it('PATCH /me from another site changes nothing', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const before = await snapshot('user_solo');
    const res = await h.main.me({
      method: 'PATCH',
      path: '/me',
      headers: { origin: EVIL, 'content-type': 'application/json' },
      body: JSON.stringify({ bio: 'pwned' }),
      cookies: [cookie!],
    });
    expect(res.statusCode).toBe(403);
    expect(await snapshot('user_solo')).toEqual(before);
  });

  it('accepts the app’s origin, the API’s own origin, and a Referer from the app when Origin is absent', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    for (const headers of <Record<string, string>[]>[
      { origin: APP_ORIGIN },
      { origin: 'https://api.example.com' },
      { origin: '', referer: `${APP_ORIGIN}/settings?tab=1` },
    ]) {
      const res = await h.main.me({
        method: 'PATCH',
        path: '/me',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ bio: 'hello' }),
        cookies: [cookie!],
      });
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
    }
  });
});

describe('JSON routes need Content-Type: application/json (415 otherwise)', () => {
  it('switch-organization with a JSON body but no or another content type is 415 and switches nothing', async () => {
    const { cookie } = await h.signIn('multi@example.com', { organizationId: 'org_acme' });
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const res = await h.main.auth({
        method: 'POST',
        path: '/auth/switch-organization',
        headers: type ? { 'content-type': type } : {},
        body: JSON.stringify({ organizationId: 'org_globex' }),
        cookies: [cookie!],
      });
      expect(res.statusCode, String(type)).toBe(415);
      expect(bodyOf(res).error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const me = await h.main.me({ path: '/me', cookies: [cookie!] });
    expect(bodyOf(me).data.session.organizationId).toBe('org_acme');
  });

  it('PATCH /me without a content type is 415', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const res = await h.main.me({ method: 'PATCH', path: '/me', body: '{"bio":"x"}', cookies: [cookie!] });
    expect(res.statusCode).toBe(415);
  });
});

describe('the session cookie', () => {
  it('is __Host-wos-session (Secure, Path=/, no Domain) when host-only, and only that name is read', async () => {
    const hostOnly = h.instance({ sessions: { cookie: { secure: true } } });
    const flow = await h.startLogin({ loginHint: 'solo@example.com' }, hostOnly);
    const res = await hostOnly.auth({
      path: '/auth/callback',
      query: flow.callbackQuery,
      cookies: [flow.verifier!],
    });
    const line = setCookie(res, '__Host-wos-session=');
    const [pair, ...attributes] = line?.split('; ') ?? [];
    expect(pair).toMatch(/^__Host-wos-session=Fe26\.2\*/);
    expect(attributes.map((a) => a.replace(/=\d+$/, '=N')).sort()).toEqual([
      'HttpOnly',
      'Max-Age=N',
      'Path=/',
      'SameSite=Lax',
      'Secure',
    ]);
    const cookie = cookiePair(res, '__Host-wos-session=')!;
    expect((await hostOnly.me({ path: '/me', cookies: [cookie] })).statusCode).toBe(200);
    const unprefixed = cookie.replace('__Host-', '');
    expect((await hostOnly.me({ path: '/me', cookies: [unprefixed] })).statusCode).toBe(401);
  });

  it('keeps the plain name when shared with subdomains (Domain set)', async () => {
    const { res } = await h.signIn('solo@example.com');
    expect(setCookie(res, 'wos-session=')).toMatch(/Domain=\.example\.com/);
  });
});
