import { startEmulator } from '@app/workos-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { httpEvent, lambdaContext } from '../../support/events';
import { authSeed } from '../auth/harness';

let t: TestDatabase;
let emulator: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  t = await createTestDatabase();
  emulator = await startEmulator({ seed: authSeed });
  Object.assign(process.env, {
    WORKOS_API_KEY: emulator.apiKey,
    WORKOS_CLIENT_ID: emulator.clientId,
    WORKOS_API_HOSTNAME: emulator.hostname,
    WORKOS_API_PORT: String(emulator.port),
    WORKOS_API_HTTPS: 'false',
    WORKOS_REDIRECT_URI: 'http://localhost:3000/auth/callback',
    SESSION_SECRET: 'entry-test-secret-entry-test-secret-0123',
    DATABASE_URL: t.url,
    APP_ENV: 'local',
  });
});
afterAll(async () => {
  await emulator.stop();
  await t.drop();
});

describe('Lambda entry files', () => {
  it('functions/me/handler.ts builds from the environment and serves /health and /me', async () => {
    const { handler } = await import('../../../functions/me/handler');
    const health = await handler(httpEvent({ path: '/health' }), lambdaContext());
    expect(health.statusCode).toBe(200);
    expect(health.headers['strict-transport-security']).toBeUndefined(); // APP_ENV=local
    const me = await handler(httpEvent({ path: '/me' }), lambdaContext());
    expect(me.statusCode).toBe(401);
  });

  it('functions/auth/handler.ts builds from the environment and starts a login', async () => {
    const { handler } = await import('../../../functions/auth/handler');
    const res = await handler(httpEvent({ path: '/auth/login' }), lambdaContext());
    expect(res.statusCode).toBe(302);
    expect(String(res.headers.location)).toContain(`${emulator.url}/user_management/authorize?`);
    // Local http: no Secure attribute.
    expect(res.cookies?.[0]).not.toMatch(/Secure/);
  });
});
