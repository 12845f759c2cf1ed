import { makeInvocationBudget } from '@app/config/budget';
import { makeWorkOSApi, WorkOSApiError } from '@app/config/workos-api';
import { workosRefusal } from '@app/organizations';
import { demoSeed, type Emulator, startEmulator } from '@app/workos-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorWorkOSApi, workosSettingsOf } from '../../support/workos';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: demoSeed });
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.faults.clear());

const USER = 'user_demo_solo';
const ORG = 'org_01DemoAcme';
const requests = (route: string) => emulator.counts.requests[route] ?? 0;
/** Waits recorded instead of slept, so a test sees the backoff without spending it. */
const recordedSleeps = () => {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
};
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('the WorkOS REST client', () => {
  it('answers with WorkOS JSON as sent (snake_case), query strings included', async () => {
    const api = emulatorWorkOSApi(emulator);
    expect(await api.get(`/user_management/users/${USER}`)).toMatchObject({ id: USER, object: 'user' });
    const page = (await api.get('/user_management/organization_memberships', {
      query: { organization_id: ORG, limit: 1, after: undefined },
    })) as { data: { organization_id: string }[]; list_metadata: unknown };
    expect(page.data).toHaveLength(1);
    expect(page.data[0]?.organization_id).toBe(ORG);
    expect(page.list_metadata).toBeDefined();
  });

  it('sends JSON bodies and the API key, and creates, updates and deletes', async () => {
    const api = emulatorWorkOSApi(emulator);
    const org = (await api.post('/organizations', { name: 'Client Test Org' })) as {
      id: string;
      name: string;
    };
    expect(org.name).toBe('Client Test Org');
    const renamed = (await api.put(`/organizations/${org.id}`, { name: 'Renamed Org' })) as { name: string };
    expect(renamed.name).toBe('Renamed Org');
    await api.delete(`/organizations/${org.id}`);
    expect(emulator.store.listOrganizations().some((o) => o.id === org.id)).toBe(false);
  });

  it('fails with the status and WorkOS code on a 404, without retrying it', async () => {
    const api = emulatorWorkOSApi(emulator, { retry: { attempts: 3 } });
    const before = requests('GET /user_management/users/:id');
    const error = await failure(api.get('/user_management/users/user_missing'));
    expect(error).toBeInstanceOf(WorkOSApiError);
    expect(error).toMatchObject({ status: 404, code: 'entity_not_found' });
    expect(requests('GET /user_management/users/:id')).toBe(before + 1);
  });

  it('never puts the API key in an error', async () => {
    const api = emulatorWorkOSApi(emulator);
    emulator.faults.failNext('GET /organizations/:id', 1, 500);
    const error = (await failure(api.get(`/organizations/${ORG}`))) as Error;
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(emulator.apiKey);
  });

  it('retries a GET on 5xx and on 429, waiting at least Retry-After (past the backoff cap) within the time left', async () => {
    const { sleeps, sleep } = recordedSleeps();
    const api = emulatorWorkOSApi(emulator, {
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 1_000 },
      sleep,
      remainingMs: () => 8_000,
    });
    emulator.faults.failNext('GET /organizations/:id', 1, 503);
    emulator.faults.failNext('GET /organizations/:id', 1, { status: 429, retryAfterSeconds: 5 });
    expect(await api.get(`/organizations/${ORG}`)).toMatchObject({ id: ORG });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThanOrEqual(5_000);
  });

  it('gives up on a 429 whose Retry-After is past the time left, keeping retryAfter for the caller', async () => {
    const { sleeps, sleep } = recordedSleeps();
    const api = emulatorWorkOSApi(emulator, { retry: { attempts: 3 }, sleep, remainingMs: () => 1_000 });
    emulator.faults.failNext('GET /organizations/:id', 1, { status: 429, retryAfterSeconds: 7 });
    const error = await failure(api.get(`/organizations/${ORG}`));
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfter: 7 });
    expect(sleeps).toEqual([]);
    // The refusal the API answers with keeps WorkOS's wait.
    expect(workosRefusal(error, 'Organization')).toMatchObject({
      code: 'RATE_LIMITED',
      headers: { 'retry-after': '7' },
    });
  });

  it('never retries a POST (not idempotent): one attempt, one error', async () => {
    const { sleeps, sleep } = recordedSleeps();
    const api = emulatorWorkOSApi(emulator, { retry: { attempts: 3 }, sleep });
    const before = requests('POST /organizations');
    emulator.faults.failNext('POST /organizations', 1, 503);
    expect(await failure(api.post('/organizations', { name: 'Not Twice' }))).toMatchObject({ status: 503 });
    expect(requests('POST /organizations')).toBe(before + 1);
    expect(sleeps).toEqual([]);
  });

  it('times an attempt out, then retries it', async () => {
    const api = emulatorWorkOSApi(emulator, { timeoutMs: 100, retry: { attempts: 2, baseDelayMs: 10 } });
    emulator.faults.delayNext('GET /user_management/users/:id', 1, 400);
    expect(await api.get(`/user_management/users/${USER}`)).toMatchObject({ id: USER });

    const once = emulatorWorkOSApi(emulator, { timeoutMs: 100 });
    emulator.faults.delayNext('GET /user_management/users/:id', 1, 400);
    const error = await failure(once.get(`/user_management/users/${USER}`));
    expect(error).toMatchObject({ status: undefined, name: 'WorkOSApiError' });
    expect(workosRefusal(error, 'User')).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it("ends a call when the invocation's budget runs out, and does not retry past it", async () => {
    const budget = makeInvocationBudget({ reserveMs: 0 });
    budget.start({ getRemainingTimeInMillis: () => 150 });
    const api = makeWorkOSApi(workosSettingsOf(emulator), {
      fetch: budget.fetch,
      remainingMs: budget.remainingMs,
      retry: { attempts: 5, baseDelayMs: 50 },
    });
    const before = requests('GET /user_management/users/:id');
    emulator.faults.delayNext('GET /user_management/users/:id', 5, 400);
    const started = Date.now();
    expect(await failure(api.get(`/user_management/users/${USER}`))).toMatchObject({ status: undefined });
    expect(Date.now() - started).toBeLessThan(400);
    expect(requests('GET /user_management/users/:id')).toBe(before + 1);
  });
});
