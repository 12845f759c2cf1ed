import { createServer, type Server, type Socket } from 'node:net';
import { makeInvocationBudget } from '@app/config/budget';
import { createSqs } from '@app/config/sqs';
import { createWorkOS } from '@app/config/workos';
import { makeSessionApi, makeSessions } from '@app/session';
import { makeWebhookHandler } from '@app/sync/webhook';
import { signWebhook } from '@app/workos-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAuthHandler } from '../../../functions/auth/app';
import { makeMeHandler } from '../../../functions/me/app';
import {
  APP_ORIGIN,
  bodyOf,
  COOKIE_DOMAIN,
  COOKIE_PASSWORD,
  type Harness,
  REDIRECT_URI,
  startHarness,
} from '../../support/auth';
import { httpEvent, lambdaContext } from '../../support/events';
import { userEvent } from '../../support/sync-events';

// A black hole: accepts TCP connections (and requests) and never answers, like a WorkOS or SQS
// endpoint that hangs. Each handler gets a Lambda context with FUNCTION_TIMEOUT_MS left and must
// answer (a retryable 503) before it runs out, whatever the clients' own timeouts and retries are.
const FUNCTION_TIMEOUT_MS = 4000;
let hole: Server;
let holeUrl: string;
let holePort: number;
const sockets = new Set<Socket>();
let h: Harness;

beforeAll(async () => {
  hole = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
  holePort = (hole.address() as { port: number }).port;
  holeUrl = `http://127.0.0.1:${holePort}`;
  h = await startHarness();
});
afterAll(async () => {
  hole.close();
  for (const socket of sockets) socket.destroy();
  await h.stop();
});

/** A Lambda context whose function times out FUNCTION_TIMEOUT_MS from now. */
function contextWithTimeout() {
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
  return lambdaContext({ getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) });
}

async function timed<T>(run: () => Promise<T>) {
  const started = Date.now();
  const result = await run();
  return { result, elapsedMs: Date.now() - started };
}

describe('time budgets: no outbound call outlives the function', () => {
  it('webhook: a black-holed SQS answers 503 QUEUE_UNAVAILABLE before the timeout', async () => {
    const sqs = createSqs({ SQS_ENDPOINT: holeUrl });
    const secret = 'whsec_slow';
    const webhook = makeWebhookHandler({
      sqs,
      queueUrl: `${holeUrl}/000000000000/sync-queue`,
      secret,
      budget: makeInvocationBudget(),
    });
    const payload = JSON.stringify(userEvent('created', { id: 'user_slow' }));
    const { result, elapsedMs } = await timed(() =>
      webhook(
        httpEvent({
          method: 'POST',
          path: '/webhooks/workos',
          headers: { 'content-type': 'application/json', 'workos-signature': signWebhook(payload, secret) },
          body: payload,
        }),
        contextWithTimeout(),
      ),
    );
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result).error?.code).toBe('QUEUE_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS);
  }, 20_000);

  it('GET /me: a refresh against a black-holed WorkOS answers 503 UPSTREAM_UNAVAILABLE before the timeout', async () => {
    h.emulator.setAccessTokenTtlSeconds(1);
    const { cookie } = await h.signIn('solo@example.com');
    h.emulator.setAccessTokenTtlSeconds(300);
    await new Promise((r) => setTimeout(r, 1100));
    const budget = makeInvocationBudget();
    const sessions = makeSessions({
      // The production settings: 5 s per attempt and one retry, longer than this function's life.
      sessionApi: makeSessionApi({
        baseUrl: holeUrl,
        clientId: h.emulator.clientId,
        apiKey: h.emulator.apiKey,
        timeoutMs: 5000,
        retries: 1,
        fetch: budget.fetch,
      }),
      db: h.db,
      cookiePassword: COOKIE_PASSWORD,
      cookie: { domain: COOKIE_DOMAIN, secure: true },
    });
    const me = makeMeHandler({ sessions, db: h.db, hsts: true, budget });
    const { result, elapsedMs } = await timed(() =>
      me(httpEvent({ path: '/me', cookies: [cookie as string] }), contextWithTimeout()),
    );
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result).error?.code).toBe('UPSTREAM_UNAVAILABLE');
    // The cookie stays: a timeout is not the end of the session.
    expect(result.cookies ?? []).toEqual([]);
    expect(elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS);
  }, 20_000);

  it('GET /auth/callback: a code exchange that times out is 503 UPSTREAM_UNAVAILABLE, not INVALID_CODE', async () => {
    const flow = await h.startLogin({ loginHint: 'solo@example.com' });
    const budget = makeInvocationBudget();
    const auth = makeAuthHandler({
      sessions: h.main.sessions,
      // The SDK's own settings: 5 s per attempt and one retry; the budget cuts them short.
      workos: createWorkOS(
        {
          WORKOS_API_KEY: h.emulator.apiKey,
          WORKOS_CLIENT_ID: h.emulator.clientId,
          WORKOS_API_HOSTNAME: '127.0.0.1',
          WORKOS_API_PORT: holePort,
          WORKOS_API_HTTPS: false,
        },
        { timeoutMs: 5000, maxRetries: 1, fetchFn: budget.fetch },
      ),
      db: h.db,
      clientId: h.emulator.clientId,
      redirectUri: REDIRECT_URI,
      allowedRedirectOrigins: [APP_ORIGIN],
      hsts: true,
      budget,
    });
    const { result, elapsedMs } = await timed(() =>
      auth(
        httpEvent({
          path: '/auth/callback',
          query: flow.callbackQuery,
          cookies: flow.verifier ? [flow.verifier] : [],
        }),
        contextWithTimeout(),
      ),
    );
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result).error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS);
  }, 20_000);
});
