import { createWorkOS, type WorkOSSettings, workosBaseUrl } from '@app/config/workos';
import { users } from '@app/db';
import type { HttpResult } from '@app/http';
import { makeSessionApi, makeSessions, SESSION_COOKIE } from '@app/session';
import { createTelemetry } from '@app/telemetry';
import { demoSeed, startEmulator } from '@app/workos-emulator';
import { eq } from 'drizzle-orm';
import { makeAuthHandler } from '../functions/auth/app';
import { makeMeHandler } from '../functions/me/app';
import { httpEvent, lambdaContext } from '../test/support/events';
import { workosSettingsOf } from '../test/support/workos';
import { countingDb } from './database';
import { type LatencySummary, round, type Samples, sequential, summarize } from './stats';

const COOKIE_PASSWORD = 'bench-cookie-password-that-is-long-enough-0123456789';
const REDIRECT_URI = 'http://localhost:3000/auth/callback';
/** The demo seed's admin of Acme Corp: a session with an organization, a role and permissions. */
/** A session api as loadSessionRuntime builds it (same timeout and retries). */
const sessionApiFor = (settings: Required<WorkOSSettings>) =>
  makeSessionApi({
    baseUrl: workosBaseUrl(settings),
    clientId: settings.WORKOS_CLIENT_ID,
    apiKey: settings.WORKOS_API_KEY,
    timeoutMs: 5_000,
    retries: 1,
  });

const USER_EMAIL = 'ada.okafor@acme.test';
const USER_ORG = 'org_01DemoAcme';

export type MeRun = LatencySummary & {
  statementsPerRequest: number;
  roundTripsPerRequest: number;
  writesPerRequest: number;
};
export type MeResult = {
  /** The same cookie again and again: a warm container that verified it once (the common case). */
  warm: MeRun;
  /** Each request a cookie this container has not seen: unseal + JWT verification (JWKS cached). */
  firstSeen: MeRun;
  /** The seed's way: the same handler plus a lastLoginAt write on every authenticated request. */
  baseline: MeRun;
  /** warm ops/s over baseline ops/s. */
  speedup: number;
};

type Handler = (
  event: ReturnType<typeof httpEvent>,
  context: ReturnType<typeof lambdaContext>,
) => Promise<HttpResult>;

/**
 * GET /me as a warm Lambda container serves it: the handler from functions/me/app.ts built with the
 * same dependencies as functions/me/handler.ts (WorkOS client, sessions, one database connection,
 * logs and metrics), a real session from a sign-in through the auth handler and the WorkOS emulator,
 * real PostgreSQL, one request at a time.
 */
