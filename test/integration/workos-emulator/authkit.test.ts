import { readFileSync } from 'node:fs';
import { decodeJwtClaims, demoSeed, type Emulator, startEmulator } from '@app/workos-emulator';
import {
  AuthenticationException,
  GenericServerException,
  OauthException,
  UnauthorizedException,
  WorkOS,
} from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cookiePassword = 'test-cookie-password-at-least-32-characters';
const redirectUri = 'http://localhost:3000/auth/callback';

let emulator: Emulator;
let workos: WorkOS;

beforeAll(async () => {
  emulator = await startEmulator({
    seed: {
      ...demoSeed,
      users: [
        ...(demoSeed.users ?? []),
        {
          email: 'impersonated@example.com',
          firstName: 'Imogen',
          impersonator: { email: 'support@example.com', reason: 'Ticket 42' },
        },
      ],
    },
  });
  workos = new WorkOS(emulator.apiKey, {
    clientId: emulator.clientId,
    ...emulator.sdkOptions,
    maxRetries: 0,
  });
});

afterAll(async () => {
  await emulator?.stop();
});

/** Runs the browser half of an AuthKit login: authorize URL -> 302 back to the app. */
async function authorize(options: { loginHint?: string; organizationId?: string; state?: string } = {}) {
  const { codeVerifier, codeChallenge } = await workos.pkce.generate();
  const state = options.state ?? 'state-123';
  const url = workos.userManagement.getAuthorizationUrl({
    provider: 'authkit',
    redirectUri,
    state,
    codeChallenge,
    codeChallengeMethod: 'S256',
    ...(options.loginHint ? { loginHint: options.loginHint } : {}),
    ...(options.organizationId ? { organizationId: options.organizationId } : {}),
  });
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  return { location, codeVerifier, code: location.searchParams.get('code') ?? '' };
}

async function signIn(loginHint: string, organizationId?: string) {
  const { code, codeVerifier } = await authorize({
    loginHint,
    ...(organizationId ? { organizationId } : {}),
  });
  return workos.userManagement.authenticateWithCode({
    code,
    codeVerifier,
    session: { sealSession: true, cookiePassword },
  });
}

