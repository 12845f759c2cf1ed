import { revokedSessions } from '@app/db';
import { decodeClaims, unsealData } from '@app/session';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, COOKIE_PASSWORD, type Harness, setCookie, startHarness } from '../../support/auth';

// Weakness 2: logout cleared the cookie, but a copy of it kept working until the revocation webhook.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const sessionIdOf = async (cookie: string) => {
  const sealed = await unsealData<{ accessToken: string }>(
    cookie.slice(cookie.indexOf('=') + 1),
    COOKIE_PASSWORD,
  );
  return decodeClaims(sealed?.accessToken)?.sid as string;
};

describe('POST /auth/logout ends the session on the server', () => {
  it('a copy of the cookie is 401 right after a JSON logout, and WorkOS has the session revoked', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const sid = await sessionIdOf(cookie!);
    const res = await h.main.auth({
      method: 'POST',
      path: '/auth/logout',
      headers: { accept: 'application/json' },
      cookies: [cookie!],
    });
    expect(res.statusCode).toBe(200);
    expect(h.emulator.store.findSession(sid)?.status).toBe('revoked');
    const [row] = await h.db.select().from(revokedSessions).where(eq(revokedSessions.sessionId, sid));
    expect(row?.workosUserId).toBe('user_solo');
    const replay = await h.main.me({ path: '/me', cookies: [cookie!] });
    expect(replay.statusCode).toBe(401);
    expect(bodyOf(replay).error?.code).toBe('UNAUTHORIZED');
  });

  it('with WorkOS down, the local revocation still ends it (and the browser still goes on)', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    h.emulator.faults.failNext('POST /user_management/sessions/revoke', 1, 503);
    const res = await h.main.auth({ method: 'POST', path: '/auth/logout', cookies: [cookie!] });
    expect(res.statusCode).toBe(303);
    expect(setCookie(res, 'wos-session=')).toMatch(/Max-Age=0/);
    expect((await h.main.me({ path: '/me', cookies: [cookie!] })).statusCode).toBe(401);
  });
});
