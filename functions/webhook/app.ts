import { type RouteHandler, routeHandlers } from '@app/http';
import { makeWebhookHandler, type WebhookDeps } from '@app/sync/webhook';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

/** The webhook function: POST /webhooks/workos (verify, validate, enqueue). */
export function makeWebhookApp(deps: WebhookDeps) {
  const handlers: Record<RouteKeyOf<'webhook'>, RouteHandler> = {
    'POST /webhooks/workos': makeWebhookHandler(deps),
  };
  return routeHandlers(routeKeysOf('webhook'), handlers, {
    hsts: deps.hsts ?? true,
    budget: deps.budget,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}
