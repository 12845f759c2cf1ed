import type { InvocationBudget } from '@app/config/budget';
import type { Database } from '@app/db';
import { httpHandler, jsonBody, ok, type RouteHandler, routeHandlers } from '@app/http';
import { makeProfile, parseProfilePatch, requireSession, type Sessions, sessionOf } from '@app/session';
import type { Logger } from '@app/telemetry';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type MeHandlerDeps = {
  sessions: Sessions;
  db: Database;
  hsts: boolean;
  logger?: Logger;
  budget?: InvocationBudget;
};

/** The me function: GET /me, PATCH /me, GET /health. One instance per container (or per test). */
export function makeMeHandler(deps: MeHandlerDeps) {
  const { db, hsts, logger } = deps;
  const profile = makeProfile({ db });
  const base = { hsts, budget: deps.budget, ...(logger ? { logger } : {}) };
  const signedIn = requireSession(deps);

  const handlers: Record<RouteKeyOf<'me'>, RouteHandler> = {
    'GET /me': httpHandler(async (_event, context) => ok(await profile.me(sessionOf(context))), base).use(
      signedIn,
    ),
    'PATCH /me': httpHandler(
      async (_event, context) =>
        ok(await profile.update(sessionOf(context), parseProfilePatch(context.body))),
      base,
    )
      .use(signedIn)
      .use(jsonBody({ maxBytes: 32 * 1024 })),
    'GET /health': httpHandler(async () => ok({ status: 'ok' }), base),
  };
  return routeHandlers(routeKeysOf('me'), handlers, base);
}
