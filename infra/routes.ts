/**
 * THE route table: method + path -> function. The CDK API construct and the local stack both read
 * it, so what runs locally is what API Gateway routes in AWS.
 */
export type HttpFunction = 'auth' | 'me' | 'webhook' | 'organizations' | 'notifications';

export type Route = {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** API Gateway path syntax: `{name}` is a path parameter. */
  path: string;
  fn: HttpFunction;
};

export const routes: readonly Route[] = [
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
  { method: 'GET', path: '/notifications', fn: 'notifications' },
  { method: 'POST', path: '/notifications/{id}/read', fn: 'notifications' },
  { method: 'POST', path: '/notifications/read-all', fn: 'notifications' },
];

/** `GET /organizations/{slug}` — the routeKey API Gateway puts in the event. */
export const routeKey = (route: Route) => `${route.method} ${route.path}`;
