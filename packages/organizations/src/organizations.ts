import {
  type Database,
  type Executor,
  type Membership,
  type Organization,
  organizationMemberships,
  organizations,
  users,
} from '@app/db';
import { httpError } from '@app/http';
import { and, asc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { encodeMembersCursor, type MembersQuery } from './members-query';
import type { OrganizationPatch } from './patch';

/** One of the caller's organizations, as GET /organizations lists them. */
export type OrganizationSummary = {
  id: string;
  slug: string;
  name: string;
  logoUrl: string | null;
  domain: string | null;
  role: Membership['role'];
  roleSlug: string | null;
};

/** GET /organizations/{slug}: the organization with the caller's role in it. */
export type OrganizationDetail = Omit<OrganizationSummary, 'roleSlug'> & {
  roleSlug: string | null;
  settings: Record<string, unknown> | null;
  domains: { id: string; domain: string; state: string }[];
};

export type Member = {
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Membership['role'];
  roleSlug: string | null;
  status: Membership['status'];
};

export type MembersPage = { members: Member[]; nextCursor: string | null };

/** The organization as its members see it; `id` is the WorkOS organization id. */
export function organizationDetail(organization: Organization, membership: Membership): OrganizationDetail {
  return {
    id: organization.workosOrgId,
    slug: organization.slug,
    name: organization.name,
    logoUrl: organization.logoUrl,
    domain: organization.domain,
    settings: organization.settings ?? null,
    domains: organization.domains.map(({ id, domain, state }) => ({ id, domain, state })),
    role: membership.role,
    roleSlug: membership.roleSlug,
  };
}

/**
 * The user's active memberships in live organizations as summaries, by name; `more` narrows them
 * (GET /organizations lists them all, a created organization answers with its own).
 */
export function organizationSummaries(
  ex: Executor,
  userId: string,
  ...more: SQL[]
): Promise<OrganizationSummary[]> {
  return ex
    .select({
      id: organizations.workosOrgId,
      slug: organizations.slug,
      name: organizations.name,
      logoUrl: organizations.logoUrl,
      domain: organizations.domain,
      role: organizationMemberships.role,
      roleSlug: organizationMemberships.roleSlug,
    })
    .from(organizationMemberships)
    .innerJoin(organizations, eq(organizations.id, organizationMemberships.organizationId))
    .where(
      and(
        eq(organizationMemberships.userId, userId),
        eq(organizationMemberships.status, 'active'),
        isNull(organizationMemberships.deletedAt),
        isNull(organizations.deletedAt),
        eq(organizations.isActive, true),
        ...more,
      ),
    )
    .orderBy(asc(organizations.name), asc(organizations.slug));
}

/** An organization's memberships that are not deleted, of users who are not; `more` narrows them. */
export const liveMembers = (organizationId: string, ...more: (SQL | undefined)[]) =>
  and(
    eq(organizationMemberships.organizationId, organizationId),
    isNull(organizationMemberships.deletedAt),
    isNull(users.deletedAt),
    ...more,
  );

/**
 * Organization reads and the custom-field update, on the local (synced) tables. Membership and
 * role checks are the callers' (requireOrganization / requireRole); these functions trust them.
 */
export function makeOrganizations(deps: { db: Database }) {
  const { db } = deps;

  /** The user's active memberships in live organizations, by name. */
  const listFor = (userId: string) => organizationSummaries(db, userId);

  /**
   * Writes the fields present in the patch (null clears one) and returns the organization as the
   * caller now sees it. An organization deleted meanwhile -> 403 FORBIDDEN, like any non-member.
   */
  async function update(
    organization: Organization,
    membership: Membership,
    patch: OrganizationPatch,
  ): Promise<OrganizationDetail> {
    const changes: Partial<Pick<Organization, 'logoUrl' | 'settings' | 'domain'>> = {};
    if (patch.logoUrl !== undefined) changes.logoUrl = patch.logoUrl;
    if (patch.settings !== undefined) changes.settings = patch.settings;
    if (patch.domain !== undefined) changes.domain = patch.domain;
    const [row] = await db
      .update(organizations)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(eq(organizations.id, organization.id), isNull(organizations.deletedAt)))
      .returning();
    if (!row) throw httpError('FORBIDDEN', 'You are not a member of this organization');
    return organizationDetail(row, membership);
  }

  /**
   * One page of an organization's memberships (not deleted), ordered by email then membership id,
   * keyset-paginated: a page never repeats or skips a member however the earlier pages changed.
   */
  async function members(organizationId: string, query: MembersQuery): Promise<MembersPage> {
    const { limit, cursor } = query;
    const rows = await db
      .select({
        membershipId: organizationMemberships.id,
        userId: users.workosId,
        email: users.email,
        firstName: users.firstName,
        lastName: users.lastName,
        role: organizationMemberships.role,
        roleSlug: organizationMemberships.roleSlug,
        status: organizationMemberships.status,
      })
      .from(organizationMemberships)
      .innerJoin(users, eq(users.id, organizationMemberships.userId))
      .where(
        liveMembers(
          organizationId,
          cursor
            ? sql`(${users.email}, ${organizationMemberships.id}) > (${cursor.email}, ${cursor.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(asc(users.email), asc(organizationMemberships.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      members: page.map(({ membershipId: _, ...member }) => member),
      nextCursor:
        rows.length > limit && last
          ? encodeMembersCursor({ email: last.email, id: last.membershipId })
          : null,
    };
  }

  return { listFor, update, members };
}

export type Organizations = ReturnType<typeof makeOrganizations>;
