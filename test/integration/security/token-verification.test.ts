import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { makeSessionApi, makeSessions, sealData, unsealData } from '@app/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMeHandler } from '../../../functions/me/app';
import { bodyOf, COOKIE_DOMAIN, COOKIE_PASSWORD, type Harness, startHarness } from '../../support/auth';
import { httpEvent, lambdaContext } from '../../support/events';

// Weakness 9: alg none / HS256 tokens answered 503 (the JWKS "had no key"), the issuer was not
// pinned, and a WorkOS key rotation (unknown kid) would have answered 503 for minutes.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A me function over its own session api, counting its JWKS downloads (real HTTP). */
function container(issuer?: string, jwksCooldownMs?: number) {
  let jwksFetches = 0;
  const sessionApi = makeSessionApi({
    baseUrl: h.emulator.url,
    clientId: h.emulator.clientId,
    apiKey: h.emulator.apiKey,
    ...(issuer ? { issuer } : {}),
    ...(jwksCooldownMs ? { jwksCooldownMs } : {}),
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input instanceof Request ? input.url : input).includes('/sso/jwks/')) jwksFetches++;
      return fetch(input, init);
    }) as typeof fetch,
  });
  const sessions = makeSessions({
    sessionApi,
    db: h.db,
    cookiePassword: COOKIE_PASSWORD,
    cookie: { domain: COOKIE_DOMAIN, secure: true },
  });
  const me = makeMeHandler({ sessions, db: h.db, hsts: true });
  return {
    get: (cookie: string) =>
      me(httpEvent({ path: '/me', routeKey: 'GET /me', cookies: [cookie] }), lambdaContext()),
    jwksFetches: () => jwksFetches,
  };
}

/**
 * The signed-in cookie with its access token rebuilt from the genuine one's claims (identity when
 * `token` is omitted) and a refresh token WorkOS refuses, so only verification decides.
 */
async function forged(cookie: string, token?: (claims: string) => string) {
  const payload = await unsealData<{ accessToken: string; refreshToken: string }>(
    cookie.slice(cookie.indexOf('=') + 1),
    COOKIE_PASSWORD,
  );
  const genuine = payload!.accessToken;
  const accessToken = token ? token(genuine.split('.')[1]!) : genuine;
  const sealed = await sealData({ ...payload, accessToken, refreshToken: 'refresh_forged' }, COOKIE_PASSWORD);
  return `wos-session=${sealed}`;
}

const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rs256 = (kid: string) => (claims: string) => {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${claims}`;
  return `${input}.${sign('sha256', Buffer.from(input), strangerKey).toString('base64url')}`;
};

describe('access token verification', () => {
  it('refuses alg none, HS256 and an unknown key with 401, never 503', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const c = container();
    expect((await c.get(cookie!)).statusCode).toBe(200);
    const tokens: [string, (claims: string) => string][] = [
      ['alg none', (claims) => `${b64({ alg: 'none', typ: 'JWT' })}.${claims}.`],
      [
        'HS256',
        (claims) => {
          const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${claims}`;
          return `${input}.${createHmac('sha256', 'guess').update(input).digest('base64url')}`;
        },
      ],
      ['RS256 with an unknown kid', rs256('sso_oidc_key_pair_unknown')],
    ];
    for (const [name, token] of tokens) {
      const res = await c.get(await forged(cookie!, token));
      expect(res.statusCode, name).toBe(401);
      expect(bodyOf(res).error?.code, name).toBe('UNAUTHORIZED');
    }
  });

  it('an unknown key id refetches the keys once, then not again for a while', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const c = container(undefined, 300);
    expect((await c.get(cookie!)).statusCode).toBe(200);
    expect(c.jwksFetches()).toBe(1);
    await new Promise((r) => setTimeout(r, 350)); // the keys were fetched a while ago
    expect((await c.get(await forged(cookie!, rs256('kid_rotated_1')))).statusCode).toBe(401);
    expect(c.jwksFetches()).toBe(2);
    expect((await c.get(await forged(cookie!, rs256('kid_rotated_2')))).statusCode).toBe(401);
    expect(c.jwksFetches()).toBe(2);
  });

  it('pins the issuer: a genuine token from another issuer is not accepted', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    expect((await container().get(await forged(cookie!))).statusCode).toBe(200);
    const elsewhere = container('https://api.workos.example/user_management/client_other');
    expect((await elsewhere.get(await forged(cookie!))).statusCode).toBe(401);
  });
});
