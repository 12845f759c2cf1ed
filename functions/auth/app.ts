import type { InvocationBudget } from '@app/config/budget';
import type { Database } from '@app/db';
import { httpHandler, jsonBody, type RouteHandler, requireAppOrigin, routeHandlers } from '@app/http';
import { requireSession } from '@app/session';
import { type AuthFlowsOptions, makeAuthFlows } from '@app/session/auth-flows';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type AuthHandlerDeps = AuthFlowsOptions & {
  db: Database;
  hsts: boolean;
  /** Secrets still holding their placeholder: every request is refused (503 NOT_CONFIGURED). */
  notConfigured?: readonly string[];
  budget?: InvocationBudget;
};

/** The auth function: /auth/login, /auth/callback, /auth/select-organization, /auth/logout, /auth/switch-organization. */
export function makeAuthHandler(deps: AuthHandlerDeps) {
  const flows = makeAuthFlows(deps);
  const base = {
    hsts: deps.hsts,
    notConfigured: deps.notConfigured,
    metrics: deps.metrics,
    budget: deps.budget,
    ...(deps.logger ? { logger: deps.logger } : {}),
  };
  const appOrigin = requireAppOrigin({
    origins: deps.allowedRedirectOrigins ?? [],
    tenantBaseDomain: deps.tenantBaseDomain,
  });

  const handlers: Record<RouteKeyOf<'auth'>, RouteHandler> = {
    'GET /auth/login': httpHandler(flows.login, base),
    'GET /auth/callback': httpHandler(flows.callback, base),
    'POST /auth/select-organization': httpHandler(flows.selectOrganization, base).use(appOrigin),
    'POST /auth/logout': httpHandler(flows.logout, base).use(appOrigin),
    'POST /auth/switch-organization': httpHandler(flows.switchOrganization, base)
      .use(appOrigin)
      .use(jsonBody({ maxBytes: 4096 }))
      .use(requireSession(deps)),
  };
  return routeHandlers(routeKeysOf('auth'), handlers, base);
}
