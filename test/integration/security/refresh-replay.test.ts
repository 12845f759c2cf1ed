import { sessionRefreshes } from '@app/db';
import { unsealData } from '@app/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, COOKIE_PASSWORD, cookiePair, type Harness, startHarness } from '../../support/auth';

// Weakness 1: a refreshed-away cookie kept working (and handed out the new session) for a day.
let h: Harness;
const WINDOW_MS = 1000;
beforeAll(async () => {
  h = await startHarness({ sessions: { refreshResultWindowMs: WINDOW_MS } });
});
afterAll(() => h.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a refreshed-away cookie', () => {
  it('joins the refresh while parallel requests need it, then is 401 and its stored result is gone', async () => {
    h.emulator.setAccessTokenTtlSeconds(-60); // issued already expired
    const { cookie: c0 } = await h.signIn('solo@example.com');
    h.emulator.setAccessTokenTtlSeconds(300);
    const first = await h.main.me({ path: '/me', cookies: [c0!] });
    expect(first.statusCode).toBe(200);
    const c1 = cookiePair(first, 'wos-session=');
    expect(c1).toBeDefined();

    // A parallel request with C0 inside the window gets the same new session.
    const parallel = await h.main.me({ path: '/me', cookies: [c0!] });
    expect(parallel.statusCode).toBe(200);
    expect(cookiePair(parallel, 'wos-session=')).toBe(c1);

    await sleep(WINDOW_MS + 300);
    const replay = await h.main.me({ path: '/me', cookies: [c0!] });
    expect(replay.statusCode).toBe(401);
    expect(bodyOf(replay).error?.code).toBe('UNAUTHORIZED');
    expect(cookiePair(replay, 'wos-session=')).toBe('wos-session=');
    const left = await h.db.select().from(sessionRefreshes);
    expect(left.filter((row) => row.sealedResult !== null)).toHaveLength(0);
  });

  it('stores the winner’s result encrypted: the database alone yields no usable cookie', async () => {
    h.emulator.setAccessTokenTtlSeconds(-60); // issued already expired
    const { cookie: c0 } = await h.signIn('admin@acme.test');
    h.emulator.setAccessTokenTtlSeconds(300);
    const res = await h.main.me({ path: '/me', cookies: [c0!] });
    expect(res.statusCode).toBe(200);
    const c1 = cookiePair(res, 'wos-session=')!.slice('wos-session='.length);

    const rows = await h.db.select().from(sessionRefreshes);
    const stored = rows.flatMap((r) => Object.values(r)).filter((v): v is string => typeof v === 'string');
    expect(stored.some((v) => v.includes(c1))).toBe(false);
    for (const value of stored) {
      expect(await unsealData(value, COOKIE_PASSWORD)).toBeUndefined();
      const asCookie = await h.main.me({ path: '/me', cookies: [`wos-session=${value}`] });
      expect(asCookie.statusCode).toBe(401);
    }
  });
});