describe('AuthKit login through the real SDK', () => {
  it('starts, answers /health and publishes a JWKS', async () => {
    const health = await fetch(`${emulator.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok', emulator: 'workos' });
    const jwks = (await (await fetch(workos.userManagement.getJwksUrl(emulator.clientId))).json()) as {
      keys: { kid: string; alg: string; kty: string }[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ alg: 'RS256', kty: 'RSA' });
  });

  it('signs in, expires, refreshes once per token, and ends at logout', async () => {
    const { location, code, codeVerifier } = await authorize({ loginHint: 'sam.rivera@example.com' });
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('state-123');

    const auth = await workos.userManagement.authenticateWithCode({
      code,
      codeVerifier,
      session: { sealSession: true, cookiePassword },
    });
    expect(auth.user.email).toBe('sam.rivera@example.com');
    expect(auth.organizationId).toBeUndefined();
    expect(auth.authenticationMethod).toBe('Password');
    const claims = decodeJwtClaims(auth.accessToken);
    expect(claims).toMatchObject({
      sub: auth.user.id,
      iss: `${emulator.url}/user_management/${emulator.clientId}`,
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300);

    const original = auth.sealedSession ?? '';
    const session = workos.userManagement.loadSealedSession({ sessionData: original, cookiePassword });
    const ok = await session.authenticate();
    expect(ok).toMatchObject({ authenticated: true, user: { email: 'sam.rivera@example.com' } });
    const sessionId = ok.authenticated ? ok.sessionId : '';
    expect(sessionId).toMatch(/^session_/);

    // A refresh that issues an access token already expired (a minute ago): no waiting for expiry.
    emulator.setAccessTokenTtlSeconds(-60);
    const expiring = await session.refresh();
    emulator.setAccessTokenTtlSeconds(300);
    const expiredSealed = expiring.authenticated ? (expiring.sealedSession ?? '') : '';
    const expired = workos.userManagement.loadSealedSession({ sessionData: expiredSealed, cookiePassword });
    expect(await expired.authenticate()).toEqual({ authenticated: false, reason: 'invalid_jwt' });

    const refreshed = await expired.refresh();
    expect(refreshed).toMatchObject({ authenticated: true, sessionId });
    const newSealed = refreshed.authenticated ? refreshed.sealedSession : undefined;
    expect(newSealed).toBeTruthy();
    expect(emulator.counts.refreshGrants).toBeGreaterThanOrEqual(2);

    const stale = workos.userManagement.loadSealedSession({ sessionData: original, cookiePassword });
    expect(await stale.refresh()).toMatchObject({
      authenticated: false,
      reason: 'invalid_grant',
      retryable: false,
    });

    const current = workos.userManagement.loadSealedSession({ sessionData: newSealed ?? '', cookiePassword });
    expect(await current.authenticate()).toMatchObject({ authenticated: true, sessionId });

    const logoutUrl = workos.userManagement.getLogoutUrl({ sessionId, returnTo: 'http://localhost:3000/' });
    const logout = await fetch(logoutUrl, { redirect: 'manual' });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe('http://localhost:3000/');
    expect(await current.refresh()).toMatchObject({ authenticated: false, reason: 'invalid_grant' });
    expect(emulator.events.filter((e) => e.event === 'session.revoked').map((e) => e.data.id)).toContain(
      sessionId,
    );
  });

  it('rejects a wrong PKCE verifier, a reused code and an expired code', async () => {
    const wrong = await authorize({ loginHint: 'sam.rivera@example.com' });
    const { codeVerifier: otherVerifier } = await workos.pkce.generate();
    const rejected = workos.userManagement.authenticateWithCode({
      code: wrong.code,
      codeVerifier: otherVerifier,
    });
    await expect(rejected).rejects.toBeInstanceOf(OauthException);
    await expect(rejected).rejects.toMatchObject({ status: 400, error: 'invalid_grant' });

    const once = await authorize({ loginHint: 'sam.rivera@example.com' });
    await workos.userManagement.authenticateWithCode({ code: once.code, codeVerifier: once.codeVerifier });
    await expect(
      workos.userManagement.authenticateWithCode({ code: once.code, codeVerifier: once.codeVerifier }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });

    const late = await authorize({ loginHint: 'sam.rivera@example.com' });
    emulator.clock.advance(11 * 60 * 1000);
    try {
      await expect(
        workos.userManagement.authenticateWithCode({ code: late.code, codeVerifier: late.codeVerifier }),
      ).rejects.toMatchObject({ error: 'invalid_grant', errorDescription: 'The code has expired.' });
    } finally {
      emulator.clock.reset();
    }
  });

  it('scopes an organization login and puts the membership role and permissions in the token', async () => {
    const auth = await signIn('lin.chen@example.com', 'org_demo_globex');
    expect(auth.organizationId).toBe('org_demo_globex');
    const session = workos.userManagement.loadSealedSession({
      sessionData: auth.sealedSession ?? '',
      cookiePassword,
    });
    expect(await session.authenticate()).toMatchObject({
      authenticated: true,
      organizationId: 'org_demo_globex',
      role: 'admin',
      roles: ['admin'],
      permissions: ['members:read', 'members:write', 'settings:write'],
    });

    const switched = await session.refresh({ organizationId: 'org_demo_acme' });
    expect(switched).toMatchObject({ authenticated: true, organizationId: 'org_demo_acme', role: 'member' });
    // Without organization_id the refresh keeps the last organization.
    expect(await session.refresh()).toMatchObject({ authenticated: true, organizationId: 'org_demo_acme' });
  });

  it('lets exactly one of two parallel refreshes with the same token win', async () => {
    const auth = await signIn('ada.okafor@acme.test');
    const load = () =>
      workos.userManagement.loadSealedSession({ sessionData: auth.sealedSession ?? '', cookiePassword });
    const results = await Promise.all([load().refresh(), load().refresh()]);
    expect(results.map((r) => (r.authenticated ? 'ok' : r.reason)).sort()).toEqual(['invalid_grant', 'ok']);
  });

  it('scopes a single-membership user to that organization automatically', async () => {
    const auth = await signIn('ada.okafor@acme.test');
    expect(auth.organizationId).toBe('org_demo_acme');
    expect(decodeJwtClaims(auth.accessToken)).toMatchObject({ org_id: 'org_demo_acme', role: 'admin' });
  });

  it('refuses to switch into an organization the user does not belong to', async () => {
    const auth = await signIn('ada.okafor@acme.test');
    const session = workos.userManagement.loadSealedSession({
      sessionData: auth.sealedSession ?? '',
      cookiePassword,
    });
    const failure = session.refresh({ organizationId: 'org_demo_globex' });
    await expect(failure).rejects.toBeInstanceOf(GenericServerException);
    await expect(failure).rejects.toMatchObject({ status: 403, code: 'organization_membership_required' });
    // The refresh token was not spent by the refused switch.
    expect(await session.refresh()).toMatchObject({ authenticated: true, organizationId: 'org_demo_acme' });
  });

  it('asks a two-organization user to choose, then completes with the chosen organization', async () => {
    const { code, codeVerifier } = await authorize({ loginHint: 'lin.chen@example.com' });
    const error = await workos.userManagement
      .authenticateWithCode({ code, codeVerifier, session: { sealSession: true, cookiePassword } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AuthenticationException);
    const authError = error as AuthenticationException;
    expect(authError.code).toBe('organization_selection_required');
    expect(authError.status).toBe(403);
    expect(authError.pendingAuthenticationToken).toBeTruthy();
    expect(authError.rawData).toMatchObject({
      organizations: expect.arrayContaining([
        { id: 'org_demo_acme', name: 'Acme Corp' },
        { id: 'org_demo_globex', name: 'Globex' },
      ]),
      user: { email: 'lin.chen@example.com' },
    });

    const pendingAuthenticationToken = authError.pendingAuthenticationToken ?? '';
    const done = await workos.userManagement.authenticateWithOrganizationSelection({
      pendingAuthenticationToken,
      organizationId: 'org_demo_acme',
      session: { sealSession: true, cookiePassword },
    });
    expect(done.organizationId).toBe('org_demo_acme');
    expect(done.sealedSession).toBeTruthy();
    await expect(
      workos.userManagement.authenticateWithOrganizationSelection({
        pendingAuthenticationToken,
        organizationId: 'org_demo_acme',
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('answers access_denied for a deny login hint and for an organization the user is not in', async () => {
    const denied = await authorize({ loginHint: 'deny@example.com', state: 'deny-state' });
    expect(denied.location.searchParams.get('error')).toBe('access_denied');
    expect(denied.location.searchParams.get('state')).toBe('deny-state');
    expect(denied.code).toBe('');

    const outsider = await authorize({
      loginHint: 'sam.rivera@example.com',
      organizationId: 'org_demo_acme',
    });
    expect(outsider.location.searchParams.get('error')).toBe('access_denied');
  });

  it('serves a user picker when there is no login hint; its links complete the login', async () => {
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      redirectUri,
      state: 'pick',
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const htmlPage = await response.text();
    expect(htmlPage).toContain('sam.rivera@example.com');
    const href = htmlPage.match(/href="([^"]*user_id=user_demo_solo[^"]*)"/)?.[1]?.replaceAll('&amp;', '&');
    expect(href).toBeTruthy();
    const picked = await fetch(new URL(href ?? '', emulator.url), { redirect: 'manual' });
    const location = new URL(picked.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('pick');
    const auth = await workos.userManagement.authenticateWithCode({
      code: location.searchParams.get('code') ?? '',
    });
    expect(auth.user.id).toBe('user_demo_solo');
  });

  it('creates the user on a sign-up with an unknown email', async () => {
    const { code, codeVerifier, location } = await (async () => {
      const { codeVerifier, codeChallenge } = await workos.pkce.generate();
      const url = workos.userManagement.getAuthorizationUrl({
        provider: 'authkit',
        redirectUri,
        codeChallenge,
        codeChallengeMethod: 'S256',
        loginHint: 'new.person@example.com',
        screenHint: 'sign-up',
      });
      const res = await fetch(url, { redirect: 'manual' });
      const loc = new URL(res.headers.get('location') ?? '');
      return { code: loc.searchParams.get('code') ?? '', codeVerifier, location: loc };
    })();
    expect(location.searchParams.get('error')).toBeNull();
    const auth = await workos.userManagement.authenticateWithCode({ code, codeVerifier });
    expect(auth.user.email).toBe('new.person@example.com');
    expect(emulator.events.some((e) => e.event === 'user.created' && e.data.id === auth.user.id)).toBe(true);
  });

  it('carries the impersonator into the response, the token and the session', async () => {
    const auth = await signIn('impersonated@example.com');
    expect(auth.impersonator).toEqual({ email: 'support@example.com', reason: 'Ticket 42' });
    expect(decodeJwtClaims(auth.accessToken).act).toEqual({
      sub: 'support@example.com',
      reason: 'Ticket 42',
    });
    const session = workos.userManagement.loadSealedSession({
      sessionData: auth.sealedSession ?? '',
      cookiePassword,
    });
    expect(await session.authenticate()).toMatchObject({
      authenticated: true,
      impersonator: auth.impersonator,
    });

    const created = emulator.events.findLast((e) => e.event === 'session.created');
    const example = JSON.parse(
      readFileSync(new URL('../../fixtures/session.created.json', import.meta.url), 'utf8'),
    );
    expect(Object.keys(created?.data ?? {})).toEqual(expect.arrayContaining(Object.keys(example.data)));
    expect(created?.data).toMatchObject({ user_id: auth.user.id, impersonator: auth.impersonator });
  });

  it('rejects bad redirect URIs, unknown clients and wrong API keys', async () => {
    const badRedirect = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      redirectUri: 'https://evil.example.com/cb',
    });
    expect((await fetch(badRedirect, { redirect: 'manual' })).status).toBe(400);

    const { code, codeVerifier } = await authorize({ loginHint: 'sam.rivera@example.com' });
    const otherClient = new WorkOS(emulator.apiKey, {
      clientId: 'client_other',
      ...emulator.sdkOptions,
      maxRetries: 0,
    });
    await expect(
      otherClient.userManagement.authenticateWithCode({ code, codeVerifier }),
    ).rejects.toMatchObject({
      status: 400,
      error: 'invalid_client',
    });

    const wrongKey = new WorkOS('sk_test_wrong', {
      clientId: emulator.clientId,
      ...emulator.sdkOptions,
      maxRetries: 0,
    });
    await expect(wrongKey.userManagement.listUsers()).rejects.toBeInstanceOf(UnauthorizedException);
  });
});
