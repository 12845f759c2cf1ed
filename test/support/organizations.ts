import type { HttpResult } from '@app/http';
import { managementWorkOS } from '@app/organizations';
import { makeSyncWorker } from '@app/sync';
import type { EmulatorOptions } from '@app/workos-emulator';
import { makeAuthHandler } from '../../functions/auth/app';
import { makeNotificationsHandler } from '../../functions/notifications/app';
import { makeOrganizationsHandler } from '../../functions/organizations/app';
import { routes } from '../../infra/routes';
import { makeRouter } from '../../packages/local/src/router';
import { REDIRECT_URI, startHarness } from './auth';
import { httpEvent, lambdaContext, sqsEvent } from './events';
import { assertDocumented } from './openapi';
import { emulatorWorkOSApi } from './workos';

export const TENANT_BASE = 'app.example.com';
export const API_HOST = 'auth.example.com';

/** Three organizations; one user per role in Acme, one user in two organizations, one outsider. */
export const orgSeed: EmulatorOptions['seed'] = {
  roles: [{ slug: 'owner' }, { slug: 'admin' }, { slug: 'member' }, { slug: 'viewer' }],
  users: [
    { id: 'user_owner', email: 'owner@acme.test', firstName: 'Olive', lastName: 'Owner' },
    { id: 'user_admin', email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin' },
    { id: 'user_member', email: 'member@acme.test', firstName: 'Max', lastName: 'Member' },
    { id: 'user_viewer', email: 'viewer@acme.test', firstName: 'Vic', lastName: 'Viewer' },
    { id: 'user_outsider', email: 'outsider@initech.test', firstName: 'Out', lastName: 'Sider' },
  ],
  organizations: [
    { id: 'org_acme', name: 'Acme Corp', domains: ['acme.test'] },
    { id: 'org_globex', name: 'Globex' },
    { id: 'org_initech', name: 'Initech' },
  ],
  memberships: [
    { user: 'owner@acme.test', organization: 'Acme Corp', role: 'owner' },
    { user: 'admin@acme.test', organization: 'Acme Corp', role: 'admin' },
    { user: 'member@acme.test', organization: 'Acme Corp', role: 'member' },
    { user: 'member@acme.test', organization: 'Globex', role: 'admin' },
    { user: 'viewer@acme.test', organization: 'Acme Corp', role: 'viewer' },
    { user: 'outsider@initech.test', organization: 'Initech', role: 'member' },
  ],
};

export type Request = {
  cookie?: string | undefined;
  /** Host header (default the API's own domain). */
  host?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
};

/**
 * The organizations and auth functions built by their factories with TENANT_BASE_DOMAIN set, over
 * real PostgreSQL, the WorkOS emulator and the real SDK; requests are routed by infra/routes.ts as
 * API Gateway would. Everything the emulator recorded reaches the database through the real sync
 * worker (as webhooks would deliver it).
 */
export async function startOrgHarness(options: { seed?: EmulatorOptions['seed'] } = {}) {
  const h = await startHarness({ emulator: { seed: options.seed ?? orgSeed } });
  const deps = {
    sessions: h.main.sessions,
    db: h.db,
    hsts: true,
    tenantBaseDomain: TENANT_BASE,
    allowedRedirectOrigins: ['https://app.example.com'],
    workos: managementWorkOS(emulatorWorkOSApi(h.emulator)),
  };
  const organizations = makeOrganizationsHandler(deps);
  const notifications = makeNotificationsHandler(deps);
  const auth = makeAuthHandler({
    ...deps,
    workos: h.main.workos,
    clientId: h.emulator.clientId,
    redirectUri: REDIRECT_URI,
  });
  const worker = makeSyncWorker({ db: h.db, workos: emulatorWorkOSApi(h.emulator) });
  const route = makeRouter(routes);
  let delivered = 0;

  /** Feeds every event the emulator recorded since the last call through the sync worker. */
  async function deliverEvents() {
    const events = h.emulator.events.slice(delivered);
    delivered += events.length;
    if (!events.length) return;
    const report = await worker.processBatch(sqsEvent(events.map((e) => JSON.stringify(e))));
    const failed = report.records.filter((r) => !r.ok);
    if (failed.length) throw new Error(`sync failed for ${failed.length} events`);
  }

  async function call(method: string, path: string, request: Request = {}): Promise<HttpResult> {
    const match = route(method, path);
    if (match.kind !== 'found') throw new Error(`no route for ${method} ${path}`);
    const handlers = { organizations, auth, notifications } as const;
    const handler =
      match.route.fn in handlers ? handlers[match.route.fn as keyof typeof handlers] : undefined;
    if (!handler) throw new Error(`${match.route.fn} is not served by this harness`);
    // A state-changing request comes from a page of the host it is sent to, as a browser would.
    const origin: Record<string, string> =
      method === 'GET' ? {} : { origin: `https://${request.host ?? API_HOST}` };
    const event = httpEvent({
      method,
      path,
      routeKey: match.routeKey,
      pathParameters: match.pathParameters,
      headers: { host: request.host ?? API_HOST, ...origin, ...request.headers },
      cookies: request.cookie ? [request.cookie] : [],
      ...(request.query ? { query: new URLSearchParams(request.query).toString() } : {}),
      ...(request.body === undefined
        ? {}
        : {
            body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
            headers: {
              host: request.host ?? API_HOST,
              ...origin,
              'content-type': 'application/json',
              ...request.headers,
            },
          }),
    });
    if (Object.keys(match.pathParameters).length === 0) delete event.pathParameters;
    const res = await handler(event, lambdaContext());
    assertDocumented(match.routeKey, res);
    return res;
  }

  /** Signs in scoped to an organization (a user in several gets no choice page that way). */
  async function signInTo(email: string, workosOrgId: string) {
    const { cookie } = await h.signIn(email, { organizationId: workosOrgId });
    if (!cookie) throw new Error(`no session cookie for ${email}`);
    return cookie;
  }

  await deliverEvents();
  return { ...h, call, deliverEvents, signInTo };
}

export type OrgHarness = Awaited<ReturnType<typeof startOrgHarness>>;
