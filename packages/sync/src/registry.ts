import {
  domainStatement,
  invitationUpsertStatement,
  type MembershipStatus,
  membershipStatements,
  type OrganizationFields,
  organizationStatements,
  revokedSessions,
  type Statement,
  template,
  type UserFields,
  userStatements,
} from '@app/db';
import { membershipChangeStatement, organizationChangeStatement } from '@app/notifications';
import type * as z from 'zod';
import {
  type MembershipData,
  membershipData,
  type OrganizationData,
  type OrganizationDomainData,
  organizationData,
  organizationDomainData,
  sessionData,
  type UserData,
  userData,
} from './events';
import { type InvitationData, invitationData, invitationFields } from './invitations';

/**
 * THE event-type registry: for every WorkOS event type this app syncs, the schema of its data, the
 * parents its effect needs locally, and the statements of its effect. The batch path, the per-event
 * path, reconcile (which types to read) and the backfill (objects listed from the API are states of
 * the same kinds) all read it, so a rule is written once.
 */

/** Which state this is: the WorkOS event that carried it, or none for a state read from the API. */
export type Origin = { eventId: string | null; deleted: boolean };

/** The WorkOS ids whose local rows an effect needs first (fetched from WorkOS when missing). */
export type Parents = { user?: string; organization?: string };

export type Kind<D> = {
  schema: z.ZodType<D>;
  parents: (data: D) => Parents;
  /** The effect; the last statement returns rows only when the state was applied. */
  statements: (data: D, origin: Origin) => Statement[];
  /**
   * The side effect of the change written in the same transaction: the notifications outbox
   * (@app/notifications). It runs right BEFORE the effect, because it reads the state the effect
   * replaces (a role change notifies with the previous role); it returns the ids of the EMAIL
   * notifications it wrote, which the worker hands to the notifier after COMMIT. Only events have
   * one (origin.eventId set): a state read from the API is no change anyone is told about.
   */
  outbox?: (data: D, origin: Origin) => Statement | undefined;
};

export const userFields = (d: UserData, eventId: string | null = null): UserFields => ({
  workosId: d.id,
  email: d.email,
  firstName: d.first_name ?? null,
  lastName: d.last_name ?? null,
  emailVerified: d.email_verified ?? false,
  profilePictureUrl: d.profile_picture_url ?? null,
  updatedAt: d.updated_at,
  eventId,
});

export const orgFields = (d: OrganizationData, eventId: string | null = null): OrganizationFields => ({
  workosOrgId: d.id,
  name: d.name,
  domains: d.domains?.map((x) => ({
    id: x.id,
    domain: x.domain,
    state: x.state,
    ...(x.updated_at ? { updatedAt: x.updated_at } : {}),
  })),
  updatedAt: d.updated_at,
  eventId,
});

export const membershipState = (d: MembershipData, eventId: string | null = null) => ({
  workosMembershipId: d.id,
  workosUserId: d.user_id,
  workosOrgId: d.organization_id,
  status: d.status as MembershipStatus,
  roleSlug: d.role?.slug ?? d.roles?.[0]?.slug ?? null,
  roleSlugs: d.roles?.map((r) => r.slug) ?? (d.role ? [d.role.slug] : []),
  updatedAt: d.updated_at,
  eventId,
});

/** The notifications of a membership's new WorkOS state (a role change, a removal): the outbox statement. */
export const membershipChange = (d: MembershipData, deleted: boolean) => {
  const state = membershipState(d);
  return membershipChangeStatement({
    workosUserId: d.user_id,
    workosOrgId: d.organization_id,
    workosMembershipId: d.id,
    status: d.status,
    roleSlug: state.roleSlug,
    updatedAt: d.updated_at,
    deleted,
  });
};

const user: Kind<UserData> = {
  schema: userData,
  parents: () => ({}),
  statements: (d, o) => userStatements(userFields(d, o.eventId), o.deleted),
};

