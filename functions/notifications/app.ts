import { httpHandler, ok, type RouteHandler, routeHandlers } from '@app/http';
import { makeNotificationsApi, parseListQuery } from '@app/notifications/api';
import { type SessionRouteDeps, sessionOf, sessionRoutes } from '@app/session';
import type { Context } from 'aws-lambda';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type NotificationsHandlerDeps = SessionRouteDeps;

/** The notifications function: the signed-in user's in-app notifications (list, read, read-all). */
export function makeNotificationsHandler(deps: NotificationsHandlerDeps) {
  const api = makeNotificationsApi({ db: deps.db });
  const { base, signedIn, appOrigin } = sessionRoutes(deps);
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
