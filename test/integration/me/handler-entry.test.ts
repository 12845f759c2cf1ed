import type { Emulator } from '@app/workos-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEntryEnvironment } from '../../support/auth';
import { httpEvent, lambdaContext } from '../../support/events';

let emulator: Emulator;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ emulator, stop } = await startEntryEnvironment());
});
afterAll(() => stop());

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
