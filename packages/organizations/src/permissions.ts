/**
 * The WorkOS permission slugs the organization routes check (define them in the WorkOS dashboard
 * and attach them to roles). They come from the session's access token, for its organization.
 */
export const PERMISSIONS = {
  /** See the organization's roles. */
  membersRead: 'members:read',
  /** Invite, list and revoke invitations; change roles; remove members. */
  membersWrite: 'members:write',
} as const;
