import {
  type HttpEvent,
  httpError,
  httpHandler,
  json,
  jsonBody,
  ok,
  type RouteHandler,
  routeHandlers,
} from '@app/http';
import { openApiDocument } from '@app/openapi';
import {
  changeRoleBody,
  createOrganizationBody,
  inviteBody,
  type ManagementWorkOS,
  makeManagement,
  makeOrganizations,
  organizationDetail,
  organizationSelector,
  PERMISSIONS,
  parseBody,
  parseMembersQuery,
  parseOrganizationPatch,
} from '@app/organizations';
import {
  organizationOf,
  requireOrganization,
  requirePermission,
  requireRole,
  type SessionRouteDeps,
  sessionOf,
  sessionRoutes,
} from '@app/session';
import { type RouteKeyOf, routeKeysOf } from '../../infra/routes';

export type OrganizationsHandlerDeps = SessionRouteDeps & {
  /** The WorkOS calls of management (managementWorkOS over the WorkOS REST client). */
  workos: ManagementWorkOS;
  /** Notification emails written by a management change, onto their queue after COMMIT. */
  enqueueNotifications?: (ids: string[]) => Promise<void>;
};

const param = (event: HttpEvent, name: string) => {
  const value = event.pathParameters?.[name];
  if (!value) throw httpError('NOT_FOUND', 'No such resource');
  return value;
};

/** The organizations function: list, read, update (custom fields), members, and management through WorkOS. */
export function makeOrganizationsHandler(deps: OrganizationsHandlerDeps) {
  const { db, logger } = deps;
  const orgs = makeOrganizations({ db });
  const manage = makeManagement({
    db,
    workos: deps.workos,
    ...(logger ? { logger } : {}),
    ...(deps.enqueueNotifications ? { enqueueNotifications: deps.enqueueNotifications } : {}),
  });
  const { base, signedIn, appOrigin } = sessionRoutes(deps);
  const member = requireOrganization({ db, select: organizationSelector(deps.tenantBaseDomain) });
  const body = jsonBody({ maxBytes: 16 * 1024 });
  const canManage = requirePermission(PERMISSIONS.membersWrite);
  const canRead = requirePermission(PERMISSIONS.membersRead);
  // A member may always remove themselves (leave), whatever their permissions.
  const canRemove = requirePermission(PERMISSIONS.membersWrite, {
    allow: (event, session) => event.pathParameters?.userId === session.workosUserId,
  });

  /** A change to one thing of the organization, named by a path parameter, for callers `allowed` lets through. */
  const changeOne = (
    name: string,
    allowed: typeof canManage,
    change: (scope: ReturnType<typeof organizationOf>, id: string) => Promise<unknown>,
  ) =>
    httpHandler(async (event, context) => ok(await change(organizationOf(context), param(event, name))), base)
      .use(appOrigin)
      .use(signedIn)
      .use(member)
      .use(allowed);

  const handlers: Record<RouteKeyOf<'organizations'>, RouteHandler> = {
    'GET /organizations': httpHandler(
      async (_event, context) => ok(await orgs.listFor(sessionOf(context).user.id)),
      base,
    ).use(signedIn),
    'POST /organizations': httpHandler(async (_event, context) => {
      const input = parseBody(createOrganizationBody, context.body);
      return ok(await manage.createOrganization(sessionOf(context), input), { status: 201 });
    }, base)
      .use(appOrigin)
      .use(signedIn)
      .use(body),
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
      .use(appOrigin)
      .use(jsonBody({ maxBytes: 32 * 1024 }))
      .use(signedIn)
      .use(member)
      .use(requireRole('ADMIN', 'OWNER')),
    'GET /organizations/{slug}/members': httpHandler(async (event, context) => {
      const { organization } = organizationOf(context);
      return ok(await orgs.members(organization.id, parseMembersQuery(event.queryStringParameters)));
    }, base)
      .use(signedIn)
      .use(member),
    'PATCH /organizations/{slug}/members/{userId}': httpHandler(
      async (event, context) =>
        ok(
          await manage.changeRole(
            organizationOf(context),
            param(event, 'userId'),
            parseBody(changeRoleBody, context.body),
          ),
        ),
      base,
    )
      .use(appOrigin)
      .use(signedIn)
      .use(member)
      .use(canManage)
      .use(body),
    'DELETE /organizations/{slug}/members/{userId}': changeOne('userId', canRemove, manage.removeMember),
    'GET /organizations/{slug}/invitations': httpHandler(
      async (_event, context) => ok(await manage.listInvitations(organizationOf(context))),
      base,
    )
      .use(signedIn)
      .use(member)
      .use(canManage),
    'POST /organizations/{slug}/invitations': httpHandler(async (_event, context) => {
      const input = parseBody(inviteBody, context.body);
      return ok(await manage.invite(organizationOf(context), sessionOf(context), input), { status: 201 });
    }, base)
      .use(appOrigin)
      .use(signedIn)
      .use(member)
      .use(canManage)
      .use(body),
    'DELETE /organizations/{slug}/invitations/{id}': changeOne('id', canManage, manage.revokeInvitation),
    'POST /organizations/{slug}/invitations/{id}/resend': changeOne('id', canManage, manage.resendInvitation),
    'GET /organizations/{slug}/roles': httpHandler(
      async (_event, context) => ok(await manage.listRoles(organizationOf(context))),
      base,
    )
      .use(signedIn)
      .use(member)
      .use(canRead),
    'GET /openapi.json': httpHandler(
      async () => json(200, openApiDocument(), { headers: { 'cache-control': 'public, max-age=300' } }),
      base,
    ),
  };
  return routeHandlers(routeKeysOf('organizations'), handlers, base);
}
