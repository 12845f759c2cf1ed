import { createDb, revokedSessions, users } from '@app/db';
import { decodeClaims, SESSION_COOKIE, unsealData } from '@app/session';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bodyOf,
  COOKIE_PASSWORD,
  cookiePair,
  type Harness,
  setCookie,
  startHarness,
} from '../../support/auth';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signs in with an access token issued already expired (a minute ago), so no test waits for expiry. */
async function expiredSession(email: string) {
  h.emulator.setAccessTokenTtlSeconds(-60);
  try {
    const { cookie } = await h.signIn(email);
    return cookie as string;
  } finally {
    h.emulator.setAccessTokenTtlSeconds(300);
  }
}

const sessionIdOf = async (cookie: string) => {
  const sealed = await unsealData<{ accessToken: string }>(
    cookie.slice(cookie.indexOf('=') + 1),
    COOKIE_PASSWORD,
  );
  return decodeClaims(sealed?.accessToken)?.sid as string;
};

describe('GET /me', () => {
  it('returns the user, memberships with their organizations and the session facts', async () => {
    const { cookie } = await h.signIn('admin@acme.test');
    const res = await h.main.me({ path: '/me', cookies: [cookie!] });
    expect(res.statusCode).toBe(200);
    const data = bodyOf(res).data;
    expect(data.user).toMatchObject({ workosId: 'user_admin', email: 'admin@acme.test', firstName: 'Ada' });
    expect(data.user.workosUpdatedAt).toBeUndefined();
    expect(data.memberships).toEqual([
      expect.objectContaining({
        role: 'ADMIN',
        roleSlug: 'admin',
        organization: expect.objectContaining({
          workosOrgId: 'org_acme',
          name: 'Acme Corp',
          slug: 'acme-corp',
        }),
      }),
    ]);
    expect(data.session).toMatchObject({
      id: expect.stringMatching(/^session_/),
      organizationId: 'org_acme',
      role: 'admin',
      permissions: ['members:read', 'members:write'],
      impersonator: null,
    });
    expect(setCookie(res, 'wos-session=')).toBeUndefined();
  });

  it('writes nothing on a read (updated_at and lastLoginAt unchanged)', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const [before] = await h.db.select().from(users).where(eq(users.workosId, 'user_solo'));
    await sleep(20);
    for (let i = 0; i < 3; i++)
      expect((await h.main.me({ path: '/me', cookies: [cookie!] })).statusCode).toBe(200);
    const [after] = await h.db.select().from(users).where(eq(users.workosId, 'user_solo'));
    expect(after?.updatedAt).toEqual(before?.updatedAt);
    expect(after?.lastLoginAt).toEqual(before?.lastLoginAt);
  });

  it('401 UNAUTHORIZED without a cookie', async () => {
    const res = await h.main.me({ path: '/me' });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error?.code).toBe('UNAUTHORIZED');
  });

  it('401 INVALID_SESSION for a tampered cookie or one sealed with another password, and clears it', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const tampered = `${cookie!.slice(0, 60)}x${cookie!.slice(61)}`;
    const foreign = h.instance({
      sessions: { cookiePassword: 'another-password-another-password-0123456789' },
    });
    const other = await h.signIn('solo@example.com', {}, foreign);
    for (const bad of [tampered, other.cookie!, `${SESSION_COOKIE}=garbage`]) {
      const res = await h.main.me({ path: '/me', cookies: [bad] });
      expect(res.statusCode).toBe(401);
      expect(bodyOf(res).error?.code).toBe('INVALID_SESSION');
      expect(setCookie(res, 'wos-session=')).toMatch(/Max-Age=0/);
    }
  });

  it('401 for a deactivated user', async () => {
    const { cookie } = await h.signIn('outsider@example.com');
    await h.db.update(users).set({ isActive: false }).where(eq(users.workosId, 'user_outsider'));
    const res = await h.main.me({ path: '/me', cookies: [cookie!] });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error?.code).toBe('UNAUTHORIZED');
    await h.db.update(users).set({ isActive: true }).where(eq(users.workosId, 'user_outsider'));
  });

  it('401 for a session WorkOS reported revoked, although its access token is unexpired', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    // Served once first, so this container has the cookie verified and cached.
    expect((await h.main.me({ path: '/me', cookies: [cookie!] })).statusCode).toBe(200);
    await h.db
      .insert(revokedSessions)
      .values({ sessionId: await sessionIdOf(cookie!), workosUserId: 'user_solo' });
    const res = await h.main.me({ path: '/me', cookies: [cookie!] });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error?.code).toBe('UNAUTHORIZED');
    expect(setCookie(res, 'wos-session=')).toMatch(/Max-Age=0/);
  });

  it('carries security headers and Cache-Control: no-store', async () => {
    for (const res of [await h.main.me({ path: '/me' }), await h.main.me({ path: '/health' })]) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
        'strict-transport-security': expect.stringContaining('max-age='),
      });
    }
  });
});

