import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiRoutes } from './api-routes';
import { type AuthCounts, createAuthKit } from './authkit';
import { type Clock, createClock } from './clock';
import { controlApiRoutes } from './control-api';
import { controlRoutes } from './control-page';
import { EmulatorHttpError } from './errors';
import { createFaults, type Faults } from './faults';
import { json, matchRoute, type Reply, type Request, type Route, readBody, send } from './http';
import { createSigningKey } from './jwt';
import { applySeed } from './seed';
import { createStore, type Store } from './store';
import type { EmulatorSeed, EventJson } from './types';
import {
  createWebhooks,
  type WebhookEndpointInput,
  type WebhookRetryOptions,
  type Webhooks,
} from './webhooks';

export type EmulatorOptions = {
  /** Default 0: a free port. The CLI defaults to 4100. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 'sk_test_default'. Also the client_secret the token endpoint accepts. */
  apiKey?: string;
  /** Default 'client_emulator'. */
  clientId?: string;
  seed?: EmulatorSeed;
  /** Access token lifetime. Default 300. */
  accessTokenTtlSeconds?: number;
  /** Allowed redirect_uri values (exact). Default: any http(s) URL on localhost / 127.0.0.1. */
  redirectUris?: string[];
  /** Endpoints registered before the seed is applied (so they receive the seed's events). */
  webhooks?: WebhookEndpointInput[];
  /** Webhook retry policy. Defaults: 6 attempts, 1 s doubling, 5 s timeout. */
  webhookRetry?: WebhookRetryOptions;
};

export type EmulatorCounts = AuthCounts & {
  /** Requests per route pattern, e.g. counts.requests['POST /user_management/authenticate']. */
  requests: Record<string, number>;
};

export type Emulator = {
  url: string;
  hostname: string;
  port: number;
  apiKey: string;
  clientId: string;
  /** Spread into `new WorkOS(apiKey, { clientId, ...emulator.sdkOptions })`. */
  sdkOptions: { apiHostname: string; port: number; https: false };
  /** Read and change state; every change records an event and sends webhooks, like the API. */
  store: Store;
  counts: EmulatorCounts;
  /** Route faults: failNext(route, n, status | {status, delayMs, retryAfterSeconds, body}). */
  faults: Faults;
  /** Endpoints, deliveries and delivery faults (pause, resume, duplicateNext, delayNext, holdNext, releaseHeld). */
  webhooks: Webhooks['controls'] & {
    createEndpoint: Webhooks['createEndpoint'];
    listEndpoints: Webhooks['listEndpoints'];
    deleteEndpoint: Webhooks['deleteEndpoint'];
    readonly deliveries: Webhooks['deliveries'];
  };
  /** Every event recorded so far, oldest first. */
  readonly events: EventJson[];
  /** Resolves when every pending delivery (retries included) was attempted; held or paused ones excepted. */
  flushWebhooks(): Promise<void>;
  /** Emulator time: advance it to expire codes, pending tokens and sessions. */
  clock: Clock;
  setAccessTokenTtlSeconds(seconds: number): void;
  stop(): Promise<void>;
};

function isAuthorized(header: string | undefined, apiKey: string): boolean {
  return header === `Bearer ${apiKey}`;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? 'sk_test_default';
  const clientId = options.clientId ?? 'client_emulator';
  const clock = createClock();
  const counts: EmulatorCounts = {
    requests: {},
    authorizations: 0,
    codeGrants: 0,
    refreshGrants: 0,
    organizationSelectionGrants: 0,
    failedGrants: 0,
    logouts: 0,
  };
  const webhooks = createWebhooks({
    clock,
    ...(options.webhookRetry ? { retry: options.webhookRetry } : {}),
  });
  let baseUrl = '';
  const store = createStore({
    clock,
    onEvent: (event) => webhooks.enqueue(event),
    invitationUrl: (token) => `${baseUrl}/invite?${new URLSearchParams({ invitation_token: token })}`,
  });
  const faults = createFaults();
  const authkit = createAuthKit({
    store,
    clock,
    key: createSigningKey(),
    clientId,
    apiKey,
    issuer: () => `${baseUrl}/user_management/${clientId}`,
    redirectUris: options.redirectUris,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
    counts,
  });
  for (const endpoint of options.webhooks ?? []) webhooks.createEndpoint(endpoint);
  if (options.seed) applySeed(store, options.seed);

  const publicRoute = (method: string, pattern: string, handler: Route['handler']): Route => ({
    method,
    pattern,
    access: 'public',
    handler,
  });
  const routes: Route[] = [
    publicRoute('GET', '/health', () => json(200, { status: 'ok', emulator: 'workos' })),
    publicRoute('GET', '/user_management/authorize', authkit.authorize),
    publicRoute('GET', '/user_management/authorize/complete', authkit.completeAuthorization),
    publicRoute('POST', '/user_management/authenticate', authkit.authenticate),
    publicRoute('GET', '/user_management/sessions/logout', authkit.logout),
    publicRoute('GET', '/sso/jwks/:clientId', (req) =>
      req.params.clientId === clientId
        ? json(200, authkit.jwks())
        : json(404, { message: `Client '${req.params.clientId}' not found.`, code: 'entity_not_found' }),
    ),
    ...apiRoutes(store, webhooks),
    ...controlRoutes(store, webhooks),
    ...controlApiRoutes({
      store,
      webhooks,
      faults,
      clock,
      counts,
      setAccessTokenTtlSeconds: authkit.setAccessTokenTtlSeconds,
    }),
  ];

  async function handle(req: import('node:http').IncomingMessage): Promise<Reply> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', baseUrl);
    const match = matchRoute(routes, method, url.pathname);
    if (!match) return json(404, { message: `No route for ${method} ${url.pathname}.`, code: 'not_found' });
    if ('allowed' in match)
      return json(405, { message: `Method ${method} not allowed.`, code: 'method_not_allowed' });
    const key = `${method} ${match.route.pattern}`;
    counts.requests[key] = (counts.requests[key] ?? 0) + 1;
    const fault = await faults.apply([key, `${method} ${url.pathname}`]);
    if (fault) return json(fault.status, fault.body, fault.headers);
    if (match.route.access === 'api' && !isAuthorized(req.headers.authorization, apiKey)) {
      return json(401, { message: 'Unauthorized', code: 'unauthorized' });
    }
    const request: Request = {
      method,
      url,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: method === 'GET' || method === 'HEAD' ? {} : await readBody(req),
      params: match.params,
    };
    return await match.route.handler(request);
  }

  const server = createServer((req, res) => {
    handle(req)
      .catch((error: unknown): Reply => {
        if (error instanceof EmulatorHttpError) return json(error.status, error.body, error.headers);
        return json(500, { message: `Emulator error: ${(error as Error).message}`, code: 'server_error' });
      })
      .then((reply) => send(res, reply));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${port}`;

  return {
    url: baseUrl,
    hostname: host,
    port,
    apiKey,
    clientId,
    sdkOptions: { apiHostname: host, port, https: false },
    store,
    counts,
    faults,
    webhooks: Object.assign(webhooks.controls, {
      createEndpoint: webhooks.createEndpoint,
      listEndpoints: webhooks.listEndpoints,
      deleteEndpoint: webhooks.deleteEndpoint,
      deliveries: webhooks.deliveries,
    }),
    get events() {
      return store.listEvents();
    },
    flushWebhooks: () => webhooks.flush(),
    clock,
    setAccessTokenTtlSeconds: authkit.setAccessTokenTtlSeconds,
    stop: async () => {
      webhooks.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
