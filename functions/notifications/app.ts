import type { Database } from '@app/db';
import { type HttpResult, httpError, httpHandler, ok } from '@app/http';
import { makeNotificationsApi, parseListQuery } from '@app/notifications/api';
import { requireSession, type Sessions, sessionOf } from '@app/session';
import type { Logger } from '@app/telemetry';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export type NotificationsHandlerDeps = { sessions: Sessions; db: Database; hsts: boolean; logger?: Logger };

/** The notifications function: the signed-in user's in-app notifications (list, read, read-all). */
export function makeNotificationsHandler(deps: NotificationsHandlerDeps) {
  const { hsts, logger } = deps;
  const api = makeNotificationsApi({ db: deps.db });
  const base = { hsts, ...(logger ? { logger } : {}) };
  const signedIn = requireSession(deps);
  const userId = (context: Context) => sessionOf(context).user.id;

  const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>> = {
    'GET /notifications': httpHandler(
      async (event, context) =>
        ok(await api.list(userId(context), parseListQuery(event.queryStringParameters))),
      base,
    ).use(signedIn),
    'POST /notifications/{id}/read': httpHandler(
      async (event, context) => ok(await api.markRead(userId(context), event.pathParameters?.id ?? '')),
      base,
    ).use(signedIn),
    'POST /notifications/read-all': httpHandler(
      async (_event, context) => ok(await api.markAllRead(userId(context))),
      base,
    ).use(signedIn),
  };
  const notFound = httpHandler(async () => {
    throw httpError('NOT_FOUND', 'No such route');
  }, base);

  return (event: APIGatewayProxyEventV2, context: Context) =>
    (routes[event.routeKey] ?? notFound)(event, context);
}
