import type { Placeholder, Query } from 'drizzle-orm';
import type { Executor } from './client';
import { invitations } from './schema';
import { template } from './statements';
import { takeExcluded } from './upsert';
import { excludedVersion, isNewer, storedVersion } from './version';

export type Invitation = typeof invitations.$inferSelect;

/** A WorkOS invitation as the mirror keeps it (from an invitation.* event or an SDK answer). */
export type InvitationFields = {
  workosInvitationId: string;
  workosOrgId: string | null;
  email: string;
  state: string;
  roleSlug: string | null;
  inviterWorkosUserId: string | null;
  acceptedWorkosUserId: string | null;
  expiresAt: Date | string;
  acceptedAt: Date | string | null;
  revokedAt: Date | string | null;
  createdAt: Date | string;
  updatedAt: Date | string;
  /** The invitation.* event this state came in; absent or null for an SDK answer. */
  eventId?: string | null;
};

const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));
const maybeDate = (value: Date | string | null) => (value === null ? null : date(value));

const invitationValues = (input: InvitationFields) => ({
  workosInvitationId: input.workosInvitationId,
  workosOrgId: input.workosOrgId,
  email: input.email.toLowerCase(),
  state: input.state,
  roleSlug: input.roleSlug,
  inviterWorkosUserId: input.inviterWorkosUserId,
  acceptedWorkosUserId: input.acceptedWorkosUserId,
  expiresAt: date(input.expiresAt),
  acceptedAt: maybeDate(input.acceptedAt),
  revokedAt: maybeDate(input.revokedAt),
  workosCreatedAt: date(input.createdAt),
  workosUpdatedAt: date(input.updatedAt),
  workosEventId: input.eventId ?? null,
});

type InvitationValues = ReturnType<typeof invitationValues>;
type Bound<T> = { [K in keyof T]: T[K] | Placeholder };

/**
 * THE invitation upsert, with the order guard of every synced row (version.ts): an existing
 * invitation changes only when the incoming version is newer. Returns the row only when it applied.
 * Used by the sync worker (invitation.* events) and by the management routes (the SDK's answer),
 * so the event that follows a management call is a no-op.
 */
function buildInvitationUpsert(ex: Executor, v: Bound<InvitationValues>) {
  return ex
    .insert(invitations)
    .values(v)
    .onConflictDoUpdate({
      target: invitations.workosInvitationId,
      set: takeExcluded(invitations, [
        'workosOrgId',
        'email',
        'state',
        'roleSlug',
        'inviterWorkosUserId',
        'acceptedWorkosUserId',
        'expiresAt',
        'acceptedAt',
        'revokedAt',
        'workosCreatedAt',
      ]),
      setWhere: isNewer(storedVersion('invitations'), excludedVersion),
    });
}

/** The upsert as SQL text and parameters from a compiled template (the sync worker's batch path). */
export function invitationUpsertStatement(input: InvitationFields): Query {
  return template(
    'invitation.upsert',
    (ex, v) => buildInvitationUpsert(ex, v).returning({ id: invitations.id }),
    invitationValues(input),
  );
}

/** Upserts an invitation: the row when it applied, undefined when a newer state is stored. */
export async function upsertInvitation(
  ex: Executor,
  input: InvitationFields,
): Promise<Invitation | undefined> {
  const [row] = await buildInvitationUpsert(ex, invitationValues(input)).returning();
  return row;
}
