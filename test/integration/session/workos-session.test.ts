import { createWorkOS, type WorkOSSettings } from '@app/config/workos';
import { workosBaseUrl } from '@app/config/workos-settings';
import { type Emulator, startEmulator } from '@app/workos-emulator';
import type { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeClaims } from '../../../packages/session/src/jwt';
import { sealData, unsealData } from '../../../packages/session/src/seal';
import {
  makeSessionApi,
  type SealedSession,
  SessionApiError,
  type SessionApiOptions,
} from '../../../packages/session/src/workos-session';
import { emulatorWorkOS } from '../../support/workos';

const PASSWORD = 'workos-session-test-password-0123456789abcdef';
const REDIRECT_URI = 'http://localhost:3000/auth/callback';

let emulator: Emulator;
let sdk: WorkOS;

const apiFor = (options: Partial<SessionApiOptions> = {}) =>
  makeSessionApi({
    baseUrl: emulator.url,
    clientId: emulator.clientId,
    apiKey: emulator.apiKey,
    timeoutMs: 2000,
    ...options,
  });

/** A real sign-in through the emulator's authorize page, sealed by the SDK's authenticateWithCode. */
async function sdkSignIn(email: string, organizationId?: string) {
  const url = sdk.userManagement.getAuthorizationUrl({
    provider: 'authkit',
    clientId: emulator.clientId,
    redirectUri: REDIRECT_URI,
    loginHint: email,
    ...(organizationId ? { organizationId } : {}),
  });
  const authorize = await fetch(url, { redirect: 'manual' });
  const code = new URL(String(authorize.headers.get('location'))).searchParams.get('code');
  if (!code) throw new Error(`authorize answered ${authorize.status} without a code`);
  const auth = await sdk.userManagement.authenticateWithCode({
    code,
    session: { sealSession: true, cookiePassword: PASSWORD },
  });
  if (!auth.sealedSession) throw new Error('no sealed session');
  return auth.sealedSession;
}

async function expiredSdkSession(email: string) {
  emulator.setAccessTokenTtlSeconds(-60);
  try {
    return await sdkSignIn(email);
  } finally {
    emulator.setAccessTokenTtlSeconds(300);
  }
}

const sdkAuthenticate = (sealed: string) =>
  sdk.userManagement.loadSealedSession({ sessionData: sealed, cookiePassword: PASSWORD }).authenticate();

beforeAll(async () => {
  emulator = await startEmulator({
    seed: {
      roles: [{ slug: 'admin', permissions: ['members:read', 'members:write'] }, { slug: 'member' }],
      users: [
        { id: 'user_solo', email: 'solo@example.com', firstName: 'Solo', lastName: 'User' },
        { id: 'user_multi', email: 'multi@example.com', firstName: 'Lin', lastName: 'Multi' },
      ],
      organizations: [
        { id: 'org_acme', name: 'Acme Corp' },
        { id: 'org_globex', name: 'Globex' },
        { id: 'org_initech', name: 'Initech' },
      ],
      memberships: [
        { user: 'multi@example.com', organization: 'Acme Corp', role: 'member' },
        { user: 'multi@example.com', organization: 'Globex', role: 'admin' },
      ],
    },
  });
  sdk = emulatorWorkOS(emulator);
});

afterAll(async () => {
  await emulator?.stop();
});

describe('workosBaseUrl', () => {
  it('names the same host the SDK client calls', () => {
    const cases: WorkOSSettings[] = [
      { WORKOS_API_KEY: 'sk_x', WORKOS_CLIENT_ID: 'client_x' },
      { WORKOS_API_KEY: 'sk_x', WORKOS_CLIENT_ID: 'client_x', WORKOS_API_HOSTNAME: 'api.example.test' },
      {
        WORKOS_API_KEY: 'sk_x',
        WORKOS_CLIENT_ID: 'client_x',
        WORKOS_API_HOSTNAME: '127.0.0.1',
        WORKOS_API_PORT: 4100,
        WORKOS_API_HTTPS: false,
      },
      { WORKOS_API_KEY: 'sk_x', WORKOS_CLIENT_ID: 'client_x', WORKOS_API_PORT: 8443, WORKOS_API_HTTPS: true },
    ];
    expect(workosBaseUrl(cases[0]!)).toBe('https://api.workos.com');
    for (const settings of cases) expect(workosBaseUrl(settings)).toBe(createWorkOS(settings).baseURL);
  });
});

