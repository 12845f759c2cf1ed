import type { Clock } from './clock';
import { EmulatorHttpError } from './errors';
import type { Faults } from './faults';
import { json, type Reply, type Request, type Route, str } from './http';
import type { Store } from './store';
import type { Webhooks } from './webhooks';

const BASE = '/_emulator/api';

const num = (value: unknown, name: string, fallback?: number): number => {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new EmulatorHttpError(400, {
      message: `${name} must be a non-negative number.`,
      code: 'invalid_control',
    });
  }
  return value;
};

/**
 * The test controls over HTTP, for a process that runs the emulator out of reach (e.g. the local
 * stack started as a child process). JSON bodies only, and no cross-origin callers, so a web page
 * cannot drive it with a form or a simple request.
 */
export function controlApiRoutes(deps: {
  store: Store;
  webhooks: Webhooks;
  faults: Faults;
  clock: Clock;
  counts: unknown;
  setAccessTokenTtlSeconds: (seconds: number) => void;
}): Route[] {
  const { store, webhooks, faults, clock } = deps;
  const guard = (handler: (req: Request) => Reply | Promise<Reply>) => (req: Request) => {
    const origin = req.headers.origin;
    if (origin && origin !== 'null' && new URL(origin).host !== req.headers.host) {
      return json(403, { message: 'Cross-origin control calls are refused.', code: 'forbidden' });
    }
    if (req.method === 'POST' && !String(req.headers['content-type'] ?? '').includes('application/json')) {
      return json(415, { message: 'Send a JSON body.', code: 'unsupported_media_type' });
    }
    return handler(req);
  };
  const route = (
    method: string,
    pattern: string,
    handler: (req: Request) => Reply | Promise<Reply>,
  ): Route => ({
    method,
    pattern: `${BASE}${pattern}`,
    access: 'public',
    handler: guard(handler),
  });

  return [
    route('GET', '/state', () =>
      json(200, {
        users: store.listUsers(),
        organizations: store.listOrganizations(),
        memberships: store.listMemberships(),
        invitations: store.listInvitations(),
        sessions: store.listSessions(),
        webhookEndpoints: webhooks.listEndpoints().map(({ secret: _secret, ...rest }) => rest),
        deliveries: webhooks.deliveries,
        counts: deps.counts,
      }),
    ),
    route('GET', '/events', () => json(200, { data: store.listEvents() })),
    route('POST', '/faults', (req) => {
      const routeKey = str(req.body.route);
      if (!routeKey)
        throw new EmulatorHttpError(400, { message: 'route is required.', code: 'invalid_control' });
      const times = num(req.body.times, 'times', 1);
      const status = req.body.status === undefined ? undefined : num(req.body.status, 'status');
      const delayMs = req.body.delayMs === undefined ? undefined : num(req.body.delayMs, 'delayMs');
      const retryAfterSeconds =
        req.body.retryAfterSeconds === undefined
          ? undefined
          : num(req.body.retryAfterSeconds, 'retryAfterSeconds');
      if (status === undefined && delayMs === undefined) {
        throw new EmulatorHttpError(400, {
          message: 'status or delayMs is required.',
          code: 'invalid_control',
        });
      }
      faults.failNext(routeKey, times, {
        ...(status !== undefined ? { status } : {}),
        ...(delayMs !== undefined ? { delayMs } : {}),
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      });
      return json(200, { route: routeKey, pending: faults.pending(routeKey) });
    }),
    route('POST', '/faults/clear', () => {
      faults.clear();
      return json(200, { cleared: true });
    }),
    route('POST', '/webhooks/:action', async (req) => {
      const c = webhooks.controls;
      const n = num(req.body.n, 'n', 1);
      switch (req.params.action) {
        case 'pause':
          c.pause();
          break;
        case 'resume':
          c.resume();
          break;
        case 'duplicate-next':
          c.duplicateNext(n);
          break;
        case 'hold-next':
          c.holdNext(n);
          break;
        case 'release-held':
          c.releaseHeld(req.body.order === 'fifo' ? 'fifo' : 'reverse');
          break;
        case 'delay-next':
          c.delayNext(num(req.body.ms, 'ms'), n);
          break;
        case 'flush':
          await webhooks.flush();
          break;
        default:
          throw new EmulatorHttpError(404, {
            message: `Unknown webhook action '${req.params.action}'.`,
            code: 'not_found',
          });
      }
      return json(200, { paused: c.paused, held: c.heldCount, deliveries: webhooks.deliveries.length });
    }),
    route('POST', '/clock/advance', (req) => {
      clock.advance(num(req.body.ms, 'ms'));
      return json(200, { now: new Date(clock.now()).toISOString() });
    }),
    route('POST', '/clock/reset', () => {
      clock.reset();
      return json(200, { now: new Date(clock.now()).toISOString() });
    }),
    route('POST', '/access-token-ttl', (req) => {
      deps.setAccessTokenTtlSeconds(num(req.body.seconds, 'seconds'));
      return json(200, { seconds: req.body.seconds });
    }),
  ];
}
