import { spawn } from 'node:child_process';
import { decodeJwtClaims, demoSeed, type Emulator, startEmulator } from '@app/workos-emulator';
import {
  DomainDataState,
  NotFoundException,
  RateLimitExceededException,
  UnprocessableEntityException,
  WorkOS,
} from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cookiePassword = 'test-cookie-password-at-least-32-characters';
const redirectUri = 'http://localhost:3000/auth/callback';

let emulator: Emulator;
let workos: WorkOS;

beforeAll(async () => {
  emulator = await startEmulator({ seed: demoSeed });
  workos = new WorkOS(emulator.apiKey, {
    clientId: emulator.clientId,
    ...emulator.sdkOptions,
    maxRetries: 0,
  });
});

afterAll(async () => {
  await emulator?.stop();
});

async function signIn(loginHint: string) {
  const { codeVerifier, codeChallenge } = await workos.pkce.generate();
  const url = workos.userManagement.getAuthorizationUrl({
    provider: 'authkit',
    redirectUri,
    codeChallenge,
    codeChallengeMethod: 'S256',
    loginHint,
  });
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '');
  return workos.userManagement.authenticateWithCode({
    code: location.searchParams.get('code') ?? '',
    codeVerifier,
    session: { sealSession: true, cookiePassword },
  });
}