const organization: Kind<OrganizationData> = {
  schema: organizationData,
  parents: () => ({}),
  statements: (d, o) => organizationStatements(orgFields(d, o.eventId), o.deleted),
  // A rename notifies the organization's admins.
  outbox: (d, o) =>
    o.deleted
      ? undefined
      : organizationChangeStatement({ workosOrgId: d.id, name: d.name, updatedAt: d.updated_at }),
};

const membership: Kind<MembershipData> = {
  schema: membershipData,
  parents: (d) => ({ user: d.user_id, organization: d.organization_id }),
  statements: (d, o) => membershipStatements(membershipState(d, o.eventId), o.deleted),
  outbox: (d, o) => membershipChange(d, o.deleted),
};

const domain: Kind<OrganizationDomainData> = {
  schema: organizationDomainData,
  parents: (d) => ({ organization: d.organization_id }),
  statements: (d, o) => [
    domainStatement(
      {
        id: d.id,
        workosOrgId: d.organization_id,
        domain: d.domain,
        state: d.state,
        updatedAt: d.updated_at,
        eventId: o.eventId,
      },
      o.deleted,
    ),
  ],
};

const session: Kind<z.infer<typeof sessionData>> = {
  schema: sessionData,
  parents: () => ({}),
  statements: (d) => [
    template(
      'session.revoke',
      (x, v) =>
        x
          .insert(revokedSessions)
          .values(v)
          .onConflictDoNothing()
          .returning({ sessionId: revokedSessions.sessionId }),
      { sessionId: d.id, workosUserId: d.user_id ?? null },
    ),
  ],
};

const invitation: Kind<InvitationData> = {
  schema: invitationData,
  // Named by WorkOS ids only: an invitation can arrive before its organization.
  parents: () => ({}),
  statements: (d, o) => [invitationUpsertStatement(invitationFields(d, o.eventId))],
};

export const KINDS = {
  user,
  organization,
  organization_membership: membership,
  organization_domain: domain,
  session,
  invitation,
};
export type KindName = keyof typeof KINDS;

/** Every synced event type and the kind of state it carries; anything else is acknowledged and ignored. */
export const EVENT_TYPES = {
  'user.created': { kind: 'user', deleted: false },
  'user.updated': { kind: 'user', deleted: false },
  'user.deleted': { kind: 'user', deleted: true },
  'organization.created': { kind: 'organization', deleted: false },
  'organization.updated': { kind: 'organization', deleted: false },
  'organization.deleted': { kind: 'organization', deleted: true },
  'organization_membership.created': { kind: 'organization_membership', deleted: false },
  'organization_membership.updated': { kind: 'organization_membership', deleted: false },
  'organization_membership.deleted': { kind: 'organization_membership', deleted: true },
  'organization_domain.created': { kind: 'organization_domain', deleted: false },
  'organization_domain.updated': { kind: 'organization_domain', deleted: false },
  'organization_domain.verified': { kind: 'organization_domain', deleted: false },
  'organization_domain.verification_failed': { kind: 'organization_domain', deleted: false },
  'organization_domain.deleted': { kind: 'organization_domain', deleted: true },
  'session.revoked': { kind: 'session', deleted: false },
  'invitation.created': { kind: 'invitation', deleted: false },
  'invitation.revoked': { kind: 'invitation', deleted: false },
  'invitation.resent': { kind: 'invitation', deleted: false },
  'invitation.accepted': { kind: 'invitation', deleted: false },
} as const satisfies Record<string, { kind: KindName; deleted: boolean }>;

export type SyncedEventType = keyof typeof EVENT_TYPES;
/** The event types reconcile reads from the Events API: exactly the ones the worker applies. */
export const SYNCED_EVENT_TYPES = Object.keys(EVENT_TYPES) as SyncedEventType[];

/** The registry entry of an event type, or undefined for a type this app does not sync. */
export function eventTypeOf(type: string): { kind: KindName; deleted: boolean } | undefined {
  return Object.hasOwn(EVENT_TYPES, type) ? EVENT_TYPES[type as SyncedEventType] : undefined;
}
