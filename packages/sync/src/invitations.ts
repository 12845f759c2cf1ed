import type { InvitationFields } from '@app/db';
import * as z from 'zod';

/** invitation.* events: what the mirror keeps of them (WorkOS never sends the token in events). */
export const INVITATION_ACTIONS = new Set(['created', 'revoked', 'resent', 'accepted']);

const timestamp = z.iso.datetime({ offset: true });

export const invitationData = z.object({
  id: z.string().min(1),
  email: z.string().min(1),
  state: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  organization_id: z.string().nullish(),
  role_slug: z.string().nullish(),
  inviter_user_id: z.string().nullish(),
  accepted_user_id: z.string().nullish(),
  expires_at: timestamp,
  accepted_at: timestamp.nullish(),
  revoked_at: timestamp.nullish(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type InvitationData = z.infer<typeof invitationData>;

export const invitationFields = (d: InvitationData): InvitationFields => ({
  workosInvitationId: d.id,
  workosOrgId: d.organization_id ?? null,
  email: d.email,
  state: d.state,
  roleSlug: d.role_slug ?? null,
  inviterWorkosUserId: d.inviter_user_id ?? null,
  acceptedWorkosUserId: d.accepted_user_id ?? null,
  expiresAt: d.expires_at,
  acceptedAt: d.accepted_at ?? null,
  revokedAt: d.revoked_at ?? null,
  createdAt: d.created_at,
  updatedAt: d.updated_at,
});
