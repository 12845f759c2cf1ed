import { and, eq, getTableColumns, isNull, or, type Query, type SQL, sql } from 'drizzle-orm';
import type { Executor } from './client';
import { organizationMemberships, organizations, users } from './schema';
import { type Bind, template } from './statements';
import * as synced from './synced';

export type Membership = typeof organizationMemberships.$inferSelect;
export type OrganizationRole = Membership['role'];
export type MembershipStatus = Membership['status'];

/** A WorkOS role slug as the local role enum: owner, admin, viewer; anything else is MEMBER. */
export function roleFromSlug(slug: string | null | undefined): OrganizationRole {
  switch (slug?.toLowerCase()) {
    case 'owner':
      return 'OWNER';
    case 'admin':
      return 'ADMIN';
    case 'viewer':
      return 'VIEWER';
    default:
      return 'MEMBER';
  }
}

/** A membership's WorkOS fields, without its parents. */
export type MembershipState = synced.VersionFields & {
  /** WorkOS `om_...` id, when known. */
  workosMembershipId: string | null;
  status: MembershipStatus;
  /** WorkOS `role.slug`; `role` is derived from it with roleFromSlug. */
  roleSlug: string | null;
  /** WorkOS `roles[].slug`, kept raw. */
  roleSlugs: string[];
};

/** A membership with its parents' local ids (users.id and organizations.id), which must exist. */
export type MembershipFields = MembershipState & { userId: string; organizationId: string };

type MembershipValues = {
  userId: Bind<string> | SQL;
  organizationId: Bind<string> | SQL;
  workosMembershipId: Bind<string | null>;
  status: Bind<MembershipStatus>;
  role: Bind<OrganizationRole>;
  roleSlug: Bind<string | null>;
  roleSlugs: Bind<string[]>;
  workosUpdatedAt: Bind<Date>;
  workosEventId: Bind<string | null>;
};

const membershipValues = (input: MembershipState) => {
  const { at: _, ...version } = synced.versionValues(input);
  return {
    workosMembershipId: input.workosMembershipId,
    status: input.status,
    role: roleFromSlug(input.roleSlug),
    roleSlug: input.roleSlug,
    roleSlugs: input.roleSlugs,
    ...version,
  };
};

/**
 * THE membership upsert: order guard, and a tombstoned pair stays deleted unless a newer state
 * of another WorkOS membership (a new `om_` id: the user was removed and added again) revives it.
 */
function buildMembershipUpsert(ex: Executor, v: MembershipValues) {
  const m = organizationMemberships;
  return ex
    .insert(m)
    .values(v)
    .onConflictDoUpdate({
      target: [m.userId, m.organizationId],
      set: {
        workosMembershipId: sql`COALESCE(excluded.workos_membership_id, ${m.workosMembershipId})`,
        ...synced.takeExcluded(m, ['status', 'role', 'roleSlug', 'roleSlugs']),
        deletedAt: sql`NULL`,
      },
      setWhere: and(
        synced.isNewer(synced.storedVersion('organization_memberships'), synced.excludedVersion),
        or(
          isNull(m.deletedAt),
          sql`(excluded.workos_membership_id IS NOT NULL AND excluded.workos_membership_id IS DISTINCT FROM ${m.workosMembershipId})`,
        ),
      ),
    });
}

/** Inserts or updates the membership of a user in an organization (the login callback). */
export async function upsertMembership(
  ex: Executor,
  input: MembershipFields,
): Promise<synced.UpsertResult<Membership>> {
  const m = organizationMemberships;
  const [applied] = await buildMembershipUpsert(ex, {
    userId: input.userId,
    organizationId: input.organizationId,
    ...membershipValues(input),
  }).returning({ ...getTableColumns(m), inserted: synced.insertedFlag });
  if (applied) return synced.appliedResult(applied);
  const [current] = await ex
    .select()
    .from(m)
    .where(and(eq(m.userId, input.userId), eq(m.organizationId, input.organizationId)));
  return synced.refusedResult(current, 'membership');
}

/** THE membership tombstone, on the live rows `which` picks. */
export const buildMembershipTombstone = (ex: Executor, which: SQL | undefined) =>
  ex
    .update(organizationMemberships)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(isNull(organizationMemberships.deletedAt), which));

/**
 * The statements of a WorkOS membership state, its parents named by WorkOS id and looked up in the
 * statement (a lookup that finds nothing fails on NOT NULL rather than write half a membership).
 * When deleted, a tombstone on that WorkOS membership only (a newer membership of the same pair is
 * left alone). The last statement returns a row only when it applied.
 */
export function membershipStatements(
  state: MembershipState & { workosUserId: string; workosOrgId: string },
  deleted: boolean,
): Query[] {
  const { workosUserId, workosOrgId, ...rest } = state;
  const upsert = template(
    'membership.upsert.by-workos-ids',
    (ex, v) =>
      buildMembershipUpsert(ex, {
        ...v,
        userId: sql`(SELECT id FROM ${users} WHERE workos_id = ${v.workosUserId})`,
        organizationId: sql`(SELECT id FROM ${organizations} WHERE workos_org_id = ${v.workosOrgId})`,
      }).returning({ id: organizationMemberships.id }),
    { workosUserId, workosOrgId, ...membershipValues(rest) },
  );
  if (!deleted || !state.workosMembershipId) return [upsert];
  return [
    upsert,
    template(
      'membership.tombstone',
      (ex, v) =>
        buildMembershipTombstone(
          ex,
          eq(organizationMemberships.workosMembershipId, v.workosMembershipId),
        ).returning({ id: organizationMemberships.id }),
      { workosMembershipId: state.workosMembershipId },
    ),
  ];
}

/**
 * Applies a membership's removal outside the worker (the management routes): its last state when
 * newer, then a tombstone on that WorkOS membership only (a newer membership of the pair is left alone).
 */
export const tombstoneMembership = (ex: Executor, input: MembershipFields & { workosMembershipId: string }) =>
  synced.settleTombstone(upsertMembership(ex, input), () =>
    buildMembershipTombstone(
      ex,
      eq(organizationMemberships.workosMembershipId, input.workosMembershipId),
    ).returning(),
  );
