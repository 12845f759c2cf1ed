import type { Clock } from './clock';
import { EmulatorHttpError, notFound, unprocessable } from './errors';
import { newId, opaqueToken } from './ids';
import type {
  DomainJson,
  DomainState,
  EventJson,
  Impersonator,
  InvitationJson,
  MembershipJson,
  MembershipStatus,
  OrganizationJson,
  RoleJson,
  SeedOrganization,
  SeedUser,
  SessionJson,
  UserJson,
} from './types';

export type CreateUserInput = SeedUser & { locale?: string | null };
export type UpdateUserInput = Partial<Omit<CreateUserInput, 'id' | 'impersonator'>>;

export type DomainInput = string | { domain: string; state?: DomainState };
export type CreateOrganizationInput = SeedOrganization & { allowProfilesOutsideOrganization?: boolean };
export type UpdateOrganizationInput = Partial<Omit<CreateOrganizationInput, 'id'>>;

export type CreateMembershipInput = {
  id?: string;
  userId: string;
  organizationId: string;
  roleSlug?: string;
  roleSlugs?: string[];
  status?: MembershipStatus;
  customAttributes?: Record<string, unknown>;
};
export type UpdateMembershipInput = { roleSlug?: string; roleSlugs?: string[]; status?: MembershipStatus };

export type CreateSessionInput = {
  userId: string;
  organizationId?: string | undefined;
  ipAddress?: string | null;
  userAgent?: string | null;
  authMethod?: string;
};

export type SendInvitationInput = {
  email: string;
  organizationId?: string | undefined;
  inviterUserId?: string | undefined;
  roleSlug?: string | undefined;
  expiresInDays?: number | undefined;
};

const SESSION_LIFETIME_MS = 30 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
/** WorkOS: invitations expire after 7 days unless `expires_in_days` (1-30) says otherwise. */
const INVITATION_DEFAULT_DAYS = 7;

const clone = <T>(value: T): T => structuredClone(value);
/** A copy of a record that may not exist. */
const cloneOf = <T>(value: T | undefined): T | undefined => (value ? clone(value) : undefined);

/**
 * The emulator's state. Every change goes through here, records one event per change (the data
 * is a snapshot of the object after the change, or its last state for *.deleted) and hands the
 * event to `onEvent` (webhook delivery). The HTTP API, the control page and tests all call these
 * functions, so they behave the same.
 */