describe('session refresh', () => {
  it('refreshes an expired access token in the same response', async () => {
    const cookie = await expiredSession('solo@example.com');
    const grants = h.emulator.counts.refreshGrants;
    const res = await h.main.me({ path: '/me', cookies: [cookie] });
    expect(res.statusCode).toBe(200);
    const renewed = cookiePair(res, 'wos-session=') as string;
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(cookie);
    expect(setCookie(res, 'wos-session=')).toMatch(/HttpOnly; Secure; SameSite=Lax/);
    expect(h.emulator.counts.refreshGrants).toBe(grants + 1);
    const again = await h.main.me({ path: '/me', cookies: [renewed] });
    expect(again.statusCode).toBe(200);
    expect(setCookie(again, 'wos-session=')).toBeUndefined();
  });

  it('a terminal refresh failure (invalid_grant) is 401 and clears the cookie', async () => {
    const cookie = await expiredSession('solo@example.com');
    h.emulator.store.revokeSession(await sessionIdOf(cookie));
    const res = await h.main.me({ path: '/me', cookies: [cookie] });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error?.code).toBe('UNAUTHORIZED');
    expect(setCookie(res, 'wos-session=')).toMatch(/Max-Age=0/);
  });

  it('WorkOS 5xx or timeout while the token is still valid: 200 and the cookie kept', async () => {
    // A refresh buffer longer than the token lifetime: every request tries to refresh early.
    const eager = h.instance({ sessions: { refreshBufferSeconds: 3600 } });
    const { cookie } = await h.signIn('solo@example.com');
    h.emulator.faults.failNext('POST /user_management/authenticate', 1, 500);
    const res = await eager.me({ path: '/me', cookies: [cookie!] });
    expect(res.statusCode).toBe(200);
    expect(setCookie(res, 'wos-session=')).toBeUndefined();

    const slow = h.instance({ sessions: { refreshBufferSeconds: 3600 }, timeoutMs: 200 });
    h.emulator.faults.delayNext('POST /user_management/authenticate', 1, 600);
    const timedOut = await slow.me({ path: '/me', cookies: [cookie!] });
    expect(timedOut.statusCode).toBe(200);
    expect(setCookie(timedOut, 'wos-session=')).toBeUndefined();
    await sleep(500); // let the delayed emulator reply finish
  });

  it.each([400, 401, 404])(
    'a refresh refused with %i (not invalid_grant): served while the token is valid, else 503; the cookie kept',
    async (status) => {
      const eager = h.instance({ sessions: { refreshBufferSeconds: 3600 } });
      const { cookie } = await h.signIn('solo@example.com');
      h.emulator.faults.failNext('POST /user_management/authenticate', 1, {
        status,
        body: { code: 'unexpected_refusal', message: 'refused' },
      });
      const valid = await eager.me({ path: '/me', cookies: [cookie!] });
      expect(valid.statusCode).toBe(200);
      expect(setCookie(valid, 'wos-session=')).toBeUndefined();

      const expired = await expiredSession('solo@example.com');
      h.emulator.faults.failNext('POST /user_management/authenticate', 1, {
        status,
        body: { code: 'unexpected_refusal', message: 'refused' },
      });
      const res = await h.main.me({ path: '/me', cookies: [expired] });
      expect(res.statusCode).toBe(503);
      expect(bodyOf(res).error?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(setCookie(res, 'wos-session=')).toBeUndefined();
    },
  );

  it('WorkOS 5xx with an expired token: 503, cookie not cleared', async () => {
    const cookie = await expiredSession('solo@example.com');
    h.emulator.faults.failNext('POST /user_management/authenticate', 1, 502);
    const res = await h.main.me({ path: '/me', cookies: [cookie] });
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(setCookie(res, 'wos-session=')).toBeUndefined();
    // The refresh token was not spent: the next request refreshes.
    expect((await h.main.me({ path: '/me', cookies: [cookie] })).statusCode).toBe(200);
  });

  it('JWKS unreachable: 503, not 500, and the instance keeps working', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const cold = h.instance(); // its own WorkOS client: JWKS not cached yet
    h.emulator.faults.failNext('GET /sso/jwks/:clientId', 1, 500);
    const res = await cold.me({ path: '/me', cookies: [cookie!] });
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await cold.me({ path: '/me', cookies: [cookie!] })).statusCode).toBe(200);
  });

  it('5 concurrent requests with the same expired cookie on 5 instances: all 200, one refresh at WorkOS, every cookie works', async () => {
    const cookie = await expiredSession('admin@acme.test');
    const clients = Array.from({ length: 5 }, () => createDb(h.t.url, { max: 1 }));
    try {
      const instances = clients.map((c) => h.instance({ db: c.db }));
      const grants = h.emulator.counts.refreshGrants;
      // Slow WorkOS down so the requests really overlap.
      h.emulator.faults.delayNext('POST /user_management/authenticate', 1, 300);
      const responses = await Promise.all(instances.map((i) => i.me({ path: '/me', cookies: [cookie] })));
      expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
      expect(h.emulator.counts.refreshGrants).toBe(grants + 1);
      const renewed = responses.map((r) => cookiePair(r, 'wos-session=') as string);
      expect(renewed.every(Boolean)).toBe(true);
      for (const c of renewed) {
        const check = await h.main.me({ path: '/me', cookies: [c] });
        expect(check.statusCode).toBe(200);
        expect(bodyOf(check).data.session.organizationId).toBe('org_acme');
      }
      expect(h.emulator.counts.refreshGrants).toBe(grants + 1);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

describe('PATCH /me', () => {
  const patch = (cookie: string, body: unknown, raw?: string) =>
    h.main.me({
      method: 'PATCH',
      path: '/me',
      headers: { 'content-type': 'application/json' },
      body: raw ?? JSON.stringify(body),
      cookies: [cookie],
    });

  it('updates avatarUrl, bio, timezone and preferences', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const res = await patch(cookie!, {
      avatarUrl: 'https://cdn.example.com/a.png',
      bio: 'Hello',
      timezone: 'Europe/Paris',
      preferences: { theme: 'dark', nested: { a: [1, 2] } },
    });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).data).toMatchObject({
      avatarUrl: 'https://cdn.example.com/a.png',
      bio: 'Hello',
      timezone: 'Europe/Paris',
      preferences: { theme: 'dark', nested: { a: [1, 2] } },
    });
    const cleared = await patch(cookie!, { avatarUrl: null, bio: null });
    expect(bodyOf(cleared).data).toMatchObject({ avatarUrl: null, bio: null, timezone: 'Europe/Paris' });
    const me = await h.main.me({ path: '/me', cookies: [cookie!] });
    expect(bodyOf(me).data.user.preferences).toEqual({ theme: 'dark', nested: { a: [1, 2] } });
  });

  const cases: [string, unknown, string[]][] = [
    ['unknown fields', { bio: 'x', color: 'red', isAdmin: true }, ['color', 'isAdmin']],
    ['a non-IANA time zone', { timezone: 'Mars/Olympus' }, ['timezone']],
    ['a non-http(s) avatarUrl', { avatarUrl: 'javascript:alert(1)' }, ['avatarUrl']],
    ['preferences that are not an object', { preferences: [1, 2] }, ['preferences']],
    ['preferences over 16 KB', { preferences: { big: 'x'.repeat(17_000) } }, ['preferences']],
    [
      'fields WorkOS owns',
      { email: 'e@x.com', firstName: 'A', lastName: 'B', workosId: 'user_x' },
      ['email', 'firstName', 'lastName', 'workosId'],
    ],
    ['a bio over 2000 characters', { bio: 'b'.repeat(2001) }, ['bio']],
    [
      'a notification opt-out for SMS (no provider)',
      { preferences: { notifications: { role_changed: { sms: false } } } },
      ['preferences.notifications.role_changed'],
    ],
    [
      'a notification opt-out for an unknown kind',
      { preferences: { notifications: { birthday: { email: false } } } },
      ['preferences.notifications'],
    ],
    [
      'a notification switch that is not a boolean',
      { preferences: { notifications: { member_added: { email: 'no' } } } },
      ['preferences.notifications.member_added.email'],
    ],
  ];
  for (const [name, body, fields] of cases) {
    it(`rejects ${name} with 400 VALIDATION_FAILED naming the fields`, async () => {
      const { cookie } = await h.signIn('outsider@example.com');
      const [before] = await h.db.select().from(users).where(eq(users.workosId, 'user_outsider'));
      const res = await patch(cookie!, body);
      expect(res.statusCode).toBe(400);
      const error = bodyOf(res).error;
      expect(error?.code).toBe('VALIDATION_FAILED');
      expect(error?.fields?.map((f) => f.field).sort()).toEqual([...fields].sort());
      const [after] = await h.db.select().from(users).where(eq(users.workosId, 'user_outsider'));
      expect(after).toEqual(before);
    });
  }

  it('rejects a body that is not JSON', async () => {
    const { cookie } = await h.signIn('outsider@example.com');
    const res = await patch(cookie!, undefined, '{"bio":');
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error?.code).toBe('VALIDATION_FAILED');
    expect(bodyOf(res).error?.fields?.[0]?.field).toBe('(body)');
  });

  it('needs a session', async () => {
    const res = await h.main.me({
      method: 'PATCH',
      path: '/me',
      headers: { 'content-type': 'application/json' },
      body: '{"bio":"x"}',
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('POST /auth/switch-organization', () => {
  const switchTo = (cookie: string, organizationId: string) =>
    h.main.auth({
      method: 'POST',
      path: '/auth/switch-organization',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationId }),
      cookies: [cookie],
    });

  it('moves the session into another organization of the user: new cookie for that organization', async () => {
    const { cookie } = await h.signIn('multi@example.com', { organizationId: 'org_acme' });
    const res = await switchTo(cookie!, 'org_globex');
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).data).toMatchObject({ organizationId: 'org_globex', role: 'admin' });
    const renewed = cookiePair(res, 'wos-session=') as string;
    expect((res.cookies ?? []).filter((c) => c.startsWith('wos-session='))).toHaveLength(1);
    const me = await h.main.me({ path: '/me', cookies: [renewed] });
    expect(bodyOf(me).data.session).toMatchObject({ organizationId: 'org_globex', role: 'admin' });
    expect(
      bodyOf(me)
        .data.memberships.map((m: { organization: { workosOrgId: string } }) => m.organization.workosOrgId)
        .sort(),
    ).toEqual(['org_acme', 'org_globex']);
  });

  it('403 FORBIDDEN for an organization the user is not in (existing or not)', async () => {
    const { cookie } = await h.signIn('multi@example.com', { organizationId: 'org_acme' });
    for (const org of ['org_initech', 'org_doesnotexist']) {
      const res = await switchTo(cookie!, org);
      expect(res.statusCode).toBe(403);
      expect(bodyOf(res).error?.code).toBe('FORBIDDEN');
    }
    // The session still works (the refresh token was not spent).
    expect((await h.main.me({ path: '/me', cookies: [cookie!] })).statusCode).toBe(200);
  });

  it('400 for a body without organizationId', async () => {
    const { cookie } = await h.signIn('multi@example.com', { organizationId: 'org_acme' });
    const res = await h.main.auth({
      method: 'POST',
      path: '/auth/switch-organization',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ org: 'org_globex' }),
      cookies: [cookie!],
    });
    expect(res.statusCode).toBe(400);
    expect(
      bodyOf(res)
        .error?.fields?.map((f) => f.field)
        .sort(),
    ).toEqual(['org', 'organizationId']);
  });
});

describe('the sealed cookie', () => {
  it('stays under 4096 bytes for 60-character names, 3 roles and 20 permissions', async () => {
    const { res } = await h.signIn('long.names@example.com');
    const line = setCookie(res, 'wos-session=') as string;
    const me = await h.main.me({ path: '/me', cookies: [cookiePair(res, 'wos-session=') as string] });
    const session = bodyOf(me).data.session;
    expect(session.roles).toHaveLength(3);
    expect(session.permissions).toHaveLength(20);
    expect(bodyOf(me).data.user.firstName).toHaveLength(60);
    expect(Buffer.byteLength(line)).toBeLessThan(4096);
  });
});
