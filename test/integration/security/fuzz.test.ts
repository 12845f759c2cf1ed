import { createSqs } from '@app/config/sqs';
import type { HttpResult } from '@app/http';
import { managementWorkOS } from '@app/organizations';
import { signWebhook } from '@app/workos-emulator';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAuthHandler } from '../../../functions/auth/app';
import { makeMeHandler } from '../../../functions/me/app';
import { makeNotificationsHandler } from '../../../functions/notifications/app';
import { makeOrganizationsHandler } from '../../../functions/organizations/app';
import { makeWebhookApp } from '../../../functions/webhook/app';
import { type HttpFunction, routeKey, routes } from '../../../infra/routes';
import { APP_ORIGIN, REDIRECT_URI } from '../../support/auth';
import { type HttpEventInput, httpEvent, lambdaContext } from '../../support/events';
import { type OrgHarness, startOrgHarness, TENANT_BASE } from '../../support/organizations';
import { emulatorWorkOSApi } from '../../support/workos';

/**
 * Hostile requests across every route of infra/routes.ts (bounded, fixed seed): no 5xx, no
 * internals in a body, and no state changed by a request that was refused.
 */
const REQUESTS = 1200;
const SEED = 20261130;
const WEBHOOK_SECRET = 'whsec_fuzz_secret';

let h: OrgHarness;
let handlers: Record<
  HttpFunction,
  (e: ReturnType<typeof httpEvent>, c: ReturnType<typeof lambdaContext>) => Promise<HttpResult>
>;
let cookies: { owner: string; member: string };

beforeAll(async () => {
  h = await startOrgHarness();
  const deps = {
    sessions: h.main.sessions,
    db: h.db,
    hsts: true,
    tenantBaseDomain: TENANT_BASE,
    allowedRedirectOrigins: [APP_ORIGIN],
    workos: managementWorkOS(emulatorWorkOSApi(h.emulator)),
  };
  // No queue behind the webhook: a request that got as far as enqueueing would answer 503.
  handlers = {
    auth: makeAuthHandler({
      ...deps,
      workos: h.main.workos,
      clientId: h.emulator.clientId,
      redirectUri: REDIRECT_URI,
    }),
    me: makeMeHandler(deps),
    organizations: makeOrganizationsHandler(deps),
    notifications: makeNotificationsHandler(deps),
    webhook: makeWebhookApp({
      sqs: createSqs({ SQS_ENDPOINT: 'http://127.0.0.1:9' }),
      queueUrl: 'http://127.0.0.1:9/000000000000/none',
      secret: WEBHOOK_SECRET,
    }),
  };
  cookies = {
    owner: await h.signInTo('owner@acme.test', 'org_acme'),
    member: await h.signInTo('member@acme.test', 'org_acme'),
  };
});
afterAll(async () => {
  await h.stop();
});

/** One hash of every application table's content: equal before and after means nothing changed. */
async function stateHash(): Promise<string> {
  const tables = await h.db.execute<{ table_name: string }>(sql`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`);
  const parts = tables.map(
    (t) =>
      sql`(SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM ${sql.identifier(t.table_name)} x)`,
  );
  const [row] = await h.db.execute<{ hash: string }>(
    sql`SELECT md5(concat_ws(',', ${sql.join(parts, sql`, `)})) AS hash`,
  );
  return row!.hash;
}

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\u2028',
    '／evil.test',
    '//evil.test',
    'https://evil.test/',
    'javascript:alert(1)',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    '../../etc/passwd',
    '%00',
    '%2F%2Fevil.test',
    '__proto__',
    'constructor',
    'org_acme',
    'acme-corp',
    'x'.repeat(5000),
    '\u202e\u0000\uffff',
    '$' + '{jndi:ldap://evil}',
    'NaN',
    '-1',
    '1e309',
  ),
);
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileText,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileText, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const knownFields = fc.record(
  {
    bio: hostileText,
    timezone: hostileText,
    avatarUrl: hostileText,
    preferences: hostileJson,
    organizationId: hostileText,
    settings: hostileJson,
    logoUrl: hostileText,
    name: hostileText,
    email: hostileText,
    role: hostileText,
    domain: hostileText,
  },
  { requiredKeys: [] },
);

