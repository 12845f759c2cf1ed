import type { InvocationBudget } from '@app/config/budget';
import type { Database } from '@app/db';
import { httpHandler, jsonBody, type RouteHandler, routeHandlers } from '@app/http';
import { requireSession } from '@app/session';
import { type AuthFlowsOptions, makeAuthFlows } from '@app/session/auth-flows';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type AuthHandlerDeps = AuthFlowsOptions & { db: Database; hsts: boolean; budget?: InvocationBudget };

/** The auth function: /auth/login, /auth/callback, /auth/select-organization, /auth/logout, /auth/switch-organization. */
export function makeAuthHandler(deps: AuthHandlerDeps) {
  const flows = makeAuthFlows(deps);
  const base = { hsts: deps.hsts, budget: deps.budget, ...(deps.logger ? { logger: deps.logger } : {}) };

  const handlers: Record<RouteKeyOf<'auth'>, RouteHandler> = {
    'GET /auth/login': httpHandler(flows.login, base),
    'GET /auth/callback': httpHandler(flows.callback, base),
    'POST /auth/select-organization': httpHandler(flows.selectOrganization, base),
    'POST /auth/logout': httpHandler(flows.logout, base),
    'POST /auth/switch-organization': httpHandler(flows.switchOrganization, base)
      .use(requireSession(deps))
      .use(jsonBody({ maxBytes: 4096 })),
  };
  return routeHandlers(routeKeysOf('auth'), handlers, base);
}
