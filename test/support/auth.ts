import type { HttpResult } from '@app/http';
import { makeSessionApi, makeSessions, SESSION_COOKIE, type SessionsOptions } from '@app/session';
import { type EmulatorOptions, startEmulator } from '@app/workos-emulator';
import { makeAuthHandler } from '../../functions/auth/app';
import { makeMeHandler } from '../../functions/me/app';
import { createTestDatabase, type TestDatabase } from './db';
import { type HttpEventInput, httpEvent, lambdaContext } from './events';
import { assertDocumented } from './openapi';
import { emulatorWorkOS } from './workos';

export const COOKIE_PASSWORD = 'test-cookie-password-that-is-long-enough-0123456789';
export const REDIRECT_URI = 'http://localhost:3000/auth/callback';
export const APP_ORIGIN = 'https://app.example.com';
export const COOKIE_DOMAIN = '.example.com';

/** A seed with one user per situation the auth tests need. */
export const authSeed: EmulatorOptions['seed'] = {
  roles: [
    { slug: 'admin', permissions: ['members:read', 'members:write'] },
    { slug: 'member', permissions: ['members:read'] },
    { slug: 'viewer', permissions: [] },
    // 3 roles x 7 permissions (20 distinct): the cookie-size case.
    ...['alpha', 'beta', 'gamma'].map((role, r) => ({
      slug: `role-${role}`,
      permissions: Array.from(
        { length: 7 },
        (_, i) => `resource-${Math.min(r * 7 + i, 19)}:manage-everything`,
      ),
    })),
  ],
  users: [
    { id: 'user_solo', email: 'solo@example.com', firstName: 'Solo', lastName: 'User' },
    { id: 'user_admin', email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin' },
    { id: 'user_multi', email: 'multi@example.com', firstName: 'Lin', lastName: 'Multi' },
    { id: 'user_outsider', email: 'outsider@example.com', firstName: 'Out', lastName: 'Sider' },
    {
      id: 'user_long',
      email: 'long.names@example.com',
      firstName: 'F'.repeat(60),
      lastName: 'L'.repeat(60),
    },
  ],
  organizations: [
    { id: 'org_acme', name: 'Acme Corp', domains: ['acme.test'] },
    { id: 'org_globex', name: 'Globex' },
    { id: 'org_initech', name: 'Initech' },
    { id: 'org_long', name: 'Long Roles Inc' },
  ],
  memberships: [
    { user: 'admin@acme.test', organization: 'Acme Corp', role: 'admin' },
    { user: 'multi@example.com', organization: 'Acme Corp', role: 'member' },
    { user: 'multi@example.com', organization: 'Globex', role: 'admin' },
    {
      user: 'long.names@example.com',
      organization: 'Long Roles Inc',
      roles: ['role-alpha', 'role-beta', 'role-gamma'],
    },
  ],
};

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/**
 * Real PostgreSQL (a fresh database), the project's WorkOS emulator over HTTP and the real SDK; the
 * auth and me handlers built by their factories, as in a Lambda container.
 */
export async function startHarness(
  options: {
    emulator?: EmulatorOptions;
    sessions?: Partial<Omit<SessionsOptions, 'sessionApi' | 'db' | 'cookiePassword'>>;
    dbMax?: number;
  } = {},
) {
  const t: TestDatabase = await createTestDatabase({ max: options.dbMax ?? 5 });
  const emulator = await startEmulator({ seed: authSeed, ...options.emulator });

  /** A WorkOS client of its own (its own JWKS cache), as in a separate container. */
  const newWorkOS = (timeoutMs = 3000) => emulatorWorkOS(emulator, { timeoutMs });
  /** A session api of its own (its own JWKS cache), no retries, like newWorkOS. */
  const newSessionApi = (timeoutMs = 3000) =>
    makeSessionApi({
      baseUrl: emulator.url,
      clientId: emulator.clientId,
      apiKey: emulator.apiKey,
      timeoutMs,
    });

  /** One "container": its own WorkOS client, session api, sessions and handlers; the database is shared. */
  function instance(
    overrides: { db?: TestDatabase['db']; sessions?: Partial<SessionsOptions>; timeoutMs?: number } = {},
  ) {
    const workos = newWorkOS(overrides.timeoutMs);
    const db = overrides.db ?? t.db;
    const sessions = makeSessions({
      sessionApi: newSessionApi(overrides.timeoutMs),
      db,
      cookiePassword: COOKIE_PASSWORD,
      cookie: { domain: COOKIE_DOMAIN, secure: true },
      ...options.sessions,
      ...overrides.sessions,
    });
    const authHandler = makeAuthHandler({
      sessions,
      workos,
      db,
      clientId: emulator.clientId,
      redirectUri: REDIRECT_URI,
      allowedRedirectOrigins: [APP_ORIGIN],
      hsts: true,
    });
    const meHandler = makeMeHandler({ sessions, db, hsts: true, allowedRedirectOrigins: [APP_ORIGIN] });
    const call =
      (
        handler: (
          e: ReturnType<typeof httpEvent>,
          c: ReturnType<typeof lambdaContext>,
        ) => Promise<HttpResult>,
      ) =>
      async (input: HttpEventInput) => {
        const event = httpEvent(asBrowserOfTheApp(input));
        const res = await handler(event, lambdaContext());
        assertDocumented(event.routeKey, res);
        return res;
      };
    return { workos, sessions, auth: call(authHandler), me: call(meHandler) };
  }

  const main = instance();

  /** GET /auth/login, then the emulator's authorize page: the callback query and the verifier cookie. */
  async function startLogin(query: Record<string, string>, via = main) {
    const res = await via.auth({ path: '/auth/login', query: new URLSearchParams(query).toString() });
    if (res.statusCode !== 302) throw new Error(`login answered ${res.statusCode}: ${res.body}`);
    const verifier = cookiePair(res, 'wos-pkce-');
    const authorize = await fetch(String(res.headers.location), { redirect: 'manual' });
    const back = authorize.headers.get('location');
    if (authorize.status !== 302 || !back) throw new Error(`authorize answered ${authorize.status}`);
    const url = new URL(back);
    return { login: res, verifier, callbackQuery: url.search.slice(1), callbackUrl: url };
  }

  /** A full sign-in; returns the session cookie pair `wos-session=...` and the callback response. */
  async function signIn(email: string, query: Record<string, string> = {}, via = main) {
    const flow = await startLogin({ loginHint: email, ...query }, via);
    const res = await via.auth({
      path: '/auth/callback',
      query: flow.callbackQuery,
      cookies: flow.verifier ? [flow.verifier] : [],
    });
    const cookie = cookiePair(res, `${SESSION_COOKIE}=`);
    return { res, cookie, flow };
  }

  async function stop() {
    await emulator.stop();
    await t.drop();
  }

  return { t, db: t.db, emulator, instance, main, newWorkOS, newSessionApi, startLogin, signIn, stop };
}

/**
 * A state-changing request from the app's own page, as a browser sends it (with Origin), unless the
 * test names its own `origin` header ('' for none).
 */
function asBrowserOfTheApp(input: HttpEventInput): HttpEventInput {
  const method = (input.method ?? 'GET').toUpperCase();
  if (method === 'GET' || Object.keys(input.headers ?? {}).some((k) => k.toLowerCase() === 'origin'))
    return input;
  return { ...input, headers: { origin: APP_ORIGIN, ...input.headers } };
}

/** The `name=value` part of the first Set-Cookie whose name starts with `prefix`. */
export function cookiePair(res: HttpResult, prefix: string): string | undefined {
  const line = (res.cookies ?? []).find((c) => c.startsWith(prefix));
  return line?.split(';')[0];
}

export function setCookie(res: HttpResult, prefix: string): string | undefined {
  return (res.cookies ?? []).find((c) => c.startsWith(prefix));
}

export function bodyOf(res: HttpResult): {
  success: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
  data?: any;
  error?: { code: string; message: string; fields?: { field: string; message: string }[] };
} {
  return JSON.parse(String(res.body));
}

/**
 * For tests of the entry files themselves (functions/<name>/handler.ts, built from the
 * environment at import): a fresh database, the emulator with authSeed, and process.env pointing
 * the cookie-session functions at both, plus `env`. Call in beforeAll; `stop()` in afterAll.
 */
export async function startEntryEnvironment(env: Record<string, string> = {}) {
  const t = await createTestDatabase();
  const emulator = await startEmulator({ seed: authSeed });
  Object.assign(process.env, {
    WORKOS_API_KEY: emulator.apiKey,
    WORKOS_CLIENT_ID: emulator.clientId,
    WORKOS_API_HOSTNAME: emulator.hostname,
    WORKOS_API_PORT: String(emulator.port),
    WORKOS_API_HTTPS: 'false',
    WORKOS_REDIRECT_URI: REDIRECT_URI,
    SESSION_SECRET: 'entry-test-secret-entry-test-secret-0123',
    DATABASE_URL: t.url,
    APP_ENV: 'local',
    ...env,
  });
  const stop = async () => {
    await emulator.stop();
    await t.drop();
  };
  return { t, emulator, stop };
}
