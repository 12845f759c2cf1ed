import type { InvocationBudget } from '@app/config/budget';
import type { Database } from '@app/db';
import { httpHandler, jsonBody, ok, type RouteHandler, requireAppOrigin, routeHandlers } from '@app/http';
import { makeProfile, parseProfilePatch, requireSession, type Sessions, sessionOf } from '@app/session';
import type { Logger, Metrics } from '@app/telemetry';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type MeHandlerDeps = {
  sessions: Sessions;
  db: Database;
  hsts: boolean;
  /**
   * ALLOWED_REDIRECT_ORIGINS: the app's origins, allowed to change state along with this API's own
   * host and tenant subdomains (none when unset).
   */
  allowedRedirectOrigins?: readonly string[];
  tenantBaseDomain?: string | undefined;
  logger?: Logger;
  metrics?: Metrics;
  /** Secrets still holding their placeholder: every request is refused (503 NOT_CONFIGURED). */
  notConfigured?: readonly string[];
  budget?: InvocationBudget;
};

/** The me function: GET /me, PATCH /me, GET /health. One instance per container (or per test). */
export function makeMeHandler(deps: MeHandlerDeps) {
  const { db, hsts, logger } = deps;
  const profile = makeProfile({ db });
  const base = {
    hsts,
    notConfigured: deps.notConfigured,
    metrics: deps.metrics,
    budget: deps.budget,
    ...(logger ? { logger } : {}),
  };
  const signedIn = requireSession(deps);
  const appOrigin = requireAppOrigin({
    origins: deps.allowedRedirectOrigins ?? [],
    tenantBaseDomain: deps.tenantBaseDomain,
  });

  const handlers: Record<RouteKeyOf<'me'>, RouteHandler> = {
    'GET /me': httpHandler(async (_event, context) => ok(await profile.me(sessionOf(context))), base).use(
      signedIn,
    ),
    'PATCH /me': httpHandler(
      async (_event, context) =>
        ok(await profile.update(sessionOf(context), parseProfilePatch(context.body))),
      base,
    )
      .use(appOrigin)
      .use(jsonBody({ maxBytes: 32 * 1024 }))
      .use(signedIn),
    'GET /health': httpHandler(async () => ok({ status: 'ok' }), base),
  };
  return routeHandlers(routeKeysOf('me'), handlers, base);
}
