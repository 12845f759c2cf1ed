import type { Database } from '@app/db';
import { type HttpResult, httpError, httpHandler, jsonBody } from '@app/http';
import { requireSession } from '@app/session';
import { type AuthFlowsOptions, makeAuthFlows } from '@app/session/auth-flows';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export type AuthHandlerDeps = AuthFlowsOptions & {
  db: Database;
  hsts: boolean;
  /** Secrets still holding their placeholder: every request is refused (503 NOT_CONFIGURED). */
  notConfigured?: readonly string[];
};

/** The auth function: /auth/login, /auth/callback, /auth/select-organization, /auth/logout, /auth/switch-organization. */
export function makeAuthHandler(deps: AuthHandlerDeps) {
  const flows = makeAuthFlows(deps);
  const base = {
    hsts: deps.hsts,
    notConfigured: deps.notConfigured,
    metrics: deps.metrics,
    ...(deps.logger ? { logger: deps.logger } : {}),
  };

  const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>> = {
    'GET /auth/login': httpHandler(flows.login, base),
    'GET /auth/callback': httpHandler(flows.callback, base),
    'POST /auth/select-organization': httpHandler(flows.selectOrganization, base),
    'POST /auth/logout': httpHandler(flows.logout, base),
    'POST /auth/switch-organization': httpHandler(flows.switchOrganization, base)
      .use(requireSession(deps))
      .use(jsonBody({ maxBytes: 4096 })),
  };
  const notFound = httpHandler(async () => {
    throw httpError('NOT_FOUND', 'No such route');
  }, base);

  return (event: APIGatewayProxyEventV2, context: Context) =>
    (routes[event.routeKey] ?? notFound)(event, context);
}
