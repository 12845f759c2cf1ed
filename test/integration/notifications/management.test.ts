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

describe('GET /notifications, POST /notifications/{id}/read and /read-all', () => {
  type Page = {
    notifications: { id: string; kind: string; channel: string; subject: string; readAt: string | null }[];
    unread: number;
    nextCursor: string | null;
  };
  const list = async (cookie: string, query: Record<string, string> = {}) => {
    const res = await h.call('GET', '/notifications', { cookie, query });
    expect(res.statusCode).toBe(200);
    return JSON.parse(String(res.body)).data as Page;
  };
  let kim: string;
  beforeAll(async () => {
    kim = await h.signInTo('kim@acme.test', 'org_acme');
    // Two more changes, so Kim has several in-app notifications.
    for (const roleSlug of ['member', 'admin']) {
      await h.call('PATCH', '/organizations/acme-corp/members/user_kim', {
        cookie: boss,
        body: { roleSlug },
      });
    }
  });

  it("lists the user's in-app notifications newest first, a page at a time, with the unread count", async () => {
    const all = await list(kim, { limit: '100' });
    expect(all.notifications.length).toBeGreaterThanOrEqual(3);
    expect(all.notifications.every((n) => n.channel === 'IN_APP')).toBe(true);
    expect(all.unread).toBe(all.notifications.length);
    expect(all.notifications[0]?.subject).toBe('Your role in Acme Corp changed');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(kim, { limit: '1', ...(cursor ? { cursor } : {}) });
      seen.push(...page.notifications.map((n) => n.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.notifications.map((n) => n.id));
    // The email copies are delivery records, listed on request.
    const emails = await list(kim, { channel: 'EMAIL', limit: '100' });
    expect(emails.notifications.every((n) => n.channel === 'EMAIL')).toBe(true);
    expect(emails.notifications.length).toBeGreaterThanOrEqual(3);
  });

  it('marks one read (idempotent), filters unread, and marks the rest read at once', async () => {
    const [first] = (await list(kim)).notifications;
    const read = await h.call('POST', `/notifications/${first?.id}/read`, { cookie: kim });
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(String(read.body)).data.readAt).toEqual(expect.any(String));
    const again = await h.call('POST', `/notifications/${first?.id}/read`, { cookie: kim });
    expect(JSON.parse(String(again.body)).data.readAt).toBe(JSON.parse(String(read.body)).data.readAt);
    const unread = await list(kim, { unread: 'true', limit: '100' });
    expect(unread.notifications.map((n) => n.id)).not.toContain(first?.id);
    expect(unread.unread).toBe(unread.notifications.length);
    const all = await h.call('POST', '/notifications/read-all', { cookie: kim });
    expect(JSON.parse(String(all.body)).data).toEqual({ marked: unread.notifications.length });
    expect((await list(kim, { unread: 'true' })).notifications).toEqual([]);
  });

  it("404 for another user's notification or a malformed id; nothing changes", async () => {
    const [bossNote] = (await list(boss, { limit: '100' })).notifications;
    const theirs = (await list(kim, { limit: '1' })).notifications[0];
    for (const id of [theirs?.id, 'not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      const res = await h.call('POST', `/notifications/${id}/read`, { cookie: boss });
      expect(status(res)).toEqual([404, 'NOT_FOUND']);
    }
    if (bossNote) expect((await list(boss, { limit: '100' })).notifications[0]?.readAt).toBe(bossNote.readAt);
  });

  it('400 VALIDATION_FAILED for SMS or PUSH (no provider), a bad limit or a forged cursor; 401 without a session', async () => {
    const queries: Record<string, string>[] = [
      { channel: 'SMS' },
      { channel: 'PUSH' },
      { limit: '0' },
      { cursor: 'bm9wZQ' },
    ];
    for (const query of queries) {
      const res = await h.call('GET', '/notifications', { cookie: kim, query });
      expect(status(res), JSON.stringify(query)).toEqual([400, 'VALIDATION_FAILED']);
    }
    const sms = await h.call('GET', '/notifications', { cookie: kim, query: { channel: 'SMS' } });
    expect(JSON.parse(String(sms.body)).error.fields).toEqual([
      { field: 'channel', message: 'SMS has no provider yet: channels are IN_APP, EMAIL' },
    ]);
    expect(status(await h.call('GET', '/notifications'))).toEqual([401, 'UNAUTHORIZED']);
    expect(status(await h.call('POST', '/notifications/read-all'))).toEqual([401, 'UNAUTHORIZED']);
  });
});

const status = (res: { statusCode?: number; body?: string }) =>
  [res.statusCode, JSON.parse(String(res.body)).error?.code ?? null] as const;
