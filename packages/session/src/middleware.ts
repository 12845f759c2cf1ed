import {
  type Database,
  type Membership,
  type Organization,
  type OrganizationRole,
  organizationMemberships,
  organizations,
  revokedSessions,
  type User,
  users,
} from '@app/db';
import { ctx, type HttpContext, type HttpEvent, type HttpMiddleware, httpError } from '@app/http';
import type { Logger } from '@app/telemetry';
import type { Context } from 'aws-lambda';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { SessionFacts, Sessions } from './sessions';

/** The signed-in caller, as requireSession puts it on the context. */
export type RequestSession = Omit<SessionFacts, 'user'> & {
  /** The local user row (profile, custom fields). */
  user: User;
  /** The WorkOS user as sealed in the cookie. */
  workosUser: SessionFacts['user'];
  /** The sealed session in force (refreshed when a refresh happened). */
  sealed: string;
  /** Set-Cookie of a refreshed session; requireSession adds it to the response. */
  setCookie: string | undefined;
};

/** The organization a request is scoped to, as requireOrganization puts it on the context. */
export type RequestOrganization = { organization: Organization; membership: Membership };

export type SessionContext = HttpContext & {
  session?: RequestSession;
  organization?: RequestOrganization;
};

/** The session set by requireSession; throws (500) when the route forgot the middleware. */
export function sessionOf(context: Context): RequestSession {
  const session = (context as SessionContext).session;
  if (!session) throw new Error('requireSession() must run before this handler');
  return session;
}

/** The organization set by requireOrganization; throws (500) when the route forgot the middleware. */
export function organizationOf(context: Context): RequestOrganization {
  const organization = (context as SessionContext).organization;
  if (!organization) throw new Error('requireOrganization() must run before this handler');
  return organization;
}

/**
 * Requires a signed-in caller. Verifies the session cookie (refreshing it when expired or
 * close to it, single-flight across instances), then reads the local user and whether the session
 * was revoked in one query. Fails with:
 * - 401 UNAUTHORIZED: no cookie; session ended (refresh refused, revoked, user deactivated or unknown)
 * - 401 INVALID_SESSION: a cookie that cannot be read (tampered, other password)
 * - 503 UPSTREAM_UNAVAILABLE: WorkOS keys unreachable, or an expired token WorkOS cannot refresh now
 * A refreshed cookie is added to the response (unless the handler set a newer session cookie).
 */
export function requireSession(options: {
  sessions: Sessions;
  db: Database;
  logger?: Logger;
}): HttpMiddleware {
  const { sessions, db } = options;
  // Built once and sent as a prepared statement: drizzle's one-off queries over postgres.js cost
  // two round trips each (describe, then execute) and rebuild their SQL on every request.
  const userAndRevocation = db
    .select({
      user: users,
      revoked: sql<boolean>`EXISTS (SELECT 1 FROM ${revokedSessions} WHERE ${revokedSessions.sessionId} = ${sql.placeholder('sessionId')})`,
    })
    .from(users)
    .where(eq(users.workosId, sql.placeholder('workosUserId')))
    .limit(1)
    .prepare('require_session_user');
  return {
    before: async (request) => {
      const context = ctx(request.context) as SessionContext;
      const auth = await sessions.authenticate(context.cookies?.[sessions.cookieName]);
      const [row] = await userAndRevocation.execute({
        sessionId: auth.facts.sessionId,
        workosUserId: auth.facts.workosUserId,
      });
      const ended = (message: string) =>
        httpError('UNAUTHORIZED', message, { cookies: [sessions.clearSessionCookie()] });
      if (!row) throw ended('Your account is not known here, sign in again');
      if (row.revoked) throw ended('This session was signed out');
      if (!row.user.isActive || row.user.deletedAt) throw ended('This account is deactivated');
      options.logger?.appendKeys({ userId: auth.facts.workosUserId });
      context.session = {
        ...auth.facts,
        user: row.user,
        workosUser: auth.facts.user,
        sealed: auth.sealed,
        setCookie: auth.setCookie,
      };
    },
    after: (request) => {
      const session = (request.context as SessionContext).session;
      const response = request.response;
      if (!session?.setCookie || !response) return;
      const cookies = response.cookies ?? [];
      if (cookies.some((c) => c.startsWith(`${sessions.cookieName}=`))) return;
      response.cookies = [...cookies, session.setCookie];
    },
  };
}

/** Where a request names its organization instead of the session's (e.g. a tenant subdomain). */
export type OrganizationSelector = { slug: string } | { workosOrgId: string } | undefined;

/**
 * The tenant a request's Host names under the base domain: `acme.app.example.com` -> `acme`.
 * Only the Host header counts: API Gateway sets it from the custom domain the request came in on,
 * while X-Forwarded-Host and the like are whatever the client sent, so they are ignored. The base
 * itself, names deeper than one label, other domains and labels that are not slugs name no tenant.
 */
export function tenantSlugFromHost(
  host: string | undefined,
  baseDomain: string | undefined,
): string | undefined {
  if (!host || !baseDomain) return undefined;
  const hostname = tenantHostname(host);
  const base = baseDomain.trim().toLowerCase().replace(/^\.+/, '').replace(/\.$/, '');
  if (!base || !hostname.endsWith(`.${base}`)) return undefined;
  const label = hostname.slice(0, -(base.length + 1));
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label) ? label : undefined;
}

