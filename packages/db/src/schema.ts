import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  index,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

// Enum names and values are the seed's (Prisma keeps the model's casing for enum type names).
export const organizationRole = pgEnum('OrganizationRole', ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']);
export const notificationType = pgEnum('NotificationType', ['EMAIL', 'SMS', 'PUSH', 'IN_APP']);
export const notificationStatus = pgEnum('NotificationStatus', [
  'PENDING',
  'QUEUED',
  'PROCESSING',
  'SENT',
  'FAILED',
  'CANCELLED',
]);
// WorkOS organization membership statuses.
export const membershipStatus = pgEnum('MembershipStatus', ['active', 'inactive', 'pending']);

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });
const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () =>
  ts('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

/**
 * Columns every WorkOS-synced row carries: the WorkOS `updated_at` of the state we hold (the order
 * guard compares events against it) and a tombstone that an older update cannot undo.
 */
/** A required reference to the row that owns this one: deleting the owner deletes it. */
const ownedBy = (name: string, owner: () => AnyPgColumn) =>
  uuid(name).notNull().references(owner, { onDelete: 'cascade' });
const syncColumns = () => ({
  workosUpdatedAt: ts('workos_updated_at'),
  // The WorkOS event that brought this state; null when it was read from the WorkOS API. With
  // workos_updated_at it orders changes made in the same millisecond (see packages/db/src/version.ts).
  workosEventId: text('workos_event_id'),
  deletedAt: ts('deleted_at'),
  // The full backfill run that last saw this object at WorkOS (mark-and-sweep across invocations).
  sweepRun: text('sweep_run'),
});

// The seed's unique columns also had a plain index each; the unique constraint's own index serves
// those lookups, so the duplicates are not created (they would only slow every write).
export const users = pgTable(
  'users',
  {
    id: id(),
    workosId: text('workos_id').notNull().unique(),
    email: text('email').notNull().unique(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    // Custom fields, owned by this app (WorkOS does not have them).
    avatarUrl: text('avatar_url'),
    bio: text('bio'),
    timezone: text('timezone').notNull().default('UTC'),
    preferences: jsonb('preferences').$type<Record<string, unknown>>(),
    lastLoginAt: ts('last_login_at'),
    isActive: boolean('is_active').notNull().default(true),
    // Mirrored from WorkOS.
    emailVerified: boolean('email_verified').notNull().default(false),
    profilePictureUrl: text('profile_picture_url'),
    ...syncColumns(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('users_last_login_at_idx').on(t.lastLoginAt)],
);

export type OrganizationDomain = {
  id: string;
  domain: string;
  state: string;
  /** WorkOS `updated_at` of this domain, when known: orders organization_domain.* events. */
  updatedAt?: string;
  /** The organization_domain.* event this state came from (absent: read with the organization). */
  eventId?: string;
};

/** A domain WorkOS deleted, and the version of that deletion: no older domain event brings it back. */
export type DeletedDomain = { id: string; updatedAt: string; eventId: string | null };

export const organizations = pgTable('organizations', {
  id: id(),
  workosOrgId: text('workos_org_id').notNull().unique(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  domain: text('domain'),
  logoUrl: text('logo_url'),
  settings: jsonb('settings').$type<Record<string, unknown>>(),
  isActive: boolean('is_active').notNull().default(true),
  // Mirrored from WorkOS: the organization's domains as WorkOS last reported them.
  domains: jsonb('domains').$type<OrganizationDomain[]>().notNull().default(sql`'[]'::jsonb`),
  // Tombstones of the domains WorkOS deleted (domain ids are never reused).
  deletedDomains: jsonb('deleted_domains').$type<DeletedDomain[]>().notNull().default(sql`'[]'::jsonb`),
  ...syncColumns(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const organizationMemberships = pgTable(
  'organization_memberships',
  {
    id: id(),
    userId: ownedBy('user_id', () => users.id),
    organizationId: ownedBy('organization_id', () => organizations.id),
    role: organizationRole('role').notNull().default('MEMBER'),
    // Mirrored from WorkOS: the membership id, its status and the raw role slugs.
    workosMembershipId: text('workos_membership_id').unique(),
    status: membershipStatus('status').notNull().default('active'),
    roleSlug: text('role_slug'),
    roleSlugs: text('role_slugs').array().notNull().default(sql`'{}'::text[]`),
    ...syncColumns(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('organization_memberships_user_id_organization_id_key').on(t.userId, t.organizationId),
    index('organization_memberships_organization_id_idx').on(t.organizationId),
    // (user_id, organization_id) unique index serves lookups by user_id.
  ],
);

export const notifications = pgTable(
  'notifications',
  {
    id: id(),
    userId: ownedBy('user_id', () => users.id),
    type: notificationType('type').notNull(),
    status: notificationStatus('status').notNull().default('PENDING'),
    subject: text('subject').notNull(),
    message: text('message').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    sentAt: ts('sent_at'),
    failedAt: ts('failed_at'),
    errorMsg: text('error_msg'),
    // IN_APP: when the user marked it read (null: unread).
    readAt: ts('read_at'),
    // The change a notification tells of (e.g. a WorkOS membership id and version): a change reported
    // twice (by a management route and by its webhook, racing) gives one row per recipient and channel.
    dedupeKey: text('dedupe_key'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('notifications_user_id_idx').on(t.userId),
    // GET /notifications: a user's newest first, keyset-paginated on (created_at, id).
    index('notifications_user_id_created_at_id_idx').on(t.userId, t.createdAt, t.id),
    uniqueIndex('notifications_user_id_type_dedupe_key_key').on(t.userId, t.type, t.dedupeKey),
    index('notifications_status_idx').on(t.status),
    index('notifications_created_at_idx').on(t.createdAt),
  ],
);

/** Inbox: one row per WorkOS event applied, written in the same transaction as its effect. */
export const processedEvents = pgTable('processed_events', {
  eventId: text('event_id').primaryKey(),
  eventType: text('event_type').notNull(),
  // applied | stale | ignored
  outcome: text('outcome').notNull(),
  eventCreatedAt: ts('event_created_at'),
  processedAt: ts('processed_at').notNull().defaultNow(),
});

/** Cursors and other small sync bookmarks (e.g. the Events API cursor of the reconcile job). */
export const syncState = pgTable('sync_state', {
  key: text('key').primaryKey(),
  cursor: text('cursor'),
  updatedAt: updatedAt(),
});

/** Sessions WorkOS reported revoked: rejected before their access token expires. */
export const revokedSessions = pgTable('revoked_sessions', {
  sessionId: text('session_id').primaryKey(),
  workosUserId: text('workos_user_id'),
  revokedAt: ts('revoked_at').notNull().defaultNow(),
});

/**
 * Single-flight refresh across Lambda instances: the first instance to insert the row for a
 * refresh token (keyed by its SHA-256) refreshes it at WorkOS and stores the result, encrypted
 * under a key derived from that refresh token; the others wait for that result instead of spending
 * the single-use refresh token again. A result is honoured for a short window, then deleted.
 */
export const sessionRefreshes = pgTable(
  'session_refreshes',
  {
    tokenHash: text('token_hash').primaryKey(),
    // No longer written (it held the new cookie in the clear); kept until the next contract step.
    sealedSession: text('sealed_session'),
    // The new sealed session, AES-256-GCM under an HKDF key of the old refresh token; null while in flight.
    sealedResult: text('sealed_result'),
    // Set when the refresh failed terminally (e.g. invalid_grant) so waiters fail the same way.
    failureReason: text('failure_reason'),
    claimedAt: ts('claimed_at').notNull().defaultNow(),
    completedAt: ts('completed_at'),
  },
  (t) => [index('session_refreshes_claimed_at_idx').on(t.claimedAt)],
);

/**
 * WorkOS invitations to an organization, mirrored from invitation.* events and from the management
 * routes (WorkOS stays the source of truth). Keyed by the WorkOS id; the organization is named by
 * its WorkOS id, so an invitation can arrive before its organization. Never holds the token.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    workosInvitationId: text('workos_invitation_id').notNull().unique(),
    workosOrgId: text('workos_org_id'),
    email: text('email').notNull(),
    // pending | accepted | revoked | expired (WorkOS `state`)
    state: text('state').notNull(),
    roleSlug: text('role_slug'),
    inviterWorkosUserId: text('inviter_workos_user_id'),
    acceptedWorkosUserId: text('accepted_workos_user_id'),
    expiresAt: ts('expires_at').notNull(),
    acceptedAt: ts('accepted_at'),
    revokedAt: ts('revoked_at'),
    workosCreatedAt: ts('workos_created_at').notNull(),
    workosUpdatedAt: ts('workos_updated_at').notNull(),
    // The invitation.* event of this state (null: an SDK answer); orders changes of one millisecond.
    workosEventId: text('workos_event_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('invitations_workos_org_id_state_idx').on(t.workosOrgId, t.state)],
);
