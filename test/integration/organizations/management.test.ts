import { invitations, organizationMemberships, organizations, processedEvents, users } from '@app/db';
import type { EmulatorOptions } from '@app/workos-emulator';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf } from '../../support/auth';
import { type OrgHarness, startOrgHarness } from '../../support/organizations';

/** Acme has one admin (so the last-admin rule can bite); the member is admin of Globex. */
const seed: EmulatorOptions['seed'] = {
  roles: [
    { slug: 'owner', permissions: ['members:read', 'members:write'] },
    { slug: 'admin', permissions: ['members:read', 'members:write'] },
    { slug: 'member', permissions: ['members:read'] },
    { slug: 'viewer' },
  ],
  users: [
    { id: 'user_admin', email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin' },
    { id: 'user_member', email: 'member@acme.test', firstName: 'Max', lastName: 'Member' },
    { id: 'user_viewer', email: 'viewer@acme.test', firstName: 'Vic', lastName: 'Viewer' },
    { id: 'user_leaver', email: 'leaver@acme.test', firstName: 'Lee', lastName: 'Leaver' },
    { id: 'user_outsider', email: 'outsider@initech.test', firstName: 'Out', lastName: 'Sider' },
  ],
  organizations: [
    { id: 'org_acme', name: 'Acme Corp' },
    { id: 'org_globex', name: 'Globex' },
    { id: 'org_initech', name: 'Initech' },
  ],
  memberships: [
    { user: 'admin@acme.test', organization: 'Acme Corp', role: 'admin' },
    { user: 'member@acme.test', organization: 'Acme Corp', role: 'member' },
    { user: 'viewer@acme.test', organization: 'Acme Corp', role: 'viewer' },
    { user: 'leaver@acme.test', organization: 'Acme Corp', role: 'member' },
    { user: 'member@acme.test', organization: 'Globex', role: 'admin' },
    { user: 'outsider@initech.test', organization: 'Initech', role: 'admin' },
  ],
};

let h: OrgHarness;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  h = await startOrgHarness({ seed });
  for (const who of ['admin', 'member', 'viewer', 'leaver']) {
    cookies[who] = await h.signInTo(`${who}@acme.test`, 'org_acme');
  }
  cookies.memberInGlobex = await h.signInTo('member@acme.test', 'org_globex');
  cookies.outsider = await h.signInTo('outsider@initech.test', 'org_initech');
});
afterAll(() => h.stop());

const status = (res: { statusCode?: number; body?: string }) =>
  [res.statusCode, JSON.parse(String(res.body)).error?.code ?? null] as const;

/** The inbox outcomes of the events WorkOS recorded while `run` ran, once delivered as webhooks. */
async function webhookOutcomes(run: () => Promise<unknown>) {
  await h.deliverEvents();
  const from = h.emulator.events.length;
  await run();
  const events = h.emulator.events.slice(from);
  await h.deliverEvents();
  if (!events.length) return [];
  const rows = await h.db
    .select()
    .from(processedEvents)
    .where(
      inArray(
        processedEvents.eventId,
        events.map((e) => e.id),
      ),
    );
  return rows.map((r) => `${r.eventType}:${r.outcome}`).sort();
}

const membershipOf = async (workosUserId: string, workosOrgId: string) => {
  const [row] = await h.db
    .select({ membership: organizationMemberships })
    .from(organizationMemberships)
    .innerJoin(users, eq(users.id, organizationMemberships.userId))
    .innerJoin(organizations, eq(organizations.id, organizationMemberships.organizationId))
    .where(and(eq(users.workosId, workosUserId), eq(organizations.workosOrgId, workosOrgId)));
  return row?.membership;
};