/** The Host header lower-cased, without port or trailing dot. */
function tenantHostname(host: string): string {
  return host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

/** The tenant slug of a request (see tenantSlugFromHost), from its Host header only. */
export function tenantOf(event: HttpEvent, baseDomain: string | undefined): string | undefined {
  return tenantSlugFromHost(event.headers?.host, baseDomain);
}

/**
 * A live organization, by slug or WorkOS id, with the user's membership in it (any status; null when
 * there is none): the one lookup behind requireOrganization and the organization switch.
 */
export async function organizationAccess(
  db: Database,
  userId: string,
  selected: NonNullable<OrganizationSelector>,
): Promise<{ organization: Organization; membership: Membership | null } | undefined> {
  const [row] = await db
    .select({ organization: organizations, membership: organizationMemberships })
    .from(organizations)
    .leftJoin(
      organizationMemberships,
      and(
        eq(organizationMemberships.organizationId, organizations.id),
        eq(organizationMemberships.userId, userId),
      ),
    )
    .where(
      and(
        'slug' in selected
          ? eq(organizations.slug, selected.slug)
          : eq(organizations.workosOrgId, selected.workosOrgId),
        isNull(organizations.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

/** An active membership not tombstoned. */
export const isActiveMember = (membership: Membership | null | undefined): membership is Membership =>
  membership?.status === 'active' && !membership.deletedAt;

/**
 * A `select` for requireOrganization: a request on `<slug>.<baseDomain>` is scoped to that
 * organization; any other Host falls back to the session's organization.
 */
export function tenantSelector(baseDomain: string | undefined) {
  return (event: HttpEvent): OrganizationSelector => {
    const slug = tenantOf(event, baseDomain);
    return slug ? { slug } : undefined;
  };
}

/**
 * Requires the request to be scoped to an organization the caller is an active member of, by the
 * local (synced) membership. The organization is the session's, unless `select` names another for
 * this request (e.g. from a tenant subdomain). Use after requireSession. Fails with:
 * - 403 NO_ORGANIZATION: no organization in the session and none selected
 * - 403 FORBIDDEN: not an active member (or the organization does not exist)
 */
export function requireOrganization(options: {
  db: Database;
  select?: (
    event: HttpEvent,
    session: RequestSession,
  ) => OrganizationSelector | Promise<OrganizationSelector>;
}): HttpMiddleware {
  return {
    before: async (request) => {
      const context = request.context as SessionContext;
      const session = sessionOf(context);
      const selected =
        (await options.select?.(request.event, session)) ??
        (session.organizationId ? { workosOrgId: session.organizationId } : undefined);
      if (!selected) throw httpError('NO_ORGANIZATION', 'Choose an organization first');
      const row = await organizationAccess(options.db, session.user.id, selected);
      const membership = row?.membership;
      if (!row?.organization.isActive || !isActiveMember(membership)) {
        throw httpError('FORBIDDEN', 'You are not a member of this organization');
      }
      context.organization = { organization: row.organization, membership };
    },
  };
}

/**
 * Requires one of the roles, read from the local membership (kept in sync by webhooks), never from
 * the token, so a role change applies on the next request. Use after requireOrganization.
 * Fails with 403 FORBIDDEN.
 */
export function requireRole(...roles: OrganizationRole[]): HttpMiddleware {
  if (roles.length === 0) throw new TypeError('requireRole needs at least one role');
  return {
    before: (request) => {
      const { membership } = organizationOf(request.context);
      if (!roles.includes(membership.role)) {
        throw httpError('FORBIDDEN', `This needs the role ${roles.join(' or ')}`);
      }
    },
  };
}

/**
 * Requires WorkOS RBAC permissions: the session's organization must be the request's (the access
 * token's permissions belong to the organization it was issued for) and its permissions must
 * include every one named. Use after requireOrganization, which has already checked that the local
 * membership is active (so a removed member is refused at once, whatever the token still says).
 * `allow` can admit a request without the permission (e.g. a member removing themselves).
 * Fails with 403 FORBIDDEN.
 */
export function requirePermission(
  permissions: string | string[],
  options: {
    allow?: (event: HttpEvent, session: RequestSession, scope: RequestOrganization) => boolean;
  } = {},
): HttpMiddleware {
  const needed = Array.isArray(permissions) ? permissions : [permissions];
  if (needed.length === 0) throw new TypeError('requirePermission needs at least one permission');
  return {
    before: (request) => {
      const session = sessionOf(request.context);
      const scope = organizationOf(request.context);
      if (options.allow?.(request.event, session, scope)) return;
      if (session.organizationId !== scope.organization.workosOrgId) {
        throw httpError('FORBIDDEN', 'Switch to this organization first: your session is for another one');
      }
      const missing = needed.filter((p) => !session.permissions.includes(p));
      if (missing.length > 0) throw httpError('FORBIDDEN', `This needs the permission ${missing.join(', ')}`);
    },
  };
}