/**
 * What the session path reads from a cookie (sessions.ts): the seal opened with ./seal, the access
 * token checked by verifyAccessToken, its claims decoded. Each is compared with the SDK's own
 * `loadSealedSession(...).authenticate()` on cookies the SDK sealed.
 */
async function ourReading(sealed: string | undefined, password = PASSWORD, api = apiFor()) {
  const session = sealed ? await unsealData<SealedSession>(sealed, password) : undefined;
  if (!session?.accessToken) return { opened: false as const };
  return {
    opened: true as const,
    valid: await api.verifyAccessToken(session.accessToken),
    claims: decodeClaims(session.accessToken),
    user: session.user,
  };
}

describe('session api: reading a cookie', () => {
  it('opens a cookie sealed by the SDK and reads the same facts the SDK reads', async () => {
    const sealed = await sdkSignIn('multi@example.com', 'org_globex');
    const ours = await ourReading(sealed);
    const theirs = await sdkAuthenticate(sealed);
    expect(ours.opened && ours.valid).toBe(true);
    expect(theirs.authenticated).toBe(true);
    if (!ours.opened || !theirs.authenticated) return;
    expect(ours.user).toEqual(theirs.user);
    expect({
      sessionId: ours.claims?.sid,
      organizationId: ours.claims?.org_id,
      role: ours.claims?.role,
      permissions: ours.claims?.permissions,
    }).toEqual({
      sessionId: theirs.sessionId,
      organizationId: theirs.organizationId,
      role: theirs.role,
      permissions: theirs.permissions,
    });
    expect(ours.claims?.org_id).toBe('org_globex');
    expect(ours.claims?.role).toBe('admin');
    expect(ours.claims?.permissions).toEqual(['members:read', 'members:write']);
  });

  it('an expired access token fails verification, as the SDK says invalid_jwt', async () => {
    const sealed = await expiredSdkSession('solo@example.com');
    expect(await ourReading(sealed)).toMatchObject({ opened: true, valid: false });
    expect(await sdkAuthenticate(sealed)).toEqual({ authenticated: false, reason: 'invalid_jwt' });
  });

  it('a token whose claims were changed after signing fails verification', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    const session = (await unsealData<SealedSession>(sealed, PASSWORD))!;
    const [header, payload, signature] = session.accessToken!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin', org_id: 'org_acme' })).toString(
      'base64url',
    );
    const resealed = await sealData(
      { ...session, accessToken: `${header}.${forged}.${signature}` },
      PASSWORD,
    );
    expect(await ourReading(resealed)).toMatchObject({ opened: true, valid: false });
  });

  it('a tampered cookie, a cookie sealed with another password, or none at all does not open', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    const middle = Math.floor(sealed.length / 2);
    const tampered = `${sealed.slice(0, middle)}${sealed[middle] === 'A' ? 'B' : 'A'}${sealed.slice(middle + 1)}`;
    const closed = { opened: false };
    expect(await ourReading(tampered)).toEqual(closed);
    expect(await ourReading(sealed, 'another-password-that-is-long-enough-0123456')).toEqual(closed);
    expect(await ourReading('not-a-seal')).toEqual(closed);
    expect(await ourReading(undefined)).toEqual(closed);
    expect(await sdkAuthenticate(tampered)).toEqual({
      authenticated: false,
      reason: 'invalid_session_cookie',
    });
  });

  it('JWKS unreachable throws jwks_unavailable; the next call fetches the keys and succeeds', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    const api = apiFor();
    emulator.faults.failNext('GET /sso/jwks/:clientId', 1, 500);
    const failure = await ourReading(sealed, PASSWORD, api).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SessionApiError);
    expect((failure as SessionApiError).code).toBe('jwks_unavailable');
    expect(await ourReading(sealed, PASSWORD, api)).toMatchObject({ opened: true, valid: true });
  });

  it('fetches the keys once per instance', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    const api = apiFor();
    const before = emulator.counts.requests['GET /sso/jwks/:clientId'] ?? 0;
    for (let i = 0; i < 3; i++) {
      expect(await ourReading(sealed, PASSWORD, api)).toMatchObject({ opened: true, valid: true });
    }
    expect(emulator.counts.requests['GET /sso/jwks/:clientId']).toBe(before + 1);
  });
});

