import type { HttpResult } from '@app/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authSeed, bodyOf, cookiePair, type Harness, startHarness } from '../../support/auth';

// Weaknesses 6 and 7: the pending organization choice carried every org id (90 orgs: 4.4 KB, dropped
// by Chromium), and each /auth/login added a PKCE cookie for 10 minutes (40 attempts: 431).
const ORG_COUNT = 90;
let h: Harness;
beforeAll(async () => {
  const orgs = Array.from({ length: ORG_COUNT }, (_, i) => ({
    id: `org_many${String(i).padStart(3, '0')}abcdefghijklmnop`,
    name: `Organization number ${i} with a fairly long name`,
  }));
  h = await startHarness({
    emulator: {
      seed: {
        ...authSeed,
        users: [
          ...(authSeed?.users ?? []),
          { id: 'user_many', email: 'many@example.com', firstName: 'Many' },
        ],
        organizations: [...(authSeed?.organizations ?? []), ...orgs],
        memberships: [
          ...(authSeed?.memberships ?? []),
          ...orgs.map((o) => ({ user: 'many@example.com', organization: o.name, role: 'member' })),
        ],
      },
    },
  });
});
afterAll(() => h.stop());

/** A browser's cookie jar for the API host: Set-Cookie lines applied in order (Max-Age=0 removes). */
function jar() {
  const cookies = new Map<string, string>();
  return {
    apply(res: HttpResult) {
      for (const line of res.cookies ?? []) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq);
        if (/Max-Age=0/.test(line)) cookies.delete(name);
        else cookies.set(name, pair.slice(eq + 1));
      }
    },
    pairs: () => [...cookies].map(([k, v]) => `${k}=${v}`),
    names: () => [...cookies.keys()],
  };
}

describe('PKCE verifier cookies', () => {
  it('stay bounded after 40 login attempts in one browser, and the latest flows still complete', async () => {
    const browser = jar();
    const logins: HttpResult[] = [];
    for (let i = 0; i < 40; i++) {
      // The browser sends its cookies with /auth/login (Path=/auth) and applies the answer.
      const login = await h.main.auth({
        path: '/auth/login',
        query: 'loginHint=solo%40example.com',
        cookies: browser.pairs(),
      });
      browser.apply(login);
      logins.push(login);
    }
    const pkce = browser.names().filter((n) => n.startsWith('wos-pkce-'));
    expect(pkce.length).toBeLessThanOrEqual(3);
    expect(browser.pairs().join('; ').length).toBeLessThan(4096);
    // The newest flow completes with the jar as the browser would send it.
    const last = logins.at(-1)!;
    const authorize = await fetch(String(last.headers.location), { redirect: 'manual' });
    const back = new URL(String(authorize.headers.get('location')));
    const res = await h.main.auth({
      path: '/auth/callback',
      query: back.search.slice(1),
      cookies: browser.pairs(),
    });
    expect(res.statusCode).toBe(302);
    expect(cookiePair(res, 'wos-session=')).toBeDefined();
  });
});

describe('the pending organization choice', () => {
  it(`stays small for a user in ${ORG_COUNT} organizations, and any of them can be chosen`, async () => {
    const { res } = await h.signIn('many@example.com');
    expect(res.statusCode).toBe(200);
    const line = (res.cookies ?? []).find((c) => c.startsWith('wos-pending='))!;
    expect(line.length).toBeLessThan(1024);
    const csrf = /name="csrf" value="([^"]+)"/.exec(String(res.body))?.[1] as string;
    const chosen = `org_many${String(ORG_COUNT - 1).padStart(3, '0')}abcdefghijklmnop`;
    const done = await h.main.auth({
      method: 'POST',
      path: '/auth/select-organization',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, organizationId: chosen }).toString(),
      cookies: [cookiePair(res, 'wos-pending=')!],
    });
    expect(done.statusCode).toBe(303);
    const me = await h.main.me({ path: '/me', cookies: [cookiePair(done, 'wos-session=')!] });
    expect(bodyOf(me).data.session.organizationId).toBe(chosen);
  });
});