const request = fc.record({
  route: fc.constantFrom(...routes),
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'TRACE') },
  ),
  params: fc.dictionary(fc.constantFrom('slug', 'userId', 'id'), hostileText),
  paramsKind: fc.constantFrom('hostile', 'real'),
  query: fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        'returnTo',
        'organizationId',
        'loginHint',
        'screenHint',
        'state',
        'code',
        'error',
        'cursor',
        'limit',
      ),
      hostileText,
    ),
    hostileText,
    { maxKeys: 4 },
  ),
  origin: fc.constantFrom(
    undefined,
    APP_ORIGIN,
    'https://evil.test',
    'null',
    'https://sibling.example.com',
    `https://acme-corp.${TENANT_BASE}`,
  ),
  host: fc.constantFrom(
    'auth.example.com',
    `acme-corp.${TENANT_BASE}`,
    `globex.${TENANT_BASE}`,
    'evil.test',
    `${TENANT_BASE}`,
  ),
  contentType: fc.constantFrom(
    undefined,
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-8',
    'multipart/form-data; boundary=x',
  ),
  cookie: fc.constantFrom('none', 'owner', 'member', 'garbage', 'tampered', 'huge', 'many'),
  body: fc.oneof(
    fc.constant(undefined),
    knownFields.map((v) => JSON.stringify(v)),
    hostileJson.map((v) => JSON.stringify(v)),
    hostileText,
    fc.constant('{"bio": '),
    fc.constant('x'.repeat(70_000)),
  ),
  base64: fc.boolean(),
  signed: fc.boolean(),
  extraHeaders: fc.dictionary(
    fc.constantFrom('accept', 'referer', 'x-forwarded-host', 'workos-signature', 'user-agent'),
    hostileText,
    { maxKeys: 2 },
  ),
});
type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function eventFor(r: FuzzRequest): HttpEventInput {
  const method = r.method ?? r.route.method;
  const real: Record<string, string> = { slug: 'acme-corp', userId: 'user_member', id: 'invitation_x' };
  const pathParameters: Record<string, string> = {};
  let path: string = r.route.path;
  for (const name of r.route.path.match(/\{(\w+)\}/g)?.map((m) => m.slice(1, -1)) ?? []) {
    const value = r.paramsKind === 'real' ? (real[name] ?? 'x') : (r.params[name as 'slug'] ?? '');
    pathParameters[name] = value;
    path = path.replace(`{${name}}`, encodeURIComponent(value.replace(/\p{Cs}/gu, '\ufffd')));
  }
  const headers: Record<string, string> = { host: r.host, ...r.extraHeaders };
  if (r.origin) headers.origin = r.origin;
  if (r.contentType) headers['content-type'] = r.contentType;
  const cookie = {
    none: [],
    owner: [cookies.owner],
    member: [cookies.member],
    garbage: ['wos-session=Fe26.2**garbage~2'],
    tampered: [`${cookies.owner.slice(0, -12)}AAAAAAAAAAAA`],
    huge: [`wos-session=${'A'.repeat(8000)}`],
    many: Array.from({ length: 30 }, (_, i) => `wos-pkce-${i}=Fe26.2*x`),
  }[r.cookie];
  let body = r.body;
  if (body !== undefined && r.signed && r.route.fn === 'webhook')
    headers['workos-signature'] = signWebhook(body, WEBHOOK_SECRET);
  if (body !== undefined && r.base64) body = Buffer.from(body, 'utf8').toString('base64');
  return {
    method,
    path,
    routeKey: method === r.route.method ? routeKey(r.route) : `${method} ${r.route.path}`,
    headers,
    cookies: cookie,
    query: new URLSearchParams(r.query).toString(),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    ...(body !== undefined ? { body, isBase64Encoded: r.base64 } : {}),
  };
}

const INTERNALS =
  /\bat \S+ \(?[^)\s]*:\d+:\d+\)?|node_modules|PostgresError|DrizzleQueryError|Failed query|\/work\/|ECONNREFUSED|TypeError|ReferenceError/;

describe(`${REQUESTS} hostile requests across every route`, () => {
  it('answer no 5xx, show no internals, and change nothing when refused', async () => {
    const samples = fc.sample(request, { numRuns: REQUESTS, seed: SEED });
    const byStatus = new Map<number, number>();
    const routesHit = new Set<string>();
    const failures: string[] = [];
    for (const [i, r] of samples.entries()) {
      const input = eventFor(r);
      const before = input.method === 'GET' ? undefined : await stateHash();
      const res = await handlers[r.route.fn](httpEvent(input), lambdaContext());
      const status = res.statusCode ?? 0;
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      routesHit.add(routeKey(r.route));
      const body = String(res.body ?? '');
      if (status >= 500)
        failures.push(`#${i} ${input.method} ${input.path}: ${status} ${body.slice(0, 200)}`);
      if (INTERNALS.test(body))
        failures.push(`#${i} ${input.method} ${input.path}: internals in body ${body.slice(0, 200)}`);
      if (before !== undefined && status >= 400 && (await stateHash()) !== before) {
        failures.push(`#${i} ${input.method} ${input.path}: refused with ${status} but changed state`);
      }
    }
    expect(failures).toEqual([]);
    expect(routesHit.size).toBe(routes.length);
    expect([...byStatus.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS);
  });
});
