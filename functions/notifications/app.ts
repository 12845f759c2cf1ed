import type { Database } from '@app/db';
import { httpHandler, ok, type RouteHandler, requireAppOrigin, routeHandlers } from '@app/http';
import { makeNotificationsApi, parseListQuery } from '@app/notifications/api';
import { requireSession, type Sessions, sessionOf } from '@app/session';
import type { Logger } from '@app/telemetry';
import type { Context } from 'aws-lambda';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type NotificationsHandlerDeps = {
  sessions: Sessions;
  db: Database;
  hsts: boolean;
  /** The app's origins, allowed to change state (mark read) along with this API's own host. */
  allowedRedirectOrigins?: readonly string[];
  tenantBaseDomain?: string | undefined;
  logger?: Logger;
};

/** The notifications function: the signed-in user's in-app notifications (list, read, read-all). */
export function makeNotificationsHandler(deps: NotificationsHandlerDeps) {
  const { hsts, logger } = deps;
  const api = makeNotificationsApi({ db: deps.db });
  const base = { hsts, ...(logger ? { logger } : {}) };
  const signedIn = requireSession(deps);
  const appOrigin = requireAppOrigin({
    origins: deps.allowedRedirectOrigins ?? [],
    tenantBaseDomain: deps.tenantBaseDomain,
  });
  const userId = (context: Context) => sessionOf(context).user.id;

  const handlers: Record<RouteKeyOf<'notifications'>, RouteHandler> = {
    'GET /notifications': httpHandler(
      async (event, context) =>
        ok(await api.list(userId(context), parseListQuery(event.queryStringParameters))),
      base,
    ).use(signedIn),
    'POST /notifications/{id}/read': httpHandler(
      async (event, context) => ok(await api.markRead(userId(context), event.pathParameters?.id ?? '')),
      base,
    )
      .use(appOrigin)
      .use(signedIn),
    'POST /notifications/read-all': httpHandler(
      async (_event, context) => ok(await api.markAllRead(userId(context))),
      base,
    )
      .use(appOrigin)
      .use(signedIn),
  };
  return routeHandlers(routeKeysOf('notifications'), handlers, base);
}
