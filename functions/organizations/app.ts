import type { Database } from '@app/db';
import { type HttpResult, httpError, httpHandler, jsonBody, ok } from '@app/http';
import {
  makeOrganizations,
  organizationDetail,
  organizationSelector,
  parseMembersQuery,
  parseOrganizationPatch,
} from '@app/organizations';
import {
  organizationOf,
  requireOrganization,
  requireRole,
  requireSession,
  type Sessions,
  sessionOf,
} from '@app/session';
import type { Logger, Metrics } from '@app/telemetry';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export type OrganizationsHandlerDeps = {
  sessions: Sessions;
  db: Database;
  hsts: boolean;
  /** TENANT_BASE_DOMAIN: on `<slug>.<base>` only that organization can be addressed. */
  tenantBaseDomain?: string | undefined;
  logger?: Logger;
  metrics?: Metrics;
  /** Secrets still holding their placeholder: every request is refused (503 NOT_CONFIGURED). */
  notConfigured?: readonly string[];
};

/** The organizations function: list, read, update (custom fields), members. */
export function makeOrganizationsHandler(deps: OrganizationsHandlerDeps) {
  const { db, hsts, logger } = deps;
  const orgs = makeOrganizations({ db });
  const base = {
    hsts,
    notConfigured: deps.notConfigured,
    metrics: deps.metrics,
    ...(logger ? { logger } : {}),
  };
  const signedIn = requireSession(deps);
  const member = requireOrganization({ db, select: organizationSelector(deps.tenantBaseDomain) });

  const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>> = {
    'GET /organizations': httpHandler(
      async (_event, context) => ok(await orgs.listFor(sessionOf(context).user.id)),
      base,
    ).use(signedIn),
    'GET /organizations/{slug}': httpHandler(async (_event, context) => {
      const { organization, membership } = organizationOf(context);
      return ok(organizationDetail(organization, membership));
    }, base)
      .use(signedIn)
      .use(member),
    'PATCH /organizations/{slug}': httpHandler(async (_event, context) => {
      const { organization, membership } = organizationOf(context);
      const patch = parseOrganizationPatch(context.body);
      const updated = await orgs.update(organization, membership, patch);
      logger?.info('organization updated', { organizationId: updated.id, fields: Object.keys(patch) });
      return ok(updated);
    }, base)
      .use(signedIn)
      .use(member)
      .use(requireRole('ADMIN', 'OWNER'))
      .use(jsonBody({ maxBytes: 32 * 1024 })),
    'GET /organizations/{slug}/members': httpHandler(async (event, context) => {
      const { organization } = organizationOf(context);
      return ok(await orgs.members(organization.id, parseMembersQuery(event.queryStringParameters)));
    }, base)
      .use(signedIn)
      .use(member),
  };
  const notFound = httpHandler(async () => {
    throw httpError('NOT_FOUND', 'No such route');
  }, base);

  return (event: APIGatewayProxyEventV2, context: Context) =>
    (routes[event.routeKey] ?? notFound)(event, context);
}
