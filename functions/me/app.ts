import { httpHandler, jsonBody, ok, type RouteHandler, routeHandlers } from '@app/http';
import {
  makeProfile,
  parseProfilePatch,
  type SessionRouteDeps,
  sessionOf,
  sessionRoutes,
} from '@app/session';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type MeHandlerDeps = SessionRouteDeps;

/** The me function: GET /me, PATCH /me, GET /health. One instance per container (or per test). */
export function makeMeHandler(deps: MeHandlerDeps) {
  const profile = makeProfile({ db: deps.db });
  const { base, signedIn, appOrigin } = sessionRoutes(deps);

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
