/**
 * THE route table: method + path -> function. The CDK API construct, the local stack and each HTTP
 * function's handler map (functions/<name>/app.ts, through `routeHandlers` in @app/http) all read it,
 * so what runs locally is what API Gateway routes in AWS, and a route without a handler (or a handler
 * without a route) fails typechecking, the cold start and test/unit/http/routes.test.ts.
 */
export type HttpFunction = 'auth' | 'me' | 'webhook' | 'organizations' | 'notifications';

export type Route = {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly fn: HttpFunction;
};

export const routes = [
  { method: 'GET', path: '/auth/login', fn: 'auth' },
  { method: 'GET', path: '/auth/callback', fn: 'auth' },
  { method: 'POST', path: '/auth/select-organization', fn: 'auth' },
  { method: 'POST', path: '/auth/logout', fn: 'auth' },
  { method: 'POST', path: '/auth/switch-organization', fn: 'auth' },
  { method: 'GET', path: '/me', fn: 'me' },
  { method: 'PATCH', path: '/me', fn: 'me' },
  { method: 'GET', path: '/health', fn: 'me' },
  { method: 'POST', path: '/webhooks/workos', fn: 'webhook' },
  { method: 'GET', path: '/organizations', fn: 'organizations' },
  { method: 'GET', path: '/organizations/{slug}', fn: 'organizations' },
  { method: 'PATCH', path: '/organizations/{slug}', fn: 'organizations' },
  { method: 'GET', path: '/organizations/{slug}/members', fn: 'organizations' },
  { method: 'POST', path: '/organizations', fn: 'organizations' },
  { method: 'PATCH', path: '/organizations/{slug}/members/{userId}', fn: 'organizations' },
  { method: 'DELETE', path: '/organizations/{slug}/members/{userId}', fn: 'organizations' },
  { method: 'GET', path: '/organizations/{slug}/invitations', fn: 'organizations' },
  { method: 'POST', path: '/organizations/{slug}/invitations', fn: 'organizations' },
  { method: 'DELETE', path: '/organizations/{slug}/invitations/{id}', fn: 'organizations' },
  { method: 'POST', path: '/organizations/{slug}/invitations/{id}/resend', fn: 'organizations' },
  { method: 'GET', path: '/organizations/{slug}/roles', fn: 'organizations' },
  { method: 'GET', path: '/openapi.json', fn: 'organizations' },
  { method: 'GET', path: '/notifications', fn: 'notifications' },
  { method: 'POST', path: '/notifications/{id}/read', fn: 'notifications' },
  { method: 'POST', path: '/notifications/read-all', fn: 'notifications' },
] as const satisfies readonly Route[];

/** `GET /organizations/{slug}` — the routeKey API Gateway puts in the event. */
export const routeKey = (route: Route) => `${route.method} ${route.path}`;

/** The route keys one function serves, as a type: a handler map typed with it must name each one. */
export type RouteKeyOf<F extends HttpFunction> =
  Extract<(typeof routes)[number], { fn: F }> extends infer R
    ? R extends Route
      ? `${R['method']} ${R['path']}`
      : never
    : never;

/** The route keys one function serves, in table order. */
export const routeKeysOf = <F extends HttpFunction>(fn: F) =>
  routes.filter((route) => route.fn === fn).map(routeKey) as RouteKeyOf<F>[];
