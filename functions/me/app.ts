import type { Database } from '@app/db';
import { type HttpResult, httpError, httpHandler, jsonBody, ok } from '@app/http';
import { makeProfile, parseProfilePatch, requireSession, type Sessions, sessionOf } from '@app/session';
import type { Logger, Metrics } from '@app/telemetry';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export type MeHandlerDeps = {
  sessions: Sessions;
  db: Database;
  hsts: boolean;
  logger?: Logger;
  metrics?: Metrics;
  /** Secrets still holding their placeholder: every request is refused (503 NOT_CONFIGURED). */
  notConfigured?: readonly string[];
};

/** The me function: GET /me, PATCH /me, GET /health. One instance per container (or per test). */
export function makeMeHandler(deps: MeHandlerDeps) {
  const { db, hsts, logger } = deps;
  const profile = makeProfile({ db });
  const base = {
    hsts,
    notConfigured: deps.notConfigured,
    metrics: deps.metrics,
    ...(logger ? { logger } : {}),
  };
  const signedIn = requireSession(deps);

  const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>> = {
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
  const notFound = httpHandler(async () => {
    throw httpError('NOT_FOUND', 'No such route');
  }, base);

  return (event: APIGatewayProxyEventV2, context: Context) =>
    (routes[event.routeKey] ?? notFound)(event, context);
}