export function createStore(deps: {
  clock: Clock;
  onEvent: (event: EventJson) => void;
  /** Where an invitation's `accept_invitation_url` points (the emulator's own page). */
  invitationUrl?: (token: string) => string;
}) {
  const { clock, onEvent } = deps;
  const invitations = new Map<string, InvitationJson>();
  const roleCreatedAt = new Map<string, string>();
  const users = new Map<string, UserJson>();
  const impersonators = new Map<string, Impersonator>();
  const organizations = new Map<string, OrganizationJson>();
  const memberships = new Map<string, MembershipJson>();
  const sessions = new Map<string, SessionJson>();
  const events: EventJson[] = [];
  const roles = new Map<string, string[]>();
  let rolesAreStrict = false;
  // Creation rank of every id ever issued (deleted ones too), for cursor pagination.
  const seq = new Map<string, number>();
  let nextSeq = 0;

  const iso = () => new Date(clock.now()).toISOString();
  const register = (id: string) => {
    if (seq.has(id)) throw unprocessable('duplicate_id', `The id '${id}' is already taken.`);
    seq.set(id, nextSeq++);
  };

  /** Keeps a new record, emits its `*.created` event (with `data`, the record itself by default), returns a copy. */
  function created<T extends { id: string }>(
    records: Map<string, T>,
    value: T,
    event: string,
    data: object = value,
  ): T {
    records.set(value.id, value);
    record(event, data);
    return clone(value);
  }
  function record(event: string, data: object, context: Record<string, unknown> = {}): EventJson {
    const id = newId('event');
    register(id);
    const entry: EventJson = {
      object: 'event',
      id,
      event,
      data: clone(data) as Record<string, unknown>,
      created_at: iso(),
      context,
    };
    events.push(entry);
    onEvent(clone(entry));
    return clone(entry);
  }

  // ---- roles
  function setRoles(list: { slug: string; permissions?: string[] }[]) {
    roles.clear();
    for (const role of list) setRolePermissions(role.slug, role.permissions ?? []);
    rolesAreStrict = list.length > 0;
  }
  function setRolePermissions(slug: string, permissions: string[]) {
    roles.set(slug, [...permissions]);
    if (!roleCreatedAt.has(slug)) roleCreatedAt.set(slug, iso());
  }
  /** The roles an organization can assign: the environment roles (no organization roles here). */
  function listRoles(organizationId: string): RoleJson[] {
    requireOrganization(organizationId);
    return [...roles.entries()].map(([slug, permissions]) => ({
      object: 'role',
      id: `role_${slug}`,
      name: slug.charAt(0).toUpperCase() + slug.slice(1).replaceAll('-', ' '),
      slug,
      description: null,
      permissions: [...permissions],
      type: 'EnvironmentRole',
      created_at: roleCreatedAt.get(slug) ?? iso(),
      updated_at: roleCreatedAt.get(slug) ?? iso(),
    }));
  }
  function permissionsFor(roleSlugs: string[]): string[] {
    return [...new Set(roleSlugs.flatMap((slug) => roles.get(slug) ?? []))];
  }
  function checkRoles(slugs: string[]) {
    for (const slug of slugs) {
      if (!slug) throw unprocessable('invalid_role', 'A role slug must not be empty.');
      if (rolesAreStrict && !roles.has(slug)) {
        throw unprocessable('role_not_found', `Role '${slug}' does not exist.`, [
          { field: 'role_slug', code: 'role_not_found' },
        ]);
      }
    }
  }

  // ---- users
  function requireUser(id: string): UserJson {
    const user = users.get(id);
    if (!user) throw notFound('User', id);
    return user;
  }
  function findUserByEmail(email: string): UserJson | undefined {
    const wanted = email.trim().toLowerCase();
    return [...users.values()].find((u) => u.email === wanted);
  }
  function checkEmail(email: unknown, exceptId?: string): string {
    if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) {
      throw unprocessable('invalid_request_parameters', 'A valid email is required.', [
        { field: 'email', code: 'invalid' },
      ]);
    }
    const normalized = email.trim().toLowerCase();
    const existing = findUserByEmail(normalized);
    if (existing && existing.id !== exceptId) {
      throw unprocessable('user_creation_error', 'This email is not available.', [
        { field: 'email', code: 'email_not_available' },
      ]);
    }
    return normalized;
  }
  function createUser(input: CreateUserInput): UserJson {
    const email = checkEmail(input.email);
    const id = input.id ?? newId('user');
    register(id);
    const now = iso();
    const user: UserJson = {
      object: 'user',
      id,
      email,
      email_verified: input.emailVerified ?? true,
      first_name: input.firstName ?? null,
      last_name: input.lastName ?? null,
      profile_picture_url: input.profilePictureUrl ?? null,
      last_sign_in_at: null,
      locale: input.locale ?? null,
      external_id: input.externalId ?? null,
      metadata: { ...(input.metadata ?? {}) },
      created_at: now,
      updated_at: now,
    };
    users.set(id, user);
    if (input.impersonator) impersonators.set(id, { ...input.impersonator });
    record('user.created', user);
    return clone(user);
  }
  function updateUser(id: string, patch: UpdateUserInput): UserJson {
    const user = requireUser(id);
    if (patch.email !== undefined) user.email = checkEmail(patch.email, id);
    if (patch.firstName !== undefined) user.first_name = patch.firstName;
    if (patch.lastName !== undefined) user.last_name = patch.lastName;
    if (patch.emailVerified !== undefined) user.email_verified = patch.emailVerified;
    if (patch.profilePictureUrl !== undefined) user.profile_picture_url = patch.profilePictureUrl;
    if (patch.externalId !== undefined) user.external_id = patch.externalId;
    if (patch.metadata !== undefined) user.metadata = { ...patch.metadata };
    if (patch.locale !== undefined) user.locale = patch.locale;
    user.updated_at = iso();
    record('user.updated', user);
    return clone(user);
  }
  function deleteUser(id: string): UserJson {
    const user = requireUser(id);
    for (const m of [...memberships.values()]) if (m.user_id === id) deleteMembership(m.id);
    for (const s of sessions.values()) if (s.user_id === id && s.status === 'active') endSession(s, false);
    users.delete(id);
    impersonators.delete(id);
    record('user.deleted', user);
    return clone(user);
  }
  /** Sign-ins update last_sign_in_at without an event, as WorkOS does. */
  function touchSignIn(id: string) {
    const user = requireUser(id);
    user.last_sign_in_at = iso();
  }

  // ---- organizations
  function requireOrganization(id: string): OrganizationJson {
    const org = organizations.get(id);
    if (!org) throw notFound('Organization', id);
    return org;
  }
  function findOrganizationByName(name: string): OrganizationJson | undefined {
    return [...organizations.values()].find((o) => o.name === name);
  }
  function buildDomains(orgId: string, inputs: DomainInput[], previous: DomainJson[]): DomainJson[] {
    const now = iso();
    return inputs.map((input) => {
      const domain = (typeof input === 'string' ? input : input.domain).trim().toLowerCase();
      const state = typeof input === 'string' ? 'verified' : (input.state ?? 'verified');
      if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(domain)) {
        throw unprocessable('invalid_domain', `'${domain}' is not a valid domain.`, [
          { field: 'domain_data', code: 'invalid' },
        ]);
      }
      const old = previous.find((d) => d.domain === domain);
      if (old) return old.state === state ? old : { ...old, state, updated_at: now };
      return {
        object: 'organization_domain',
        id: newId('org_domain'),
        organization_id: orgId,
        domain,
        state,
        verification_strategy: 'manual',
        verification_prefix: null,
        verification_token: null,
        created_at: now,
        updated_at: now,
      } satisfies DomainJson;
    });
  }
  /** organization_domain.* events for a change of an organization's domain list. */
  function domainChanges(before: DomainJson[], after: DomainJson[]): [string, DomainJson][] {
    const changes: [string, DomainJson][] = [];
    for (const domain of after) {
      const old = before.find((d) => d.id === domain.id);
      if (!old) changes.push(['organization_domain.created', domain]);
      else if (old.state !== domain.state) {
        changes.push([
          domain.state === 'verified' ? 'organization_domain.verified' : 'organization_domain.updated',
          domain,
        ]);
      }
    }
    for (const domain of before) {
      if (!after.some((d) => d.id === domain.id)) changes.push(['organization_domain.deleted', domain]);
    }
    return changes;
  }
  function checkName(name: unknown): string {
    if (typeof name !== 'string' || name.trim() === '') {
      throw unprocessable('invalid_request_parameters', 'name is required.', [
        { field: 'name', code: 'required' },
      ]);
    }
    return name.trim();
  }
  function createOrganization(input: CreateOrganizationInput): OrganizationJson {
    const name = checkName(input.name);
    const id = input.id ?? newId('org');
    const domains = buildDomains(id, input.domains ?? [], []);
    register(id);
    const now = iso();
    const org: OrganizationJson = {
      object: 'organization',
      id,
      name,
      external_id: input.externalId ?? null,
      domains,
      metadata: { ...(input.metadata ?? {}) },
      allow_profiles_outside_organization: input.allowProfilesOutsideOrganization ?? false,
      created_at: now,
      updated_at: now,
    };
    return created(organizations, org, 'organization.created');
  }
  function updateOrganization(id: string, patch: UpdateOrganizationInput): OrganizationJson {
    const org = requireOrganization(id);
    if (patch.name !== undefined) org.name = checkName(patch.name);
    let domainEvents: [string, DomainJson][] = [];
    if (patch.domains !== undefined) {
      const next = buildDomains(id, patch.domains, org.domains);
      domainEvents = domainChanges(org.domains, next);
      org.domains = next;
    }
    if (patch.externalId !== undefined) org.external_id = patch.externalId;
    if (patch.metadata !== undefined) org.metadata = { ...patch.metadata };
    if (patch.allowProfilesOutsideOrganization !== undefined) {
      org.allow_profiles_outside_organization = patch.allowProfilesOutsideOrganization;
    }
    org.updated_at = iso();
    for (const m of memberships.values()) if (m.organization_id === id) m.organization_name = org.name;
    for (const [name, domain] of domainEvents) record(name, domain);
    record('organization.updated', org);
    return clone(org);
  }
  function deleteOrganization(id: string): OrganizationJson {
    const org = requireOrganization(id);
    for (const m of [...memberships.values()]) if (m.organization_id === id) deleteMembership(m.id);
    organizations.delete(id);
    record('organization.deleted', org);
    return clone(org);
  }

  // ---- memberships
  function requireMembership(id: string): MembershipJson {
    const m = memberships.get(id);
    if (!m) throw notFound('Organization membership', id);
    return m;
  }
  function roleList(roleSlug: string | undefined, roleSlugs: string[] | undefined): string[] {
    const slugs = roleSlugs && roleSlugs.length > 0 ? roleSlugs : [roleSlug ?? 'member'];
    checkRoles(slugs);
    return [...new Set(slugs)];
  }
  function createMembership(input: CreateMembershipInput): MembershipJson {
    requireUser(input.userId);
    const org = requireOrganization(input.organizationId);
    const duplicate = [...memberships.values()].find(
      (m) => m.user_id === input.userId && m.organization_id === input.organizationId,
    );
    if (duplicate) {
      throw unprocessable(
        'organization_membership_already_exists',
        `User '${input.userId}' is already a member of organization '${input.organizationId}'.`,
      );
    }
    const slugs = roleList(input.roleSlug, input.roleSlugs);
    const id = input.id ?? newId('om');
    register(id);
    const now = iso();
    const membership: MembershipJson = {
      object: 'organization_membership',
      id,
      user_id: input.userId,
      organization_id: org.id,
      organization_name: org.name,
      status: input.status ?? 'active',
      role: { slug: slugs[0] ?? 'member' },
      roles: slugs.map((slug) => ({ slug })),
      directory_managed: false,
      custom_attributes: { ...(input.customAttributes ?? {}) },
      created_at: now,
      updated_at: now,
    };
    return created(memberships, membership, 'organization_membership.created');
  }
  function updateMembership(id: string, patch: UpdateMembershipInput): MembershipJson {
    const m = requireMembership(id);
    if (patch.roleSlug !== undefined || patch.roleSlugs !== undefined) {
      const slugs = roleList(patch.roleSlug, patch.roleSlugs);
      m.role = { slug: slugs[0] ?? 'member' };
      m.roles = slugs.map((slug) => ({ slug }));
    }
    if (patch.status !== undefined) m.status = patch.status;
    m.updated_at = iso();
    record('organization_membership.updated', m);
    return clone(m);
  }
  function deactivateMembership(id: string): MembershipJson {
    const m = requireMembership(id);
    if (m.status !== 'active') {
      throw unprocessable('membership_not_active', `Organization membership '${id}' is not active.`);
    }
    return updateMembership(id, { status: 'inactive' });
  }
  function reactivateMembership(id: string): MembershipJson {
    const m = requireMembership(id);
    if (m.status !== 'inactive') {
      throw unprocessable('membership_not_inactive', `Organization membership '${id}' is not inactive.`);
    }
    return updateMembership(id, { status: 'active' });
  }
  function deleteMembership(id: string): MembershipJson {
    const m = requireMembership(id);
    memberships.delete(id);
    record('organization_membership.deleted', m);
    return clone(m);
  }
  function activeMembership(userId: string, organizationId: string): MembershipJson | undefined {
    return [...memberships.values()].find(
      (m) => m.user_id === userId && m.organization_id === organizationId && m.status === 'active',
    );
  }
  function activeMembershipsOf(userId: string): MembershipJson[] {
    return [...memberships.values()].filter((m) => m.user_id === userId && m.status === 'active');
  }

  // ---- invitations
  /** The wire object of an event: what the API answers, without the secret token and its url. */
  const invitationEventData = ({ token: _t, accept_invitation_url: _u, ...rest }: InvitationJson) => rest;
  function requireInvitation(id: string): InvitationJson {
    const invitation = invitations.get(id);
    if (!invitation) throw notFound('Invitation', id);
    return refreshState(invitation);
  }
  /** A pending invitation past its expiry reads as expired (WorkOS sends no event for it). */
  function refreshState(invitation: InvitationJson): InvitationJson {
    if (invitation.state === 'pending' && Date.parse(invitation.expires_at) <= clock.now()) {
      invitation.state = 'expired';
    }
    return invitation;
  }
  function pendingInvitation(email: string, organizationId: string | null) {
    return [...invitations.values()]
      .map(refreshState)
      .find((i) => i.state === 'pending' && i.email === email && i.organization_id === organizationId);
  }
  function sendInvitation(input: SendInvitationInput): InvitationJson {
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      throw unprocessable('invalid_request_parameters', 'A valid email is required.', [
        { field: 'email', code: 'invalid' },
      ]);
    }
    const organizationId = input.organizationId ?? null;
    if (organizationId) requireOrganization(organizationId);
    if (input.inviterUserId) requireUser(input.inviterUserId);
    if (input.roleSlug !== undefined) checkRoles([input.roleSlug]);
    const days = input.expiresInDays ?? INVITATION_DEFAULT_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > 30) {
      throw unprocessable('invalid_request_parameters', 'expires_in_days must be between 1 and 30.', [
        { field: 'expires_in_days', code: 'invalid' },
      ]);
    }
    const invitee = findUserByEmail(email);
    if (organizationId && invitee && activeMembership(invitee.id, organizationId)) {
      throw new EmulatorHttpError(400, {
        code: 'user_already_organization_member',
        message: `'${email}' is already a member of organization '${organizationId}'.`,
        errors: [],
      });
    }
    if (pendingInvitation(email, organizationId)) {
      throw new EmulatorHttpError(400, {
        code: 'duplicate_invitation',
        message: `A pending invitation for '${email}' already exists.`,
        errors: [],
      });
    }
    const id = newId('invitation');
    register(id);
    const now = clock.now();
    const token = opaqueToken(18);
    const invitation: InvitationJson = {
      object: 'invitation',
      id,
      email,
      state: 'pending',
      accepted_at: null,
      revoked_at: null,
      expires_at: new Date(now + days * DAY_MS).toISOString(),
      organization_id: organizationId,
      inviter_user_id: input.inviterUserId ?? null,
      accepted_user_id: null,
      role_slug: organizationId ? (input.roleSlug ?? 'member') : null,
      token,
      accept_invitation_url: deps.invitationUrl?.(token) ?? `/invite?invitation_token=${token}`,
      created_at: new Date(now).toISOString(),
      updated_at: new Date(now).toISOString(),
    };
    return created(invitations, invitation, 'invitation.created', invitationEventData(invitation));
  }
  function notPending(invitation: InvitationJson, verb: string): EmulatorHttpError {
    return new EmulatorHttpError(400, {
      code: `invitation_${invitation.state}`,
      message: `Invitation '${invitation.id}' is ${invitation.state} and cannot be ${verb}.`,
      errors: [],
    });
  }
  function revokeInvitation(id: string): InvitationJson {
    const invitation = requireInvitation(id);
    if (invitation.state !== 'pending') throw notPending(invitation, 'revoked');
    invitation.state = 'revoked';
    invitation.revoked_at = iso();
    invitation.updated_at = invitation.revoked_at;
    record('invitation.revoked', invitationEventData(invitation));
    return clone(invitation);
  }
  /** Sends the email again with a fresh expiry; an expired invitation can be resent, as at WorkOS. */
  function resendInvitation(id: string): InvitationJson {
    const invitation = requireInvitation(id);
    if (invitation.state !== 'pending' && invitation.state !== 'expired') {
      throw notPending(invitation, 'resent');
    }
    const now = clock.now();
    invitation.state = 'pending';
    invitation.expires_at = new Date(now + INVITATION_DEFAULT_DAYS * DAY_MS).toISOString();
    invitation.updated_at = new Date(now).toISOString();
    record('invitation.resent', invitationEventData(invitation));
    return clone(invitation);
  }
  /**
   * Accepts an invitation for a user with its email: the user joins the organization with the
   * invited role (organization_membership.created, then invitation.accepted).
   */
  function acceptInvitation(id: string, userId?: string): InvitationJson {
    const invitation = requireInvitation(id);
    if (invitation.state !== 'pending') throw notPending(invitation, 'accepted');
    const user = userId ? requireUser(userId) : findUserByEmail(invitation.email);
    if (!user || user.email !== invitation.email) {
      throw new EmulatorHttpError(400, {
        code: 'invitation_email_mismatch',
        message: 'Only the invited address can accept this invitation.',
        errors: [],
      });
    }
    if (invitation.organization_id && !activeMembership(user.id, invitation.organization_id)) {
      const existing = [...memberships.values()].find(
        (m) => m.user_id === user.id && m.organization_id === invitation.organization_id,
      );
      if (existing) {
        updateMembership(existing.id, {
          status: 'active',
          ...(invitation.role_slug ? { roleSlug: invitation.role_slug } : {}),
        });
      } else {
        createMembership({
          userId: user.id,
          organizationId: invitation.organization_id,
          ...(invitation.role_slug ? { roleSlug: invitation.role_slug } : {}),
        });
      }
    }
    invitation.state = 'accepted';
    invitation.accepted_at = iso();
    invitation.accepted_user_id = user.id;
    invitation.updated_at = invitation.accepted_at;
    record('invitation.accepted', invitationEventData(invitation));
    return clone(invitation);
  }
  /** Sign-up through AuthKit accepts every pending invitation for the new user's address. */
  function acceptInvitationsFor(userId: string): InvitationJson[] {
    const user = requireUser(userId);
    return [...invitations.values()]
      .map(refreshState)
      .filter((i) => i.state === 'pending' && i.email === user.email)
      .map((i) => acceptInvitation(i.id, userId));
  }
  function findInvitationByToken(token: string): InvitationJson {
    const invitation = [...invitations.values()].find((i) => i.token === token);
    if (!invitation) throw notFound('Invitation', token);
    return clone(refreshState(invitation));
  }

  // ---- sessions
  function requireSession(id: string): SessionJson {
    const s = sessions.get(id);
    if (!s) throw notFound('Session', id);
    return s;
  }
  function createSession(input: CreateSessionInput): SessionJson {
    requireUser(input.userId);
    const id = newId('session');
    register(id);
    const now = clock.now();
    const impersonator = impersonators.get(input.userId);
    const session: SessionJson = {
      object: 'session',
      id,
      user_id: input.userId,
      organization_id: input.organizationId ?? null,
      ...(impersonator ? { impersonator: { ...impersonator } } : {}),
      ip_address: input.ipAddress ?? null,
      user_agent: input.userAgent ?? null,
      auth_method: input.authMethod ?? 'password',
      status: 'active',
      expires_at: new Date(now + SESSION_LIFETIME_MS).toISOString(),
      ended_at: null,
      created_at: new Date(now).toISOString(),
      updated_at: new Date(now).toISOString(),
    };
    return created(sessions, session, 'session.created');
  }
  function endSession(session: SessionJson, emit: boolean) {
    const now = iso();
    session.status = 'revoked';
    session.ended_at = now;
    session.updated_at = now;
    if (emit) record('session.revoked', session);
  }
  /** Ends a session (logout or the revoke API): its refresh tokens stop working. Idempotent. */
  function revokeSession(id: string): SessionJson {
    const session = requireSession(id);
    if (session.status === 'active') endSession(session, true);
    return clone(session);
  }
  function isSessionActive(id: string): boolean {
    const s = sessions.get(id);
    return !!s && s.status === 'active' && Date.parse(s.expires_at) > clock.now() && users.has(s.user_id);
  }
  function setSessionOrganization(id: string, organizationId: string | undefined) {
    const s = requireSession(id);
    s.organization_id = organizationId ?? null;
    s.updated_at = iso();
  }

  return {
    // roles
    setRoles,
    setRolePermissions,
    permissionsFor,
    roleSlugs: () => [...roles.keys()],
    listRoles,
    // invitations
    sendInvitation,
    revokeInvitation,
    resendInvitation,
    acceptInvitation,
    acceptInvitationsFor,
    getInvitation: (id: string) => clone(requireInvitation(id)),
    findInvitationByToken,
    listInvitations: () => [...invitations.values()].map((i) => clone(refreshState(i))),
    // users
    createUser,
    updateUser,
    deleteUser,
    getUser: (id: string) => clone(requireUser(id)),
    findUser: (id: string) => cloneOf(users.get(id)),
    findUserByEmail: (email: string) => cloneOf(findUserByEmail(email)),
    listUsers: () => [...users.values()].map(clone),
    impersonatorOf: (userId: string) => impersonators.get(userId),
    touchSignIn,
    // organizations
    createOrganization,
    updateOrganization,
    deleteOrganization,
    getOrganization: (id: string) => clone(requireOrganization(id)),
    findOrganization: (id: string) => cloneOf(organizations.get(id)),
    findOrganizationByName: (name: string) => cloneOf(findOrganizationByName(name)),
    listOrganizations: () => [...organizations.values()].map(clone),
    // memberships
    createMembership,
    updateMembership,
    deleteMembership,
    deactivateMembership,
    reactivateMembership,
    getMembership: (id: string) => clone(requireMembership(id)),
    listMemberships: () => [...memberships.values()].map(clone),
    activeMembership: (userId: string, organizationId: string) =>
      cloneOf(activeMembership(userId, organizationId)),
    activeMembershipsOf: (userId: string) => activeMembershipsOf(userId).map(clone),
    // sessions
    createSession,
    revokeSession,
    isSessionActive,
    setSessionOrganization,
    getSession: (id: string) => clone(requireSession(id)),
    findSession: (id: string) => cloneOf(sessions.get(id)),
    listSessions: () => [...sessions.values()].map(clone),
    // events
    listEvents: () => events.map(clone),
    seqOf: (id: string) => seq.get(id),
  };
}

export type Store = ReturnType<typeof createStore>;
