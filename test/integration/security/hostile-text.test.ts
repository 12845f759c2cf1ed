import { httpHandler, ok } from '@app/http';
import { Logger } from '@aws-lambda-powertools/logger';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bodyOf } from '../../support/auth';
import { httpEvent, lambdaContext } from '../../support/events';
import { type OrgHarness, startOrgHarness } from '../../support/organizations';

// Weakness 4: a NUL character reached PostgreSQL (500) and the error log echoed the query's parameters.
let h: OrgHarness;
let owner: string;
let multi: string;
beforeAll(async () => {
  h = await startOrgHarness();
  owner = await h.signInTo('owner@acme.test', 'org_acme');
  multi = await h.signInTo('member@acme.test', 'org_acme');
});
afterAll(() => h.stop());

const NUL = '\u0000';
const cursorWith = (email: string) =>
  Buffer.from(JSON.stringify([email, '00000000-0000-4000-8000-000000000000'])).toString('base64url');

type Case = { name: string; run: () => Promise<{ statusCode?: number; body?: string }> };
const patchMe = (body: unknown) => () =>
  h.main.me({
    method: 'PATCH',
    path: '/me',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    cookies: [owner],
  });
const patchOrg = (body: unknown) => () =>
  h.call('PATCH', '/organizations/acme-corp', { cookie: owner, body });

const cases: Case[] = [
  { name: 'PATCH /me bio', run: patchMe({ bio: `hi${NUL}there` }) },
  { name: 'PATCH /me bio (only NUL)', run: patchMe({ bio: NUL }) },
  { name: 'PATCH /me timezone', run: patchMe({ timezone: `Europe/Paris${NUL}` }) },
  { name: 'PATCH /me avatarUrl', run: patchMe({ avatarUrl: `https://cdn.test/a${NUL}.png` }) },
  { name: 'PATCH /me preferences key', run: patchMe({ preferences: { [`the${NUL}me`]: 'dark' } }) },
  { name: 'PATCH /me preferences value', run: patchMe({ preferences: { theme: `da${NUL}rk` } }) },
  { name: 'PATCH /me preferences nested', run: patchMe({ preferences: { a: { b: [`x${NUL}`] } } }) },
  { name: 'PATCH /me preferences nested key', run: patchMe({ preferences: { a: { [NUL]: 1 } } }) },
  { name: 'PATCH /me unknown key', run: patchMe({ [`bio${NUL}`]: 'x' }) },
  { name: 'PATCH org settings key', run: patchOrg({ settings: { [`k${NUL}`]: 1 } }) },
  { name: 'PATCH org settings value', run: patchOrg({ settings: { k: `v${NUL}` } }) },
  { name: 'PATCH org settings nested', run: patchOrg({ settings: { k: [{ v: NUL }] } }) },
  { name: 'PATCH org logoUrl', run: patchOrg({ logoUrl: `https://cdn.test/${NUL}.png` }) },
  { name: 'PATCH org domain', run: patchOrg({ domain: `acme${NUL}.test` }) },
  { name: 'GET org slug', run: () => h.call('GET', `/organizations/acme${NUL}corp`, { cookie: owner }) },
  { name: 'GET org slug (only NUL)', run: () => h.call('GET', `/organizations/${NUL}`, { cookie: owner }) },
  {
    name: 'PATCH org slug',
    run: () => h.call('PATCH', `/organizations/a${NUL}`, { cookie: owner, body: { settings: {} } }),
  },
  {
    name: 'GET members slug',
    run: () => h.call('GET', `/organizations/acme${NUL}/members`, { cookie: owner }),
  },
  {
    name: 'members cursor with NUL email',
    run: () =>
      h.call('GET', '/organizations/acme-corp/members', {
        cookie: owner,
        query: { cursor: cursorWith(`a${NUL}@acme.test`) },
      }),
  },
  {
    name: 'members cursor raw NUL',
    run: () =>
      h.call('GET', '/organizations/acme-corp/members', { cookie: owner, query: { cursor: `a${NUL}` } }),
  },
  {
    name: 'members limit',
    run: () =>
      h.call('GET', '/organizations/acme-corp/members', { cookie: owner, query: { limit: `1${NUL}` } }),
  },
  {
    name: 'switch organizationId',
    run: () =>
      h.call('POST', '/auth/switch-organization', { cookie: multi, body: { organizationId: `org_${NUL}` } }),
  },
  {
    name: 'switch slug',
    run: () =>
      h.call('POST', '/auth/switch-organization', { cookie: multi, body: { organizationId: `acme${NUL}` } }),
  },
  {
    name: 'switch key',
    run: () => h.call('POST', '/auth/switch-organization', { cookie: multi, body: { [NUL]: 'org_globex' } }),
  },
  {
    name: 'login organizationId',
    run: () => h.call('GET', '/auth/login', { query: { organizationId: `org_a${NUL}` } }),
  },
  {
    name: 'login loginHint',
    run: () => h.call('GET', '/auth/login', { query: { loginHint: `a${NUL}@b.test` } }),
  },
  { name: 'login returnTo', run: () => h.call('GET', '/auth/login', { query: { returnTo: `/a${NUL}b` } }) },
  { name: 'login screenHint', run: () => h.call('GET', '/auth/login', { query: { screenHint: NUL } }) },
  {
    name: 'callback state',
    run: () => h.call('GET', '/auth/callback', { query: { state: NUL, code: NUL } }),
  },
  {
    name: 'logout returnTo',
    run: () => h.call('POST', '/auth/logout', { cookie: multi, query: { returnTo: `/${NUL}` } }),
  },
];

describe('a NUL character anywhere in a request', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: 400 VALIDATION_FAILED, never 500',
    async (_name, c) => {
      const res = await c.run();
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res as never).error?.code).toBe('VALIDATION_FAILED');
    },
  );

  it('leaves the profile and the organization as they were', async () => {
    const me = bodyOf(await h.main.me({ path: '/me', cookies: [owner] })).data.user;
    expect(me.bio ?? null).toBeNull();
    expect(me.preferences ?? {}).toEqual({});
  });
});

describe('error logs', () => {
  it('never carry a failed query’s parameters (user content, session ids)', async () => {
    const lines: string[] = [];
    // Dev mode: the logger writes through the global console, which the test can listen to.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const logger = new Logger({ serviceName: 'me', logLevel: 'DEBUG' });
    vi.unstubAllEnvs();
    const secret = 'secret-user-content-4711';
    // A query that really fails inside PostgreSQL with user content among its parameters.
    const handler = httpHandler(
      async () => {
        await h.db.execute(sql`SELECT ${secret}::int`);
        return ok({});
      },
      { logger, hsts: true },
    );
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    let res: Awaited<ReturnType<typeof handler>>;
    try {
      res = await handler(httpEvent({ path: '/me', query: `q=${secret}` }), lambdaContext());
    } finally {
      spy.mockRestore();
    }
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain(secret);
    const logged = lines.join('');
    expect(logged).toContain('unhandled error');
    expect(logged).toContain('Failed query: SELECT $1::int');
    expect(logged).toContain('22P02'); // PostgreSQL's code stays, for diagnosis
    expect(logged).not.toContain(secret);
  });
});