describe('session api: refresh', () => {
  it('returns a new sealed session that the SDK accepts, in the same organization', async () => {
    const sealed = await sdkSignIn('multi@example.com', 'org_acme');
    const result = await apiFor().refresh(sealed, PASSWORD);
    expect(result.authenticated).toBe(true);
    if (!result.authenticated) return;
    expect(result.organizationId).toBe('org_acme');
    const checked = await sdkAuthenticate(result.sealedSession);
    expect(checked.authenticated).toBe(true);
    if (!checked.authenticated) return;
    expect(checked.organizationId).toBe('org_acme');
    expect(checked.sessionId).toBe(
      decodeClaims((await unsealData<SealedSession>(sealed, PASSWORD))?.accessToken)?.sid,
    );
    // The same sealed fields the SDK writes, user included in its camelCase form.
    const before = (await unsealData<SealedSession>(sealed, PASSWORD))!;
    const after = (await unsealData<SealedSession>(result.sealedSession, PASSWORD))!;
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after.user).toEqual(before.user);
    expect(after.refreshToken).not.toBe(before.refreshToken);
  });

  it('switches organization when asked, and the SDK reads the switched session', async () => {
    const sealed = await sdkSignIn('multi@example.com', 'org_acme');
    const result = await apiFor().refresh(sealed, PASSWORD, 'org_globex');
    if (!result.authenticated) throw new Error(`refresh failed: ${result.reason}`);
    expect(result.role).toBe('admin');
    const checked = await sdkAuthenticate(result.sealedSession);
    expect(checked.authenticated && checked.organizationId).toBe('org_globex');
  });

  it('an organization the user is not a member of is refused with refresh_rejected (403)', async () => {
    const sealed = await sdkSignIn('multi@example.com', 'org_acme');
    const failure = await apiFor()
      .refresh(sealed, PASSWORD, 'org_initech')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SessionApiError);
    expect(failure).toMatchObject({
      code: 'refresh_rejected',
      details: { status: 403, workosCode: 'organization_membership_required' },
    });
    // Not spent: the same cookie still refreshes.
    expect((await apiFor().refresh(sealed, PASSWORD)).authenticated).toBe(true);
  });

  it('a refresh token used twice is invalid_grant, terminal', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    const api = apiFor();
    expect((await api.refresh(sealed, PASSWORD)).authenticated).toBe(true);
    expect(await api.refresh(sealed, PASSWORD)).toEqual({
      authenticated: false,
      reason: 'invalid_grant',
      retryable: false,
    });
  });

  it('a cookie it cannot open is invalid_session_cookie, terminal, without calling WorkOS', async () => {
    const grants = emulator.counts.requests['POST /user_management/authenticate'] ?? 0;
    expect(await apiFor().refresh('Fe26.2*garbage', PASSWORD)).toEqual({
      authenticated: false,
      reason: 'invalid_session_cookie',
      retryable: false,
    });
    expect(emulator.counts.requests['POST /user_management/authenticate'] ?? 0).toBe(grants);
  });

  it('WorkOS 5xx is server_error, retryable, and the token is not spent', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    emulator.faults.failNext('POST /user_management/authenticate', 1, 503);
    expect(await apiFor().refresh(sealed, PASSWORD)).toEqual({
      authenticated: false,
      reason: 'server_error',
      retryable: true,
    });
    expect((await apiFor().refresh(sealed, PASSWORD)).authenticated).toBe(true);
  });

  it('429 is rate_limit_exceeded with Retry-After', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    emulator.faults.failNext('POST /user_management/authenticate', 1, { status: 429, retryAfterSeconds: 7 });
    expect(await apiFor().refresh(sealed, PASSWORD)).toEqual({
      authenticated: false,
      reason: 'rate_limit_exceeded',
      retryable: true,
      retryAfter: 7,
    });
  });

  it('a slow WorkOS is timeout, retryable', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    emulator.faults.delayNext('POST /user_management/authenticate', 1, 600);
    expect(await apiFor({ timeoutMs: 150 }).refresh(sealed, PASSWORD)).toEqual({
      authenticated: false,
      reason: 'timeout',
      retryable: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the delayed reply finish
  });

  it('an unreachable WorkOS is network_error, retryable', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    expect(await apiFor({ baseUrl: 'http://127.0.0.1:1' }).refresh(sealed, PASSWORD)).toEqual({
      authenticated: false,
      reason: 'network_error',
      retryable: true,
    });
  });

  it('with retries, a transient failure is retried and the refresh succeeds', async () => {
    const sealed = await sdkSignIn('solo@example.com');
    emulator.faults.failNext('POST /user_management/authenticate', 1, { status: 500 });
    emulator.faults.failNext('POST /user_management/authenticate', 1, { status: 429, retryAfterSeconds: 0 });
    const result = await apiFor({ retries: 2 }).refresh(sealed, PASSWORD);
    expect(result.authenticated).toBe(true);
  });
});