export async function measureMe(options: {
  databaseUrl: string;
  requests: number;
  firstSeenRequests: number;
  /** false: unnamed statements (no prepared statements pinning an RDS Proxy connection). */
  namedStatements?: boolean;
}): Promise<MeResult> {
  // Tokens that outlive the run: no refresh lands in the middle of the timed loop.
  const emulator = await startEmulator({ seed: demoSeed, accessTokenTtlSeconds: 3600 });
  const settings = workosSettingsOf(emulator);
  const cookie = { domain: '.example.com', secure: true };

  // The auth function: its own container (WorkOS client, sessions, connection).
  const authDb = countingDb(options.databaseUrl, 'auth');
  const authWorkos = createWorkOS(settings);
  const auth = makeAuthHandler({
    sessions: makeSessions({
      sessionApi: sessionApiFor(settings),
      db: authDb.db,
      cookiePassword: COOKIE_PASSWORD,
      cookie,
    }),
    workos: authWorkos,
    db: authDb.db,
    clientId: emulator.clientId,
    redirectUri: REDIRECT_URI,
    allowedRedirectOrigins: ['https://app.example.com'],
    hsts: true,
  });

  // The me function, composed as loadSessionRuntime('me') composes it.
  const { logger, metrics } = createTelemetry('me', 'INFO');
  const meDb = countingDb(options.databaseUrl, 'me', { namedStatements: options.namedStatements !== false });
  const sessions = makeSessions({
    sessionApi: sessionApiFor(settings),
    db: meDb.db,
    cookiePassword: COOKIE_PASSWORD,
    cookie,
    logger,
    metrics,
  });
  const me: Handler = makeMeHandler({
    sessions,
    db: meDb.db,
    hsts: true,
    logger,
    allowedRedirectOrigins: [],
  });

  /** GET /auth/login -> the emulator's authorize redirect -> GET /auth/callback: the session cookie. */
  async function signIn(): Promise<string> {
    const login = await auth(
      httpEvent({ path: '/auth/login', query: new URLSearchParams({ loginHint: USER_EMAIL }).toString() }),
      lambdaContext(),
    );
    if (login.statusCode !== 302)
      throw new Error(`GET /auth/login answered ${login.statusCode}: ${login.body}`);
    const verifier = (login.cookies ?? []).find((c) => c.startsWith('wos-pkce-'))?.split(';')[0];
    const authorize = await fetch(String(login.headers.location), { redirect: 'manual' });
    const back = authorize.headers.get('location');
    if (!verifier || !back) throw new Error(`authorize answered ${authorize.status}`);
    const callback = await auth(
      httpEvent({ path: '/auth/callback', query: new URL(back).search.slice(1), cookies: [verifier] }),
      lambdaContext(),
    );
    const session = (callback.cookies ?? []).find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0];
    if (!session) throw new Error(`callback answered ${callback.statusCode} without a session`);
    return session;
  }

  const getMe = (sessionCookie: string) => httpEvent({ path: '/me', cookies: [sessionCookie] });
  const expectOk = async (handler: Handler, event: ReturnType<typeof httpEvent>) => {
    const response = await handler(event, lambdaContext());
    if (response.statusCode !== 200)
      throw new Error(`GET /me answered ${response.statusCode}: ${response.body}`);
  };

  type Block = Samples & { statements: number; roundTrips: number; writes: number };
  async function run(handler: Handler, n: number, cookieFor: (i: number) => string): Promise<Block> {
    const before = { ...meDb.counter };
    const samples = await sequential(
      n,
      (i) => getMe(cookieFor(i)),
      (event) => expectOk(handler, event),
    );
    return {
      ...samples,
      statements: meDb.counter.statements - before.statements,
      roundTrips: meDb.counter.roundTrips - before.roundTrips,
      writes: meDb.counter.writes - before.writes,
    };
  }
  function report(blocks: Block[]): MeRun {
    const summary = summarize(...blocks);
    const sum = (key: 'statements' | 'roundTrips' | 'writes') =>
      blocks.reduce((total, b) => total + b[key], 0);
    return {
      ...summary,
      statementsPerRequest: round(sum('statements') / summary.requests, 2),
      roundTripsPerRequest: round(sum('roundTrips') / summary.requests, 2),
      writesPerRequest: round(sum('writes') / summary.requests, 2),
    };
  }

  try {
    const session = await signIn();
    const first = await me(getMe(session), lambdaContext());
    const body = JSON.parse(String(first.body));
    if (first.statusCode !== 200 || body.data?.session?.organizationId !== USER_ORG) {
      throw new Error(`GET /me did not return the signed-in user's organization: ${first.body}`);
    }
    const [row] = await meDb.db.select({ id: users.id }).from(users).where(eq(users.email, USER_EMAIL));
    if (!row) throw new Error('the signed-in user has no local row');

    // The seed wrote lastLoginAt on every authenticated request.
    const seedStyle: Handler = async (event, context) => {
      const response = await me(event, context);
      await meDb.db
        .update(users)
        .set({ lastLoginAt: new Date(), updatedAt: new Date() })
        .where(eq(users.id, row.id));
      return response;
    };

    // Warm-up (JIT, prepared statements, JWKS) for both variants.
    await run(me, 300, () => session);
    await run(seedStyle, 300, () => session);

    // Alternate blocks so a burst of load on the shared machine hits both variants alike.
    const blocks = 4;
    const per = Math.ceil(options.requests / blocks);
    const warmRuns: Block[] = [];
    const baseRuns: Block[] = [];
    for (let b = 0; b < blocks; b++) {
      warmRuns.push(await run(me, per, () => session));
      baseRuns.push(await run(seedStyle, per, () => session));
    }

    const cookies: string[] = [];
    for (let i = 0; i < options.firstSeenRequests; i++) cookies.push(await signIn());
    const firstSeen = report([await run(me, cookies.length, (i) => cookies[i] as string)]);

    const warm = report(warmRuns);
    const baseline = report(baseRuns);
    return { warm, firstSeen, baseline, speedup: round(warm.opsPerSec / baseline.opsPerSec, 2) };
  } finally {
    await meDb.close();
    await authDb.close();
    await emulator.stop();
  }
}