describe('POST /organizations', () => {
  it('creates the organization in WorkOS with the creator as its admin, visible at once; the webhooks that follow are no-ops', async () => {
    let res: Awaited<ReturnType<OrgHarness['call']>> | undefined;
    const outcomes = await webhookOutcomes(async () => {
      res = await h.call('POST', '/organizations', {
        cookie: cookies.viewer,
        body: { name: 'Viewer Labs', domains: ['viewer-labs.test'] },
      });
    });
    expect(res?.statusCode).toBe(201);
    const created = bodyOf(res!).data;
    expect(created).toMatchObject({
      slug: 'viewer-labs',
      name: 'Viewer Labs',
      role: 'ADMIN',
      roleSlug: 'admin',
    });
    const inWorkOS = h.emulator.store.getOrganization(created.id);
    expect(inWorkOS.domains).toEqual([
      expect.objectContaining({ domain: 'viewer-labs.test', state: 'pending' }),
    ]);
    expect(h.emulator.store.activeMembership('user_viewer', created.id)?.role.slug).toBe('admin');
    expect(outcomes).toEqual(['organization.created:stale', 'organization_membership.created:stale']);
    const list = bodyOf(await h.call('GET', '/organizations', { cookie: cookies.viewer })).data;
    expect(list.map((o: { slug: string }) => o.slug)).toContain('viewer-labs');
  });

  it('400 VALIDATION_FAILED for a missing name or an unknown field; 401 without a session', async () => {
    expect(status(await h.call('POST', '/organizations', { cookie: cookies.viewer, body: {} }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    const extra = await h.call('POST', '/organizations', {
      cookie: cookies.viewer,
      body: { name: 'X', role: 'owner' },
    });
    expect(bodyOf(extra).error?.fields).toEqual([{ field: 'role', message: 'unknown field' }]);
    expect(status(await h.call('POST', '/organizations', { body: { name: 'X' } }))).toEqual([
      401,
      'UNAUTHORIZED',
    ]);
  });

  it('a WorkOS failure changes nothing: 503 when the organization cannot be created; the organization is taken back when the membership fails', async () => {
    const count = async () => (await h.db.select().from(organizations)).length;
    const before = await count();
    h.emulator.faults.failNext('POST /organizations', 1, 500);
    expect(
      status(await h.call('POST', '/organizations', { cookie: cookies.viewer, body: { name: 'Down' } })),
    ).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
    h.emulator.faults.failNext('POST /user_management/organization_memberships', 1, 500);
    const res = await h.call('POST', '/organizations', {
      cookie: cookies.viewer,
      body: { name: 'Half Made' },
    });
    expect(status(res)).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
    expect(res.headers['retry-after']).toBe('5');
    expect(h.emulator.store.findOrganizationByName('Half Made')).toBeUndefined();
    expect(await count()).toBe(before);
  });
});

describe('invitations', () => {
  let invitationId = '';

  it('an admin invites an address with a role; the invitation is listed at once; the webhook that follows is a no-op', async () => {
    let res: Awaited<ReturnType<OrgHarness['call']>> | undefined;
    const outcomes = await webhookOutcomes(async () => {
      res = await h.call('POST', '/organizations/acme-corp/invitations', {
        cookie: cookies.admin,
        body: { email: 'New.Hire@Example.com', roleSlug: 'viewer' },
      });
    });
    expect(res?.statusCode).toBe(201);
    const invitation = bodyOf(res!).data;
    expect(invitation).toMatchObject({ email: 'new.hire@example.com', state: 'pending', roleSlug: 'viewer' });
    expect(invitation).not.toHaveProperty('token');
    invitationId = invitation.id;
    expect(h.emulator.store.getInvitation(invitationId).inviter_user_id).toBe('user_admin');
    expect(outcomes).toEqual(['invitation.created:stale']);
    const list = bodyOf(
      await h.call('GET', '/organizations/acme-corp/invitations', { cookie: cookies.admin }),
    ).data;
    expect(list.map((i: { id: string }) => i.id)).toContain(invitationId);
  });

  it('WorkOS refusals: 409 CONFLICT for a second pending invitation or a member, 422 UNKNOWN_ROLE; nothing stored', async () => {
    const before = (await h.db.select().from(invitations)).length;
    const invite = (body: unknown) =>
      h.call('POST', '/organizations/acme-corp/invitations', { cookie: cookies.admin, body });
    expect(status(await invite({ email: 'new.hire@example.com' }))).toEqual([409, 'CONFLICT']);
    expect(status(await invite({ email: 'viewer@acme.test' }))).toEqual([409, 'CONFLICT']);
    expect(status(await invite({ email: 'someone@example.com', roleSlug: 'emperor' }))).toEqual([
      422,
      'UNKNOWN_ROLE',
    ]);
    expect(status(await invite({ email: 'not-an-email' }))).toEqual([400, 'VALIDATION_FAILED']);
    expect((await h.db.select().from(invitations)).length).toBe(before);
  });

  it('forbidden: a member without members:write, a viewer, an outsider, and a session for another organization', async () => {
    const body = { email: 'x@example.com' };
    for (const who of ['member', 'viewer', 'outsider', 'memberInGlobex']) {
      expect(
        status(await h.call('POST', '/organizations/acme-corp/invitations', { cookie: cookies[who], body })),
      ).toEqual([403, 'FORBIDDEN']);
      expect(
        status(await h.call('GET', '/organizations/acme-corp/invitations', { cookie: cookies[who] })),
      ).toEqual([403, 'FORBIDDEN']);
    }
  });

  it('resend renews a pending invitation; revoke ends it; both are mirrored at once and their webhooks are no-ops', async () => {
    const outcomes = await webhookOutcomes(async () => {
      const resent = await h.call('POST', `/organizations/acme-corp/invitations/${invitationId}/resend`, {
        cookie: cookies.admin,
      });
      expect(resent.statusCode).toBe(200);
      expect(bodyOf(resent).data.state).toBe('pending');
      const revoked = await h.call('DELETE', `/organizations/acme-corp/invitations/${invitationId}`, {
        cookie: cookies.admin,
      });
      expect(revoked.statusCode).toBe(200);
      expect(bodyOf(revoked).data).toMatchObject({ id: invitationId, state: 'revoked' });
    });
    expect(outcomes).toEqual(['invitation.resent:stale', 'invitation.revoked:stale']);
    expect(
      status(
        await h.call('DELETE', `/organizations/acme-corp/invitations/${invitationId}`, {
          cookie: cookies.admin,
        }),
      ),
    ).toEqual([409, 'CONFLICT']);
  });

  it("404 for another organization's invitation or an unknown id", async () => {
    const other = h.emulator.store.sendInvitation({
      email: 'globex@example.com',
      organizationId: 'org_globex',
    });
    expect(
      status(
        await h.call('DELETE', `/organizations/acme-corp/invitations/${other.id}`, { cookie: cookies.admin }),
      ),
    ).toEqual([404, 'NOT_FOUND']);
    expect(h.emulator.store.getInvitation(other.id).state).toBe('pending');
    expect(
      status(
        await h.call('POST', '/organizations/acme-corp/invitations/invitation_nope/resend', {
          cookie: cookies.admin,
        }),
      ),
    ).toEqual([404, 'NOT_FOUND']);
  });

  it('the invitee signs up and lands in the organization with the invited role', async () => {
    await h.call('POST', '/organizations/acme-corp/invitations', {
      cookie: cookies.admin,
      body: { email: 'joiner@example.com', roleSlug: 'member' },
    });
    const { cookie } = await h.signIn('joiner@example.com', { screenHint: 'sign-up' });
    await h.deliverEvents();
    const me = bodyOf(await h.call('GET', '/organizations/acme-corp', { cookie }));
    expect(me.data).toMatchObject({ slug: 'acme-corp', role: 'MEMBER', roleSlug: 'member' });
    const list = bodyOf(
      await h.call('GET', '/organizations/acme-corp/invitations', { cookie: cookies.admin }),
    ).data;
    expect(list.find((i: { email: string }) => i.email === 'joiner@example.com')?.state).toBe('accepted');
  });
});

describe('PATCH /organizations/{slug}/members/{userId}', () => {
  it('an admin changes a role in WorkOS; the local membership changes at once; the webhook that follows is a no-op', async () => {
    let res: Awaited<ReturnType<OrgHarness['call']>> | undefined;
    const outcomes = await webhookOutcomes(async () => {
      res = await h.call('PATCH', '/organizations/acme-corp/members/user_leaver', {
        cookie: cookies.admin,
        body: { roleSlug: 'admin' },
      });
    });
    expect(res?.statusCode).toBe(200);
    expect(bodyOf(res!).data).toMatchObject({
      userId: 'user_leaver',
      role: 'ADMIN',
      roleSlug: 'admin',
      status: 'active',
    });
    expect(h.emulator.store.activeMembership('user_leaver', 'org_acme')?.role.slug).toBe('admin');
    expect(outcomes).toEqual(['organization_membership.updated:stale']);
    expect((await membershipOf('user_leaver', 'org_acme'))?.role).toBe('ADMIN');
    const back = await h.call('PATCH', '/organizations/acme-corp/members/user_leaver', {
      cookie: cookies.admin,
      body: { roleSlug: 'member' },
    });
    expect(bodyOf(back).data.role).toBe('MEMBER');
  });

  it('409 LAST_ADMIN: the only admin cannot step down; nothing changes in WorkOS', async () => {
    const res = await h.call('PATCH', '/organizations/acme-corp/members/user_admin', {
      cookie: cookies.admin,
      body: { roleSlug: 'member' },
    });
    expect(status(res)).toEqual([409, 'LAST_ADMIN']);
    expect(h.emulator.store.activeMembership('user_admin', 'org_acme')?.role.slug).toBe('admin');
  });

  it('a custom WorkOS role is kept as role_slug and shown, not folded into MEMBER', async () => {
    h.emulator.store.setRolePermissions('billing-manager', ['billing:read']);
    const res = await h.call('PATCH', '/organizations/acme-corp/members/user_viewer', {
      cookie: cookies.admin,
      body: { roleSlug: 'billing-manager' },
    });
    expect(bodyOf(res).data).toMatchObject({ roleSlug: 'billing-manager' });
    const members = bodyOf(
      await h.call('GET', '/organizations/acme-corp/members', { cookie: cookies.admin }),
    ).data;
    expect(members.members.find((m: { userId: string }) => m.userId === 'user_viewer')?.roleSlug).toBe(
      'billing-manager',
    );
    await h.call('PATCH', '/organizations/acme-corp/members/user_viewer', {
      cookie: cookies.admin,
      body: { roleSlug: 'viewer' },
    });
  });

  it('422 UNKNOWN_ROLE and 404 for a non-member; the local row is unchanged', async () => {
    expect(
      status(
        await h.call('PATCH', '/organizations/acme-corp/members/user_member', {
          cookie: cookies.admin,
          body: { roleSlug: 'emperor' },
        }),
      ),
    ).toEqual([422, 'UNKNOWN_ROLE']);
    expect((await membershipOf('user_member', 'org_acme'))?.roleSlug).toBe('member');
    expect(
      status(
        await h.call('PATCH', '/organizations/acme-corp/members/user_outsider', {
          cookie: cookies.admin,
          body: { roleSlug: 'member' },
        }),
      ),
    ).toEqual([404, 'NOT_FOUND']);
  });

  it('forbidden for a member, an outsider and a session scoped to another organization', async () => {
    for (const who of ['member', 'outsider', 'memberInGlobex']) {
      expect(
        status(
          await h.call('PATCH', '/organizations/acme-corp/members/user_viewer', {
            cookie: cookies[who],
            body: { roleSlug: 'admin' },
          }),
        ),
      ).toEqual([403, 'FORBIDDEN']);
    }
    expect((await membershipOf('user_viewer', 'org_acme'))?.roleSlug).toBe('viewer');
  });
});

describe('GET /organizations/{slug}/roles', () => {
  it('lists the roles WorkOS defines, for a member with members:read; 403 without it', async () => {
    const res = await h.call('GET', '/organizations/acme-corp/roles', { cookie: cookies.member });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).data).toContainEqual({
      slug: 'admin',
      name: 'Admin',
      description: null,
      permissions: ['members:read', 'members:write'],
    });
    expect(status(await h.call('GET', '/organizations/acme-corp/roles', { cookie: cookies.viewer }))).toEqual(
      [403, 'FORBIDDEN'],
    );
  });

  it('503 UPSTREAM_UNAVAILABLE when WorkOS fails, 429 RATE_LIMITED with its Retry-After', async () => {
    h.emulator.faults.failNext('GET /authorization/organizations/:id/roles', 1, 502);
    expect(status(await h.call('GET', '/organizations/acme-corp/roles', { cookie: cookies.member }))).toEqual(
      [503, 'UPSTREAM_UNAVAILABLE'],
    );
    h.emulator.faults.failNext('GET /authorization/organizations/:id/roles', 1, {
      status: 429,
      retryAfterSeconds: 7,
    });
    const limited = await h.call('GET', '/organizations/acme-corp/roles', { cookie: cookies.member });
    expect(status(limited)).toEqual([429, 'RATE_LIMITED']);
    expect(limited.headers['retry-after']).toBe('7');
  });
});

describe('DELETE /organizations/{slug}/members/{userId}', () => {
  it('an admin removes a member: deleted in WorkOS, tombstoned here, their next request is 403; the webhook is a no-op', async () => {
    let res: Awaited<ReturnType<OrgHarness['call']>> | undefined;
    const outcomes = await webhookOutcomes(async () => {
      res = await h.call('DELETE', '/organizations/acme-corp/members/user_viewer', { cookie: cookies.admin });
    });
    expect(res?.statusCode).toBe(200);
    expect(h.emulator.store.activeMembership('user_viewer', 'org_acme')).toBeUndefined();
    expect((await membershipOf('user_viewer', 'org_acme'))?.deletedAt).toBeInstanceOf(Date);
    expect(outcomes).toEqual(['organization_membership.deleted:stale']);
    expect(status(await h.call('GET', '/organizations/acme-corp', { cookie: cookies.viewer }))).toEqual([
      403,
      'FORBIDDEN',
    ]);
    expect(status(await h.call('GET', '/organizations/acme-corp/roles', { cookie: cookies.viewer }))).toEqual(
      [403, 'FORBIDDEN'],
    );
  });

  it('a member without members:write can leave (remove themselves) but not remove others', async () => {
    expect(
      status(
        await h.call('DELETE', '/organizations/acme-corp/members/user_member', { cookie: cookies.leaver }),
      ),
    ).toEqual([403, 'FORBIDDEN']);
    const res = await h.call('DELETE', '/organizations/acme-corp/members/user_leaver', {
      cookie: cookies.leaver,
    });
    expect(res.statusCode).toBe(200);
    expect(status(await h.call('GET', '/organizations/acme-corp', { cookie: cookies.leaver }))).toEqual([
      403,
      'FORBIDDEN',
    ]);
  });

  it('409 LAST_ADMIN: the only admin cannot leave; 404 for someone who is not a member', async () => {
    expect(
      status(
        await h.call('DELETE', '/organizations/acme-corp/members/user_admin', { cookie: cookies.admin }),
      ),
    ).toEqual([409, 'LAST_ADMIN']);
    expect(h.emulator.store.activeMembership('user_admin', 'org_acme')).toBeDefined();
    expect(
      status(
        await h.call('DELETE', '/organizations/acme-corp/members/user_outsider', { cookie: cookies.admin }),
      ),
    ).toEqual([404, 'NOT_FOUND']);
  });
});
