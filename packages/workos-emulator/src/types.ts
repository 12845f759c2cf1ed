/** Wire shapes, exactly as WorkOS sends them (snake_case). */

export type Impersonator = { email: string; reason: string | null };

export type UserJson = {
  object: 'user';
  id: string;
  email: string;
  email_verified: boolean;
  first_name: string | null;
  last_name: string | null;
  profile_picture_url: string | null;
  last_sign_in_at: string | null;
  locale: string | null;
  external_id: string | null;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
};

export type DomainState = 'verified' | 'pending' | 'failed';

export type DomainJson = {
  object: 'organization_domain';
  id: string;
  organization_id: string;
  domain: string;
  state: DomainState;
  verification_strategy: 'manual' | 'dns';
  verification_prefix: string | null;
  verification_token: string | null;
  created_at: string;
  updated_at: string;
};

export type OrganizationJson = {
  object: 'organization';
  id: string;
  name: string;
  external_id: string | null;
  domains: DomainJson[];
  metadata: Record<string, string>;
  allow_profiles_outside_organization: boolean;
  created_at: string;
  updated_at: string;
};

export type MembershipStatus = 'active' | 'inactive' | 'pending';

export type MembershipJson = {
  object: 'organization_membership';
  id: string;
  user_id: string;
  organization_id: string;
  organization_name: string;
  status: MembershipStatus;
  role: { slug: string };
  roles: { slug: string }[];
  directory_managed: boolean;
  custom_attributes: Record<string, unknown>;
  created_at: string;
  updated_at: string;
};

export type InvitationState = 'pending' | 'accepted' | 'revoked' | 'expired';

/** An invitation as the REST API answers it; events carry the same fields without token and url. */
export type InvitationJson = {
  object: 'invitation';
  id: string;
  email: string;
  state: InvitationState;
  accepted_at: string | null;
  revoked_at: string | null;
  expires_at: string;
  organization_id: string | null;
  inviter_user_id: string | null;
  accepted_user_id: string | null;
  role_slug: string | null;
  token: string;
  accept_invitation_url: string;
  created_at: string;
  updated_at: string;
};

/** A role as `GET /authorization/organizations/:id/roles` lists it. */
export type RoleJson = {
  object: 'role';
  id: string;
  name: string;
  slug: string;
  description: string | null;
  permissions: string[];
  type: 'EnvironmentRole' | 'OrganizationRole';
  created_at: string;
  updated_at: string;
};

export type SessionJson = {
  object: 'session';
  id: string;
  user_id: string;
  organization_id: string | null;
  impersonator?: Impersonator;
  ip_address: string | null;
  user_agent: string | null;
  auth_method: string;
  status: 'active' | 'revoked' | 'expired';
  expires_at: string;
  ended_at: string | null;
  created_at: string;
  updated_at: string;
};

export type EventJson = {
  object: 'event';
  id: string;
  event: string;
  data: Record<string, unknown>;
  created_at: string;
  context: Record<string, unknown>;
};

export type WebhookEndpointJson = {
  object: 'webhook_endpoint';
  id: string;
  endpoint_url: string;
  secret: string;
  status: 'enabled' | 'disabled';
  events: string[];
  created_at: string;
  updated_at: string;
};

/** State to start with. References between entries use ids, emails (users) or names (organizations). */
export type EmulatorSeed = {
  /** Role slugs and their permissions. Without it any role slug is accepted, with no permissions. */
  roles?: { slug: string; permissions?: string[] }[];
  users?: SeedUser[];
  organizations?: SeedOrganization[];
  memberships?: SeedMembership[];
};

export type SeedUser = {
  id?: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  emailVerified?: boolean;
  profilePictureUrl?: string | null;
  externalId?: string | null;
  metadata?: Record<string, string>;
  /** Every session of this user is an impersonation by this admin (act claim, impersonator field). */
  impersonator?: Impersonator;
};

export type SeedOrganization = {
  id?: string;
  name: string;
  /** 'acme.com' (verified) or { domain, state }. */
  domains?: (string | { domain: string; state?: DomainState })[];
  externalId?: string | null;
  metadata?: Record<string, string>;
};

export type SeedMembership = {
  id?: string;
  /** User id or email. */
  user: string;
  /** Organization id or name. */
  organization: string;
  /** Role slug; default 'member'. */
  role?: string;
  /** Several role slugs (the first one is `role`). */
  roles?: string[];
  status?: MembershipStatus;
  customAttributes?: Record<string, unknown>;
};
