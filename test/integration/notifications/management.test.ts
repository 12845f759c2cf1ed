import { notifications, users } from '@app/db';
import type { EmulatorOptions } from '@app/workos-emulator';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrgHarness, startOrgHarness } from '../../support/organizations';

// The management routes write their outbox rows in the transaction of their mirror write; the
// webhooks that follow are no-ops and notify nothing more.
const seed: EmulatorOptions['seed'] = {
  roles: [
    { slug: 'admin', permissions: ['members:read', 'members:write'] },
    { slug: 'member', permissions: ['members:read'] },
  ],
  users: [
    { id: 'user_boss', email: 'boss@acme.test', firstName: 'Bo', lastName: 'Boss' },
    { id: 'user_kim', email: 'kim@acme.test', firstName: 'Kim', lastName: 'Member' },
    { id: 'user_pat', email: 'pat@acme.test', firstName: 'Pat', lastName: 'Member' },
    { id: 'user_guest', email: 'guest@example.com', firstName: 'Gus', lastName: 'Guest' },
  ],
  organizations: [{ id: 'org_acme', name: 'Acme Corp' }],
  memberships: [
    { user: 'boss@acme.test', organization: 'Acme Corp', role: 'admin' },
    { user: 'kim@acme.test', organization: 'Acme Corp', role: 'member' },
    { user: 'pat@acme.test', organization: 'Acme Corp', role: 'member' },
  ],
};

let h: OrgHarness;
let boss: string;

beforeAll(async () => {
  h = await startOrgHarness({ seed });
  boss = await h.signInTo('boss@acme.test', 'org_acme');
  await h.signInTo('kim@acme.test', 'org_acme');
  await h.signInTo('pat@acme.test', 'org_acme');
  await h.deliverEvents();
});
afterAll(() => h.stop());

async function kinds(email: string) {
  const [user] = await h.db.select().from(users).where(eq(users.email, email));
  if (!user) return [];
  const rows = await h.db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, user.id))
    .orderBy(asc(notifications.createdAt), asc(notifications.type));
  return rows.map((r) => `${r.metadata?.kind} ${r.type} ${r.status}`);
}

describe('notifications from the management routes', () => {
  it('a role change notifies the member once, in the same transaction; its webhook adds nothing', async () => {
    const before = await kinds('kim@acme.test');
    const res = await h.call('PATCH', '/organizations/acme-corp/members/user_kim', {
      cookie: boss,
      body: { roleSlug: 'admin' },
    });
    expect(res.statusCode).toBe(200);
    const after = (await kinds('kim@acme.test')).slice(before.length);
    expect(after).toEqual(['role_changed EMAIL PENDING', 'role_changed IN_APP SENT']);
    await h.deliverEvents();
    await h.deliverEvents();
    expect((await kinds('kim@acme.test')).slice(before.length)).toEqual(after);
  });

  it('a removal notifies the removed member once', async () => {
    const before = await kinds('pat@acme.test');
    const res = await h.call('DELETE', '/organizations/acme-corp/members/user_pat', { cookie: boss });
    expect(res.statusCode).toBe(200);
    await h.deliverEvents();
    expect((await kinds('pat@acme.test')).slice(before.length)).toEqual([
      'member_removed EMAIL PENDING',
      'member_removed IN_APP SENT',
    ]);
  });

  it('an invitation gives an invitee who already has an account an in-app note only', async () => {
    const res = await h.call('POST', '/organizations/acme-corp/invitations', {
      cookie: boss,
      body: { email: 'guest@example.com', roleSlug: 'member' },
    });
    expect(res.statusCode).toBe(201);
    expect(await kinds('guest@example.com')).toEqual(['invited IN_APP SENT']);
  });
});
