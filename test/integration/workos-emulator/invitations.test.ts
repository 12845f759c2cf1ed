import { demoSeed, type Emulator, startEmulator } from '@app/workos-emulator';
import {
  BadRequestException,
  NotFoundException,
  UnprocessableEntityException,
  type WorkOS,
} from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorWorkOS } from '../../support/workos';

const redirectUri = 'http://localhost:3000/auth/callback';

let emulator: Emulator;
let workos: WorkOS;

beforeAll(async () => {
  emulator = await startEmulator({ seed: demoSeed });
  workos = emulatorWorkOS(emulator);
});

afterAll(async () => {
  await emulator?.stop();
});

const eventsOf = (type: string) => emulator.events.filter((e) => e.event === type);

/** Signs up through the AuthKit page's form, as a person would: returns the code exchange. */
async function signUpThroughAuthKit(email: string) {
  const { codeVerifier, codeChallenge } = await workos.pkce.generate();
  const url = workos.userManagement.getAuthorizationUrl({
    provider: 'authkit',
    redirectUri,
    codeChallenge,
    codeChallengeMethod: 'S256',
    screenHint: 'sign-up',
  });
  const page = await (await fetch(url)).text();
  const requestId = /name="request" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const complete = new URL('/user_management/authorize/complete', emulator.url);
  complete.search = new URLSearchParams({ request: requestId, email }).toString();
  const location = new URL((await fetch(complete, { redirect: 'manual' })).headers.get('location') ?? '');
  return workos.userManagement.authenticateWithCode({
    code: location.searchParams.get('code') ?? '',
    codeVerifier,
  });
}

