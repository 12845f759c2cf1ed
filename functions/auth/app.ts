import type { Database } from '@app/db';
import { type HttpResult, httpError, httpHandler, jsonBody, requireAppOrigin } from '@app/http';
import { requireSession } from '@app/session';
import { type AuthFlowsOptions, makeAuthFlows } from '@app/session/auth-flows';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export type AuthHandlerDeps = AuthFlowsOptions & { db: Database; hsts: boolean };

/** The auth function: /auth/login, /auth/callback, /auth/select-organization, /auth/logout, /auth/switch-organization. */
export function makeAuthHandler(deps: AuthHandlerDeps) {
  const flows = makeAuthFlows(deps);
  const base = { hsts: deps.hsts, ...(deps.logger ? { logger: deps.logger } : {}) };
  const appOrigin = requireAppOrigin({
    origins: deps.allowedRedirectOrigins ?? [],
    tenantBaseDomain: deps.tenantBaseDomain,
  });

  const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>> = {
    'GET /auth/login': httpHandler(flows.login, base),
    'GET /auth/callback': httpHandler(flows.callback, base),
    'POST /auth/select-organization': httpHandler(flows.selectOrganization, base).use(appOrigin),
    'POST /auth/logout': httpHandler(flows.logout, base).use(appOrigin),
    'POST /auth/switch-organization': httpHandler(flows.switchOrganization, base)
      .use(appOrigin)
      .use(jsonBody({ maxBytes: 4096 }))
      .use(requireSession(deps)),
  };
  const notFound = httpHandler(async () => {
    throw httpError('NOT_FOUND', 'No such route');
  }, base);

  return (event: APIGatewayProxyEventV2, context: Context) =>
    (routes[event.routeKey] ?? notFound)(event, context);
}
