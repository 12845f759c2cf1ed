import {
  type Database,
  type Executor,
  type MembershipState,
  type OrganizationFields,
  organizations,
  type User,
  upsertMembership,
  upsertOrganization,
  upsertUser,
  userFieldsFromWorkOS,
} from '@app/db';
import type { Logger } from '@app/telemetry';
import type {
  OrganizationMembership,
  WorkOS,
  Organization as WorkOSOrganization,
  User as WorkOSUser,
} from '@workos-inc/node';
import { eq } from 'drizzle-orm';

/**
 * What the login callback (or a management change) learned from WorkOS about an organization and the
 * user's membership in it, as the shared upserts take them.
 */
export type OrganizationSnapshot = {
  organization: OrganizationFields | undefined;
  membership: MembershipState | undefined;
  /** From the access token, used when WorkOS could not be asked. */
  roleSlug: string | undefined;
  roleSlugs: string[];
};

/**
 * Reads the organization and the membership from WorkOS so the local rows carry WorkOS's
 * updated_at (the order guard the sync worker uses too). A failure here does not fail the login:
 * the token's role is used and the webhook fills the rest in later.
 */
export async function fetchOrganizationSnapshot(
  workos: WorkOS,
  userId: string,
  organizationId: string,
  claims: { role?: string | undefined; roles?: string[] | undefined },
  logger?: Logger,
): Promise<OrganizationSnapshot> {
  const [organization, membership] = await Promise.all([
    workos.organizations.getOrganization(organizationId).catch((error: unknown) => {
      logger?.warn('organization fetch failed at sign-in', {
        organizationId,
        error: (error as Error).message,
      });
      return undefined;
    }),
    workos.userManagement
      .listOrganizationMemberships({ userId, organizationId, limit: 1 })
      .then((list) => list.data[0])
      .catch((error: unknown) => {
        logger?.warn('membership fetch failed at sign-in', {
          organizationId,
          error: (error as Error).message,
        });
        return undefined;
      }),
  ]);
  return {
    organization: organization && organizationFieldsFromSdk(organization),
    membership: membership && membershipStateFromSdk(membership),
    roleSlug: claims.role,
    roleSlugs: claims.roles ?? (claims.role ? [claims.role] : []),
  };
}

/** The SDK's organization (camelCase) as upsert fields; each domain keeps its own version. */
const organizationFieldsFromSdk = (org: WorkOSOrganization): OrganizationFields => ({
  workosOrgId: org.id,
  name: org.name,
  domains: org.domains.map((d) => ({
    id: d.id,
    domain: d.domain,
    state: d.state,
    ...(d.updatedAt ? { updatedAt: d.updatedAt } : {}),
  })),
  updatedAt: org.updatedAt,
});

/** The SDK's membership (camelCase) as its WorkOS state, by the rule the sync registry reads events with. */
const membershipStateFromSdk = (m: OrganizationMembership): MembershipState => ({
  workosMembershipId: m.id,
  status: m.status,
  roleSlug: m.role?.slug ?? m.roles?.[0]?.slug ?? null,
  roleSlugs: m.roles?.map((r) => r.slug) ?? (m.role ? [m.role.slug] : []),
  updatedAt: m.updatedAt,
});

export type SignInRecord = { user: User; active: boolean };

/**
 * Upserts the user (with lastLoginAt) and, for an organization-scoped login, the organization and
 * the membership, in one transaction, through the shared upserts (same order guard as sync).
 */
export async function recordSignIn(
  db: Database,
  input: {
    user: WorkOSUser;
    organizationId: string | undefined;
    snapshot: OrganizationSnapshot | undefined;
    at: Date;
  },
): Promise<SignInRecord> {
  return db.transaction(async (tx) => {
    const { user } = input;
    const result = await upsertUser(tx, userFieldsFromWorkOS(user), { lastLoginAt: input.at });
    const active = result.outcome !== 'tombstoned' && result.row.isActive && !result.row.deletedAt;
    if (active && input.organizationId && input.snapshot) {
      await recordOrganization(tx, result.row.id, input.organizationId, input.snapshot);
    }
    return { user: result.row, active };
  });
}

/** Upserts the organization and the user's membership from a snapshot (also used by the switch). */
export async function recordOrganization(
  ex: Executor,
  localUserId: string,
  organizationId: string,
  snapshot: OrganizationSnapshot,
): Promise<void> {
  let localOrgId: string | undefined;
  if (snapshot.organization) {
    const org = await upsertOrganization(ex, snapshot.organization);
    if (org.outcome === 'tombstoned') return;
    localOrgId = org.row.id;
  } else {
    const [org] = await ex
      .select({ id: organizations.id, deletedAt: organizations.deletedAt })
      .from(organizations)
      .where(eq(organizations.workosOrgId, organizationId));
    if (!org || org.deletedAt) return;
    localOrgId = org.id;
  }
  const m = snapshot.membership;
  await upsertMembership(
    ex,
    m
      ? { ...m, userId: localUserId, organizationId: localOrgId }
      : {
          // From the token only: stamped with the epoch so any synced WorkOS state wins over it.
          workosMembershipId: null,
          userId: localUserId,
          organizationId: localOrgId,
          status: 'active',
          roleSlug: snapshot.roleSlug ?? null,
          roleSlugs: snapshot.roleSlugs,
          updatedAt: new Date(0),
        },
  );
}