describe('invitations', () => {
  it('sends, lists, reads and revokes with the SDK, recording invitation.* events without the token', async () => {
    const sent = await workos.userManagement.sendInvitation({
      email: 'New.Person@Example.com',
      organizationId: 'org_demo_acme',
      inviterUserId: 'user_demo_admin',
      roleSlug: 'admin',
      expiresInDays: 3,
    });
    expect(sent).toMatchObject({
      object: 'invitation',
      email: 'new.person@example.com',
      state: 'pending',
      organizationId: 'org_demo_acme',
      inviterUserId: 'user_demo_admin',
      roleSlug: 'admin',
      acceptedAt: null,
      revokedAt: null,
      acceptedUserId: null,
    });
    expect(Date.parse(sent.expiresAt) - Date.parse(sent.createdAt)).toBe(3 * 24 * 3600 * 1000);
    expect(sent.acceptInvitationUrl).toContain(sent.token);

    const listed = await workos.userManagement.listInvitations({ organizationId: 'org_demo_acme' });
    expect(listed.data.map((i) => i.id)).toContain(sent.id);
    expect((await workos.userManagement.getInvitation(sent.id)).email).toBe('new.person@example.com');
    expect((await workos.userManagement.findInvitationByToken(sent.token)).id).toBe(sent.id);

    const created = eventsOf('invitation.created').find((e) => e.data.id === sent.id);
    expect(created?.data).not.toHaveProperty('token');
    expect(created?.data).not.toHaveProperty('accept_invitation_url');

    const revoked = await workos.userManagement.revokeInvitation(sent.id);
    expect(revoked.state).toBe('revoked');
    expect(revoked.revokedAt).not.toBeNull();
    expect(eventsOf('invitation.revoked').map((e) => e.data.id)).toContain(sent.id);
    await expect(workos.userManagement.revokeInvitation(sent.id)).rejects.toBeInstanceOf(BadRequestException);
  });

  it('refuses a second pending invitation, an existing member, an unknown role and an unknown organization', async () => {
    await workos.userManagement.sendInvitation({
      email: 'twice@example.com',
      organizationId: 'org_demo_acme',
    });
    await expect(
      workos.userManagement.sendInvitation({ email: 'twice@example.com', organizationId: 'org_demo_acme' }),
    ).rejects.toMatchObject({ status: 400, code: 'duplicate_invitation' });
    await expect(
      workos.userManagement.sendInvitation({
        email: 'ada.okafor@acme.test',
        organizationId: 'org_demo_acme',
      }),
    ).rejects.toMatchObject({ status: 400, code: 'user_already_organization_member' });
    await expect(
      workos.userManagement.sendInvitation({
        email: 'role@example.com',
        organizationId: 'org_demo_acme',
        roleSlug: 'emperor',
      }),
    ).rejects.toBeInstanceOf(UnprocessableEntityException);
    await expect(
      workos.userManagement.sendInvitation({ email: 'org@example.com', organizationId: 'org_missing' }),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('resends with a fresh expiry, also after it expired', async () => {
    const sent = await workos.userManagement.sendInvitation({
      email: 'late@example.com',
      organizationId: 'org_demo_globex',
      expiresInDays: 1,
    });
    emulator.clock.advance(2 * 24 * 3600 * 1000);
    expect((await workos.userManagement.getInvitation(sent.id)).state).toBe('expired');
    const resent = await workos.userManagement.resendInvitation(sent.id);
    expect(resent.state).toBe('pending');
    expect(Date.parse(resent.expiresAt)).toBeGreaterThan(Date.parse(sent.expiresAt));
    expect(eventsOf('invitation.resent').map((e) => e.data.id)).toContain(sent.id);
  });

  it('sign-up through the AuthKit page accepts the invitation: the new user lands in the organization with the invited role', async () => {
    const sent = await workos.userManagement.sendInvitation({
      email: 'invitee@example.com',
      organizationId: 'org_demo_globex',
      roleSlug: 'admin',
    });
    const auth = await signUpThroughAuthKit('invitee@example.com');
    expect(auth.user.email).toBe('invitee@example.com');
    expect(auth.organizationId).toBe('org_demo_globex');
    const memberships = await workos.userManagement.listOrganizationMemberships({ userId: auth.user.id });
    expect(memberships.data).toHaveLength(1);
    expect(memberships.data[0]).toMatchObject({ organizationId: 'org_demo_globex', status: 'active' });
    expect(memberships.data[0]?.role.slug).toBe('admin');
    const accepted = await workos.userManagement.getInvitation(sent.id);
    expect(accepted).toMatchObject({ state: 'accepted', acceptedUserId: auth.user.id });
    const order = emulator.events.map((e) => e.event);
    expect(order.lastIndexOf('organization_membership.created')).toBeLessThan(
      order.lastIndexOf('invitation.accepted'),
    );
  });
});

describe('roles', () => {
  it('lists the roles an organization can assign, with their permissions', async () => {
    const roles = await workos.authorization.listOrganizationRoles('org_demo_acme');
    expect(roles.data.map((r) => r.slug)).toEqual(['admin', 'member']);
    expect(roles.data[0]).toMatchObject({
      object: 'role',
      slug: 'admin',
      name: 'Admin',
      permissions: ['members:read', 'members:write', 'settings:write'],
    });
    await expect(workos.authorization.listOrganizationRoles('org_missing')).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });
});

describe('memberships', () => {
  it('changes a role, deactivates and deletes, with the matching events', async () => {
    const [m] = (
      await workos.userManagement.listOrganizationMemberships({
        userId: 'user_demo_multi',
        organizationId: 'org_demo_acme',
      })
    ).data;
    const id = m?.id ?? '';
    expect(
      (await workos.userManagement.updateOrganizationMembership(id, { roleSlug: 'admin' })).role.slug,
    ).toBe('admin');
    expect((await workos.userManagement.deactivateOrganizationMembership(id)).status).toBe('inactive');
    await workos.userManagement.deleteOrganizationMembership(id);
    await expect(workos.userManagement.getOrganizationMembership(id)).rejects.toBeInstanceOf(
      NotFoundException,
    );
    const types = emulator.events.filter((e) => e.data.id === id).map((e) => e.event);
    expect(types.slice(-3)).toEqual([
      'organization_membership.updated',
      'organization_membership.updated',
      'organization_membership.deleted',
    ]);
  });
});
