import type { InvocationBudget } from '@app/config/budget';
import type { Database } from '@app/db';
import { httpHandler, jsonBody, ok, type RouteHandler, routeHandlers } from '@app/http';
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
import type { Logger } from '@app/telemetry';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type OrganizationsHandlerDeps = {
  sessions: Sessions;
  db: Database;
  hsts: boolean;
  /** TENANT_BASE_DOMAIN: on `<slug>.<base>` only that organization can be addressed. */
  tenantBaseDomain?: string | undefined;
  logger?: Logger;
  budget?: InvocationBudget;
};

/** The organizations function: list, read, update (custom fields), members. */
export function makeOrganizationsHandler(deps: OrganizationsHandlerDeps) {
  const { db, hsts, logger } = deps;
  const orgs = makeOrganizations({ db });
  const base = { hsts, budget: deps.budget, ...(logger ? { logger } : {}) };
  const signedIn = requireSession(deps);
  const member = requireOrganization({ db, select: organizationSelector(deps.tenantBaseDomain) });

  const handlers: Record<RouteKeyOf<'organizations'>, RouteHandler> = {
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
  return routeHandlers(routeKeysOf('organizations'), handlers, base);
}
