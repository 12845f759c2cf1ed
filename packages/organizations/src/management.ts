import {
  type Database,
  type Executor,
  type Invitation,
  invitations,
  type Membership,
  type Organization,
  organizationMemberships,
  organizations,
  tombstoneMembership,
  upsertInvitation,
  users,
} from '@app/db';
import { httpError } from '@app/http';
import { invitationStatement, membershipChangeStatement, writeOutbox } from '@app/notifications';
import { type RequestSession, recordOrganization } from '@app/session';
import type { MembershipData, OrganizationData } from '@app/sync/events';
import { type InvitationData, invitationFields } from '@app/sync/invitations';
import { membershipChange, membershipState, orgFields } from '@app/sync/registry';
import type { Logger } from '@app/telemetry';
import { and, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type {
  ChangeRoleBody,
  CreateOrganizationBody,
  InvitationView,
  InviteBody,
  RoleView,
} from './management-schemas';
import { liveMembers, type OrganizationSummary, organizationSummaries } from './organizations';
import { workosRefusal } from './workos-errors';
import type { ManagementWorkOS } from './workos-management';

/** The role a creator gets in a new organization, and the slugs that count as "an admin". */
export const CREATOR_ROLE_SLUG = 'admin';
const ADMIN_ROLES = ['ADMIN', 'OWNER'] as const;

/** The organization a management request is scoped to, as requireOrganization resolved it. */
export type Scope = { organization: Organization; membership: Membership };

// ---- mirror writes: one per operation, each taking the transaction it runs in --------------------

/** A new organization and its creator's membership, from WorkOS's answers. */
export async function mirrorCreatedOrganization(
  tx: Executor,
  creatorUserId: string,
  answers: { organization: OrganizationData; membership: MembershipData },
): Promise<void> {
  const { organization, membership } = answers;
  await recordOrganization(tx, creatorUserId, organization.id, {
    organization: orgFields(organization),
    membership: membershipState(membership),
    roleSlug: undefined,
    roleSlugs: [],
  });
}

/** An invitation as WorkOS answered a send, revoke or resend (its token is not kept). */
export async function mirrorInvitation(
  tx: Executor,
  invitation: InvitationData,
): Promise<Invitation | undefined> {
  return upsertInvitation(tx, invitationFields(invitation));
}

/** A membership whose role WorkOS changed. */
export async function mirrorRoleChange(
  tx: Executor,
  memberUserId: string,
  membership: MembershipData,
): Promise<void> {
  await recordOrganization(tx, memberUserId, membership.organization_id, {
    organization: undefined,
    membership: membershipState(membership),
    roleSlug: undefined,
    roleSlugs: [],
  });
}

/**
 * A membership WorkOS deleted: tombstoned at its last known WorkOS state, so the
 * organization_membership.deleted event that follows finds nothing left to do.
 */
export async function mirrorRemoval(tx: Executor, membership: Membership): Promise<void> {
  if (!membership.workosMembershipId) throw new Error('mirrorRemoval needs the WorkOS membership id');
  await tombstoneMembership(tx, {
    workosMembershipId: membership.workosMembershipId,
    userId: membership.userId,
    organizationId: membership.organizationId,
    status: membership.status,
    roleSlug: membership.roleSlug,
    roleSlugs: membership.roleSlugs,
    updatedAt: membership.workosUpdatedAt ?? new Date(0),
  });
}

// ---- views ---------------------------------------------------------------------------------------

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** An invitation row as the API shows it; a pending one past its expiry reads as expired. */
export function invitationView(row: Invitation, now = new Date()): InvitationView {
  const expired = row.state === 'pending' && row.expiresAt.getTime() <= now.getTime();
  return {
    id: row.workosInvitationId,
    email: row.email,
    state: expired ? 'expired' : (row.state as InvitationView['state']),
    roleSlug: row.roleSlug,
    expiresAt: row.expiresAt.toISOString(),
    acceptedAt: iso(row.acceptedAt),
    revokedAt: iso(row.revokedAt),
    createdAt: row.workosCreatedAt.toISOString(),
  };
}

/**
 * Organization management through WorkOS. Each change calls WorkOS first; only its answer is
 * written to the local mirror (through the sync worker's own upserts), so the app sees the change
 * at once and the webhook that follows is a no-op. A WorkOS refusal changes nothing locally.
 * Membership and permission checks are the callers' (requireOrganization / requirePermission).
 */
export function makeManagement(deps: {
  db: Database;
  workos: ManagementWorkOS;
  logger?: Logger;
  /**
   * Puts the ids of the notification emails a change wrote (its outbox rows) on the notifications
   * queue after COMMIT; a failure is logged and left to the outbox sweep.
   */
  enqueueNotifications?: (ids: string[]) => Promise<void>;
}) {
  const { db, logger } = deps;
  /** Runs `work` in a transaction that may write outbox rows; their emails are enqueued after COMMIT. */
  const withOutbox = async <T>(work: (tx: Executor, notify: (ids: string[]) => void) => Promise<T>) => {
    const ids: string[] = [];
    const result = await db.transaction((tx) => work(tx, (more) => ids.push(...more)));
    if (ids.length && deps.enqueueNotifications) {
      await deps.enqueueNotifications(ids).catch((error: unknown) =>
        logger?.warn('notifications not enqueued; the sweep will re-queue them', {
          count: ids.length,
          error: error instanceof Error ? error.name : String(error),
        }),
      );
    }
    return result;
  };
  const call = async <T>(what: string, fn: (workos: ManagementWorkOS) => Promise<T>): Promise<T> => {
    try {
      return await fn(deps.workos);
    } catch (error) {
      const refusal = workosRefusal(error, what);
      logger?.warn('workos refused a management call', { what, status: refusal.status, code: refusal.code });
      throw refusal;
    }
  };

  /** POST /organizations: WorkOS creates it, the creator becomes its admin. */
  async function createOrganization(
    session: RequestSession,
    body: CreateOrganizationBody,
  ): Promise<OrganizationSummary> {
    const organization = await call('Organization', (w) =>
      w.createOrganization({ name: body.name, domains: body.domains }),
    );
    let membership: MembershipData;
    try {
      membership = await call('Organization', (w) =>
        w.createMembership({
          organizationId: organization.id,
          userId: session.workosUserId,
          roleSlug: CREATOR_ROLE_SLUG,
        }),
      );
    } catch (error) {
      // Without its admin the organization would be orphaned in WorkOS: take it back.
      await deps.workos.deleteOrganization(organization.id).catch((cleanup: unknown) =>
        logger?.error('orphan organization left in WorkOS', {
          organizationId: organization.id,
          error: cleanup,
        }),
      );
      throw error;
    }
    await db.transaction((tx) =>
      mirrorCreatedOrganization(tx, session.user.id, { organization, membership }),
    );
    const [summary] = await organizationSummaries(
      db,
      session.user.id,
      eq(organizations.workosOrgId, organization.id),
    );
    if (!summary) throw new Error('created organization missing from the mirror');
    logger?.info('organization created', { organizationId: organization.id });
    return summary;
  }

  /** GET /organizations/{slug}/invitations: from the mirror, newest first. */
  async function listInvitations(scope: Scope): Promise<InvitationView[]> {
    const rows = await db
      .select()
      .from(invitations)
      .where(eq(invitations.workosOrgId, scope.organization.workosOrgId))
      .orderBy(desc(invitations.workosCreatedAt))
      .limit(200);
    const now = new Date();
    return rows.map((row) => invitationView(row, now));
  }

  /** POST /organizations/{slug}/invitations */
  async function invite(scope: Scope, session: RequestSession, body: InviteBody): Promise<InvitationView> {
    const invitation = await call('Organization', (w) =>
      w.sendInvitation({
        email: body.email,
        organizationId: scope.organization.workosOrgId,
        inviterUserId: session.workosUserId,
        ...(body.roleSlug ? { roleSlug: body.roleSlug } : {}),
      }),
    );
    return storedInvitation(invitation, true);
  }

  /** The invitation, if it belongs to this organization (404 otherwise, as if it did not exist). */
  async function invitationOf(scope: Scope, invitationId: string): Promise<InvitationData> {
    const invitation = await call('Invitation', (w) => w.getInvitation(invitationId));
    if (invitation.organization_id !== scope.organization.workosOrgId) {
      throw httpError('NOT_FOUND', 'Invitation not found');
    }
    return invitation;
  }

  async function storedInvitation(invitation: InvitationData, notify = false): Promise<InvitationView> {
    await withOutbox(async (tx, enqueue) => {
      // A new invitation: an in-app note for an invitee who already has an account (the email is WorkOS's).
      if (notify && invitation.organization_id) {
        const statement = invitationStatement({
          email: invitation.email,
          workosOrgId: invitation.organization_id,
          roleSlug: invitation.role_slug ?? null,
        });
        enqueue(await writeOutbox(tx, statement));
      }
      await mirrorInvitation(tx, invitation);
    });
    const [row] = await db
      .select()
      .from(invitations)
      .where(eq(invitations.workosInvitationId, invitation.id));
    if (!row) throw new Error('invitation missing from the mirror');
    return invitationView(row);
  }

  /** DELETE /organizations/{slug}/invitations/{id} */
  async function revokeInvitation(scope: Scope, invitationId: string): Promise<InvitationView> {
    await invitationOf(scope, invitationId);
    const revoked = await call('Invitation', (w) => w.revokeInvitation(invitationId));
    return storedInvitation(revoked);
  }

  /** POST /organizations/{slug}/invitations/{id}/resend */
  async function resendInvitation(scope: Scope, invitationId: string): Promise<InvitationView> {
    await invitationOf(scope, invitationId);
    const resent = await call('Invitation', (w) => w.resendInvitation(invitationId));
    return storedInvitation(resent);
  }

  /** GET /organizations/{slug}/roles: the roles WorkOS defines for the organization. */
  async function listRoles(scope: Scope): Promise<RoleView[]> {
    const roles = await call('Organization', (w) => w.listOrganizationRoles(scope.organization.workosOrgId));
    return roles.map((role) => ({
      slug: role.slug,
      name: role.name,
      description: role.description ?? null,
      permissions: role.permissions ?? [],
    }));
  }

  /**
   * Runs a change to one member under a lock on the organization's row, so two concurrent changes
   * cannot each leave "another admin" that the other one is removing. The lock is held across the
   * WorkOS call (bounded by the SDK timeout) so the check and the change stay one step; a WorkOS
   * refusal rolls everything back.
   */
  async function withMember<T>(
    scope: Scope,
    workosUserId: string,
    change: (
      tx: Executor,
      target: { membership: Membership; user: typeof users.$inferSelect },
      adminsLeft: number,
      notify: (ids: string[]) => void,
    ) => Promise<T>,
  ): Promise<T> {
    return withOutbox(async (tx, notify) => {
      await tx.execute(
        sql`SELECT 1 FROM ${organizations} WHERE ${organizations.id} = ${scope.organization.id} FOR UPDATE`,
      );
      const [target] = await tx
        .select({ membership: organizationMemberships, user: users })
        .from(organizationMemberships)
        .innerJoin(users, eq(users.id, organizationMemberships.userId))
        .where(liveMembers(scope.organization.id, eq(users.workosId, workosUserId)));
      if (!target?.membership.workosMembershipId) throw httpError('NOT_FOUND', 'Member not found');
      const [others] = await tx
        .select({ count: sql<number>`count(*)::int` })
        .from(organizationMemberships)
        .where(
          and(
            eq(organizationMemberships.organizationId, scope.organization.id),
            ne(organizationMemberships.id, target.membership.id),
            inArray(organizationMemberships.role, [...ADMIN_ROLES]),
            eq(organizationMemberships.status, 'active'),
            isNull(organizationMemberships.deletedAt),
          ),
        );
      return change(tx, target, others?.count ?? 0, notify);
    });
  }

  const isAdmin = (m: Membership) =>
    m.status === 'active' && (ADMIN_ROLES as readonly string[]).includes(m.role);

  /** PATCH /organizations/{slug}/members/{userId} */
  async function changeRole(scope: Scope, workosUserId: string, body: ChangeRoleBody) {
    return withMember(scope, workosUserId, async (tx, target, adminsLeft, notify) => {
      const staysAdmin = ['admin', 'owner'].includes(body.roleSlug.toLowerCase());
      if (isAdmin(target.membership) && !staysAdmin && adminsLeft === 0) {
        throw httpError('LAST_ADMIN', 'The organization needs at least one other admin first');
      }
      const updated = await call('Member', (w) =>
        w.updateMembershipRole(target.membership.workosMembershipId as string, body.roleSlug),
      );
      // The outbox reads the state the mirror write replaces, so it goes first (same transaction).
      notify(await writeOutbox(tx, membershipChange(updated, false)));
      await mirrorRoleChange(tx, target.user.id, updated);
      const [row] = await tx
        .select()
        .from(organizationMemberships)
        .where(eq(organizationMemberships.id, target.membership.id));
      logger?.info('member role changed', {
        organizationId: scope.organization.workosOrgId,
        memberId: workosUserId,
      });
      const m = row ?? target.membership;
      return {
        userId: target.user.workosId,
        email: target.user.email,
        firstName: target.user.firstName,
        lastName: target.user.lastName,
        role: m.role,
        roleSlug: m.roleSlug,
        status: m.status,
      };
    });
  }

  /** DELETE /organizations/{slug}/members/{userId}: removal, or leaving when it is the caller. */
  async function removeMember(
    scope: Scope,
    workosUserId: string,
  ): Promise<{ userId: string; removed: true }> {
    return withMember(scope, workosUserId, async (tx, target, adminsLeft, notify) => {
      if (isAdmin(target.membership) && adminsLeft === 0) {
        throw httpError('LAST_ADMIN', 'The organization needs at least one other admin first');
      }
      await call('Member', (w) => w.deleteMembership(target.membership.workosMembershipId as string));
      const m = target.membership;
      notify(
        await writeOutbox(
          tx,
          membershipChangeStatement({
            workosUserId,
            workosOrgId: scope.organization.workosOrgId,
            workosMembershipId: m.workosMembershipId as string,
            status: m.status,
            roleSlug: m.roleSlug,
            updatedAt: (m.workosUpdatedAt ?? new Date(0)).toISOString(),
            deleted: true,
          }),
        ),
      );
      await mirrorRemoval(tx, target.membership);
      logger?.info('member removed', {
        organizationId: scope.organization.workosOrgId,
        memberId: workosUserId,
      });
      return { userId: target.user.workosId, removed: true as const };
    });
  }

  return {
    createOrganization,
    listInvitations,
    invite,
    revokeInvitation,
    resendInvitation,
    listRoles,
    changeRole,
    removeMember,
  };
}

export type Management = ReturnType<typeof makeManagement>;