describe('resources', () => {
  it('lists users newest first and pages through them with after and before', async () => {
    for (let i = 0; i < 5; i++) emulator.store.createUser({ email: `pager${i}@example.com` });
    const total = emulator.store.listUsers().length;
    const first = await workos.userManagement.listUsers({ limit: 2 });
    expect(first.data.map((u) => u.email)).toEqual(['pager4@example.com', 'pager3@example.com']);
    expect(first.listMetadata.before).toBeNull();
    expect(first.listMetadata.after).toBe(first.data[1]?.id);
    const all = await (await workos.userManagement.listUsers()).autoPagination();
    expect(all).toHaveLength(total);
    expect(new Set(all.map((u) => u.id)).size).toBe(total);

    const second = await workos.userManagement.listUsers({ limit: 2, after: first.listMetadata.after ?? '' });
    expect(second.data.map((u) => u.email)).toEqual(['pager2@example.com', 'pager1@example.com']);
    const back = await workos.userManagement.listUsers({ limit: 2, before: second.data[0]?.id ?? '' });
    expect(back.data.map((u) => u.email)).toEqual(['pager4@example.com', 'pager3@example.com']);

    const asc = await workos.userManagement.listUsers({ order: 'asc', limit: 1 });
    expect(asc.data[0]?.id).toBe('user_demo_solo');
    const byEmail = await workos.userManagement.listUsers({ email: 'pager2@example.com' });
    expect(byEmail.data).toHaveLength(1);
    const byOrg = await workos.userManagement.listUsers({ organizationId: 'org_01DemoAcme' });
    expect(byOrg.data.map((u) => u.id).sort()).toEqual(['user_demo_admin', 'user_demo_multi']);
  });

  it('gets, creates, updates and deletes users with WorkOS errors for bad input', async () => {
    const user = await workos.userManagement.createUser({ email: 'Crud@Example.com', firstName: 'C' });
    expect(user).toMatchObject({
      object: 'user',
      email: 'crud@example.com',
      firstName: 'C',
      emailVerified: true,
    });
    expect(user.id).toMatch(/^user_[0-9A-Z]{26}$/);
    await expect(workos.userManagement.createUser({ email: 'crud@example.com' })).rejects.toBeInstanceOf(
      UnprocessableEntityException,
    );
    await expect(workos.userManagement.createUser({ email: 'not-an-email' })).rejects.toMatchObject({
      status: 422,
    });
    const updated = await workos.userManagement.updateUser({
      userId: user.id,
      lastName: 'Rud',
      metadata: { a: '1' },
    });
    expect(updated).toMatchObject({ lastName: 'Rud', metadata: { a: '1' } });
    expect((await workos.userManagement.getUser(user.id)).lastName).toBe('Rud');
    await workos.userManagement.deleteUser(user.id);
    await expect(workos.userManagement.getUser(user.id)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('finds users and organizations by external id', async () => {
    const user = emulator.store.createUser({ email: 'external@example.com', externalId: 'ext-user-1' });
    const org = emulator.store.createOrganization({ name: 'External Org', externalId: 'ext-org-1' });
    expect((await workos.userManagement.getUserByExternalId('ext-user-1')).id).toBe(user.id);
    expect((await workos.organizations.getOrganizationByExternalId('ext-org-1')).id).toBe(org.id);
    await expect(workos.userManagement.getUserByExternalId('nope')).rejects.toBeInstanceOf(NotFoundException);
  });

  it('keeps a cursor valid after its item is deleted', async () => {
    const a = emulator.store.createUser({ email: 'cursor-a@example.com' });
    const b = emulator.store.createUser({ email: 'cursor-b@example.com' });
    emulator.store.deleteUser(b.id);
    const page = await workos.userManagement.listUsers({ order: 'desc', after: b.id, limit: 1 });
    expect(page.data.map((u) => u.id)).toEqual([a.id]);
  });

  it('manages organizations with domains', async () => {
    const org = await workos.organizations.createOrganization({
      name: 'Initech',
      domainData: [{ domain: 'initech.test', state: DomainDataState.Verified }],
    });
    expect(org.domains).toEqual([
      expect.objectContaining({ domain: 'initech.test', state: 'verified', organizationId: org.id }),
    ]);
    const found = await workos.organizations.listOrganizations({ domains: ['initech.test'] });
    expect(found.data.map((o) => o.id)).toEqual([org.id]);
    const renamed = await workos.organizations.updateOrganization({
      organization: org.id,
      name: 'Initech 2',
    });
    expect(renamed.name).toBe('Initech 2');
    expect((await workos.organizations.getOrganization(org.id)).name).toBe('Initech 2');
    await workos.organizations.deleteOrganization(org.id);
    await expect(workos.organizations.getOrganization(org.id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(workos.organizations.createOrganization({ name: '' })).rejects.toMatchObject({
      status: 422,
    });
  });

  it('manages memberships: list by user or organization and status, role changes, deactivate, reactivate', async () => {
    const lin = await workos.userManagement.listOrganizationMemberships({ userId: 'user_demo_multi' });
    expect(lin.data.map((m) => m.organizationId).sort()).toEqual(['org_01DemoAcme', 'org_01DemoGlobex']);
    expect(lin.data[0]).toMatchObject({
      object: 'organization_membership',
      status: 'active',
      role: { slug: expect.any(String) },
    });

    const user = emulator.store.createUser({ email: 'member@example.com' });
    const created = await workos.userManagement.createOrganizationMembership({
      organizationId: 'org_01DemoAcme',
      userId: user.id,
    });
    expect(created.role).toEqual({ slug: 'member' });
    await expect(
      workos.userManagement.createOrganizationMembership({
        organizationId: 'org_01DemoAcme',
        userId: user.id,
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      workos.userManagement.updateOrganizationMembership(created.id, { roleSlug: 'no-such-role' }),
    ).rejects.toMatchObject({ status: 422 });
    const promoted = await workos.userManagement.updateOrganizationMembership(created.id, {
      roleSlug: 'admin',
    });
    expect(promoted.role).toEqual({ slug: 'admin' });

    const inactive = await workos.userManagement.deactivateOrganizationMembership(created.id);
    expect(inactive.status).toBe('inactive');
    const activeOnly = await workos.userManagement.listOrganizationMemberships({
      organizationId: 'org_01DemoAcme',
      statuses: ['active'],
    });
    expect(activeOnly.data.map((m) => m.id)).not.toContain(created.id);
    expect((await workos.userManagement.reactivateOrganizationMembership(created.id)).status).toBe('active');
    const events = emulator.events.filter((e) => e.data.id === created.id).map((e) => e.event);
    expect(events).toEqual([
      'organization_membership.created',
      'organization_membership.updated',
      'organization_membership.updated',
      'organization_membership.updated',
    ]);
  });

  it('lists and revokes sessions; a revoked session cannot refresh', async () => {
    const auth = await signIn('sam.rivera@example.com');
    const sessions = await workos.userManagement.listSessions('user_demo_solo');
    const sid = sessions.data.find((s) => s.status === 'active')?.id ?? '';
    expect(sid).toMatch(/^session_/);
    await workos.userManagement.revokeSession({ sessionId: sid });
    expect(emulator.events.at(-1)).toMatchObject({
      event: 'session.revoked',
      data: { id: sid, user_id: 'user_demo_solo' },
    });
    const cookie = workos.userManagement.loadSealedSession({
      sessionData: auth.sealedSession ?? '',
      cookiePassword,
    });
    expect(await cookie.refresh()).toMatchObject({ authenticated: false, reason: 'invalid_grant' });
  });

  it('refuses to refresh into an organization the user was removed from; without it the token has none', async () => {
    const user = emulator.store.createUser({ email: 'leaver@example.com' });
    const membership = emulator.store.createMembership({
      userId: user.id,
      organizationId: 'org_01DemoGlobex',
    });
    const auth = await signIn('leaver@example.com');
    expect(auth.organizationId).toBe('org_01DemoGlobex');
    emulator.store.deleteMembership(membership.id);
    // CookieSession.refresh() always sends the organization of the current token.
    const cookie = workos.userManagement.loadSealedSession({
      sessionData: auth.sealedSession ?? '',
      cookiePassword,
    });
    await expect(cookie.refresh()).rejects.toMatchObject({
      status: 403,
      code: 'organization_membership_required',
    });
    const plain = await workos.userManagement.authenticateWithRefreshToken({
      refreshToken: auth.refreshToken,
    });
    expect(plain.organizationId).toBeUndefined();
    expect(decodeJwtClaims(plain.accessToken).org_id).toBeUndefined();
  });
});

describe('fault injection', () => {
  it('fails the next calls to a route; the SDK retry then succeeds', async () => {
    const retrying = new WorkOS(emulator.apiKey, {
      clientId: emulator.clientId,
      ...emulator.sdkOptions,
      maxRetries: 2,
    });
    const route = 'GET /user_management/users/:id';
    const before = emulator.counts.requests[route] ?? 0;
    emulator.faults.failNext(route, 1, 500);
    expect((await retrying.userManagement.getUser('user_demo_solo')).id).toBe('user_demo_solo');
    expect(emulator.counts.requests[route]).toBe(before + 2);
  });

  it('answers 429 with Retry-After and turns refresh failures into retryable reasons', async () => {
    emulator.faults.failNext('GET /organizations/:id', 1, { status: 429, retryAfterSeconds: 7 });
    const limited = await workos.organizations.getOrganization('org_01DemoAcme').catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitExceededException);
    expect(limited).toMatchObject({ retryAfter: 7 });

    const auth = await signIn('ada.okafor@acme.test');
    const cookie = workos.userManagement.loadSealedSession({
      sessionData: auth.sealedSession ?? '',
      cookiePassword,
    });
    const route = 'POST /user_management/authenticate';
    emulator.faults.failNext(route, 1, 429);
    expect(await cookie.refresh()).toMatchObject({
      authenticated: false,
      reason: 'rate_limit_exceeded',
      retryable: true,
    });
    emulator.faults.failNext(route, 1, 503);
    expect(await cookie.refresh()).toMatchObject({
      authenticated: false,
      reason: 'server_error',
      retryable: true,
    });
    // Nothing was spent: the same refresh token still works.
    expect(await cookie.refresh()).toMatchObject({ authenticated: true });
  });

  it('delays a route so a short SDK timeout fires', async () => {
    const impatient = new WorkOS(emulator.apiKey, {
      clientId: emulator.clientId,
      ...emulator.sdkOptions,
      maxRetries: 0,
      timeout: 100,
    });
    const auth = await signIn('ada.okafor@acme.test');
    const cookie = impatient.userManagement.loadSealedSession({
      sessionData: auth.sealedSession ?? '',
      cookiePassword,
    });
    emulator.faults.delayNext('POST /user_management/authenticate', 1, 400);
    expect(await cookie.refresh()).toMatchObject({
      authenticated: false,
      reason: 'timeout',
      retryable: true,
    });
    expect(emulator.faults.pending('POST /user_management/authenticate')).toBe(0);
  });
});

describe('control page', () => {
  it('lists the state and changes it through the store, so events fire', async () => {
    const pageHtml = await (await fetch(`${emulator.url}/_emulator`)).text();
    expect(pageHtml).toContain('ada.okafor@acme.test');
    expect(pageHtml).toContain('Globex');

    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${emulator.url}/_emulator/actions`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      });
    const renamed = await post({
      action: 'renameUser',
      userId: 'user_demo_solo',
      firstName: 'Samuel',
      lastName: 'R',
    });
    expect(renamed.status).toBe(303);
    expect(emulator.store.getUser('user_demo_solo').first_name).toBe('Samuel');
    expect(emulator.events.at(-1)).toMatchObject({ event: 'user.updated', data: { first_name: 'Samuel' } });

    const added = await post({
      action: 'addMembership',
      userId: 'user_demo_solo',
      organizationId: 'org_01DemoGlobex',
      role: 'member',
    });
    expect(added.status).toBe(303);
    expect(emulator.store.activeMembership('user_demo_solo', 'org_01DemoGlobex')?.role.slug).toBe('member');

    const foreign = await post(
      { action: 'deleteUser', userId: 'user_demo_solo' },
      { origin: 'http://evil.example.com' },
    );
    expect(foreign.status).toBe(403);
    expect(emulator.store.findUser('user_demo_solo')).toBeDefined();
  });
});

describe('control API', () => {
  const control = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${emulator.url}/_emulator/api${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('arms route faults, drives webhook delivery and the clock over HTTP', async () => {
    const armed = await control('/faults', { route: 'GET /organizations/:id', times: 1, status: 500 });
    expect(await armed.json()).toEqual({ route: 'GET /organizations/:id', pending: 1 });
    await expect(workos.organizations.getOrganization('org_01DemoAcme')).rejects.toMatchObject({
      status: 500,
    });
    expect((await workos.organizations.getOrganization('org_01DemoAcme')).id).toBe('org_01DemoAcme');

    expect(await (await control('/webhooks/pause', {})).json()).toMatchObject({ paused: true });
    expect(await (await control('/webhooks/resume', {})).json()).toMatchObject({ paused: false });
    expect((await control('/webhooks/flush', {})).status).toBe(200);
    expect((await control('/webhooks/explode', {})).status).toBe(404);

    const before = emulator.clock.now();
    await control('/clock/advance', { ms: 60_000 });
    expect(emulator.clock.now() - before).toBeGreaterThanOrEqual(60_000);
    await control('/clock/reset', {});
    expect(Math.abs(emulator.clock.now() - Date.now())).toBeLessThan(1000);

    const state = (await (await control('/state')).json()) as { users: { id: string }[] };
    expect(state.users.map((u) => u.id)).toContain('user_demo_admin');
  });

  it('refuses cross-origin callers and non-JSON bodies', async () => {
    const foreign = await control(
      '/faults',
      { route: 'x', status: 500 },
      { origin: 'http://evil.example.com' },
    );
    expect(foreign.status).toBe(403);
    const form = await fetch(`${emulator.url}/_emulator/api/webhooks/pause`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
    expect(emulator.webhooks.paused).toBe(false);
  });
});

describe('CLI', () => {
  it('starts on the requested port and prints its URL, API key and client id', async () => {
    const cli = ['--import', 'tsx', 'packages/workos-emulator/src/cli.ts', '--port', '0', '--no-seed'];
    const child = spawn(process.execPath, cli, { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const output = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('WORKOS_CLIENT_ID=')) resolve(text);
        });
        child.once('exit', (code) => reject(new Error(`cli exited with ${code}: ${text}`)));
      });
      expect(output).toContain('WORKOS_API_KEY=sk_test_default');
      expect(output).toContain('WORKOS_CLIENT_ID=client_emulator');
      const url = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      expect(url).toBeTruthy();
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
