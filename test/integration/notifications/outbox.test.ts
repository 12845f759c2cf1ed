import { randomUUID } from 'node:crypto';
import { notifications, users } from '@app/db';
import { applyEvent, type SyncWorker } from '@app/sync';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { lambdaContext, sqsEvent } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';
import { at, body, membershipEvent, orgEvent, userEvent } from '../../support/sync-events';

let t: TestDatabase;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];
let bed: SyncWorkerBed;
const enqueued: string[] = [];

beforeAll(async () => {
  bed = await startSyncWorker({ enqueueNotifications: async (ids) => void enqueued.push(...ids) });
  ({ t, worker, stop } = bed);
});
afterAll(() => stop());

async function deliver(...events: Record<string, unknown>[]) {
  const response = await worker.handler(sqsEvent(events.map(body)), lambdaContext());
  expect(response.batchItemFailures).toEqual([]);
}

/** A user and an organization both known locally; returns their WorkOS ids and the user's local id. */
async function people(name = randomUUID().slice(0, 8)) {
  const user = `user_${name}`;
  const org = `org_${name}`;
  await deliver(
    userEvent('created', { id: user, email: `${name}@example.com`, updated_at: at(0) }),
    orgEvent('created', { id: org, name: `Org ${name}`, updated_at: at(0) }),
  );
  const [row] = await t.db.select().from(users).where(eq(users.workosId, user));
  return { user, org, userId: row?.id as string };
}

const membership = (
  p: { user: string; org: string },
  action: 'created' | 'updated' | 'deleted',
  n: number,
  role = 'member',
  status = 'active',
) =>
  membershipEvent(action, {
    id: `om_${p.user}`,
    user_id: p.user,
    organization_id: p.org,
    status,
    role: { slug: role },
    roles: [{ slug: role }],
    updated_at: at(n),
  });

const rowsOf = (userId: string) =>
  t.db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, userId))
    .orderBy(asc(notifications.createdAt), asc(notifications.type));

const summary = async (userId: string) =>
  (await rowsOf(userId)).map((r) =>
    `${r.metadata?.kind} ${r.type} ${r.status} ${r.metadata?.role ?? ''}`.trim(),
  );

describe('outbox: membership changes from the sync worker', () => {
  it('writes one notification per channel for an added member, SENT in-app and PENDING email, and hands the email id over after commit', async () => {
    const p = await people();
    enqueued.length = 0;
    await deliver(membership(p, 'created', 1, 'member'));
    const rows = await rowsOf(p.userId);
    expect(rows.map((r) => [r.type, r.status])).toEqual([
      ['EMAIL', 'PENDING'],
      ['IN_APP', 'SENT'],
    ]);
    expect(rows[0]?.subject).toBe(`You were added to Org ${p.user.slice(5)}`);
    expect(rows[0]?.message).toContain('with the role member');
    expect(rows[1]?.sentAt).not.toBeNull();
    expect(enqueued).toEqual([rows[0]?.id]);
  });

  it('writes exactly one notification per channel when the events arrive three times each and out of order', async () => {
    const p = await people();
    const created = membership(p, 'created', 1, 'member');
    const updated = membership(p, 'updated', 2, 'admin');
    // The newer update first (it creates the membership as admin), then every copy again.
    await deliver(updated, created, updated);
    await deliver(created);
    await deliver(updated, created);
    expect(await summary(p.userId)).toEqual([
      'member_added EMAIL PENDING admin',
      'member_added IN_APP SENT admin',
    ]);
  });

  it('tells a role change and a removal, each once, however often their events come', async () => {
    const p = await people();
    const created = membership(p, 'created', 1, 'member');
    const promoted = membership(p, 'updated', 2, 'admin');
    const removed = membership(p, 'deleted', 3, 'admin');
    await deliver(created);
    await deliver(promoted, promoted);
    await deliver(removed, promoted, created);
    await deliver(removed);
    expect(await summary(p.userId)).toEqual([
      'member_added EMAIL PENDING member',
      'member_added IN_APP SENT member',
      'role_changed EMAIL PENDING admin',
      'role_changed IN_APP SENT admin',
      'member_removed EMAIL PENDING admin',
      'member_removed IN_APP SENT admin',
    ]);
    const change = (await rowsOf(p.userId)).find((r) => r.metadata?.kind === 'role_changed');
    expect(change?.message).toBe(`Your role in Org ${p.user.slice(5)} changed from member to admin.`);
  });

  it('says nothing for an update that changes nothing a member notices, nor for a pending invitation', async () => {
    const p = await people();
    await deliver(membership(p, 'created', 1, 'member', 'pending'));
    expect(await summary(p.userId)).toEqual([]);
    await deliver(membership(p, 'updated', 2, 'member', 'active'));
    await deliver(membership(p, 'updated', 3, 'member', 'active'));
    expect(await summary(p.userId)).toEqual([
      'member_added EMAIL PENDING member',
      'member_added IN_APP SENT member',
    ]);
  });

  it('honours opt-outs per kind and channel', async () => {
    const p = await people();
    await t.db
      .update(users)
      .set({
        preferences: { notifications: { member_added: { email: false }, role_changed: { in_app: false } } },
      })
      .where(eq(users.id, p.userId));
    await deliver(membership(p, 'created', 1, 'member'));
    await deliver(membership(p, 'updated', 2, 'owner'));
    expect(await summary(p.userId)).toEqual([
      'member_added IN_APP SENT member',
      'role_changed EMAIL PENDING owner',
    ]);
  });

  it('tells the owners and admins of an organization it was renamed, once', async () => {
    const admin = await people();
    const member = await people();
    // The second user joins the first one's organization as a plain member.
    const joined = { user: member.user, org: admin.org };
    await deliver(membership(admin, 'created', 1, 'admin'), membership(joined, 'created', 1, 'member'));
    const renamed = orgEvent('updated', { id: admin.org, name: 'Renamed Inc', updated_at: at(5) });
    const older = orgEvent('updated', { id: admin.org, name: 'Older Name', updated_at: at(4) });
    await deliver(renamed, older, renamed);
    const adminRows = (await rowsOf(admin.userId)).filter((r) => r.metadata?.kind === 'organization_renamed');
    expect(adminRows.map((r) => [r.type, r.subject])).toEqual([
      ['EMAIL', `Org ${admin.user.slice(5)} is now Renamed Inc`],
      ['IN_APP', `Org ${admin.user.slice(5)} is now Renamed Inc`],
    ]);
    const memberRows = (await rowsOf(member.userId)).filter(
      (r) => r.metadata?.kind === 'organization_renamed',
    );
    expect(memberRows).toEqual([]);
  });

  it('the single-event path (applyEvent) writes the same rows and returns the email ids', async () => {
    const p = await people();
    const event = membership(p, 'created', 1, 'viewer');
    const result = await t.db.transaction((tx) =>
      applyEvent(tx, event as never, { workos: bed.workos, clock: () => new Date() }),
    );
    const rows = await rowsOf(p.userId);
    expect(await summary(p.userId)).toEqual([
      'member_added EMAIL PENDING viewer',
      'member_added IN_APP SENT viewer',
    ]);
    expect(result.notify).toEqual([rows[0]?.id]);
  });
});
