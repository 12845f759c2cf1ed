import { invitations, processedEvents } from '@app/db';
import type { SyncWorker } from '@app/sync';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { lambdaContext, sqsEvent } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';
import { at, body, rawEvent } from '../../support/sync-events';

let t: TestDatabase;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];

beforeAll(async () => {
  ({ t, worker, stop } = await startSyncWorker());
});
afterAll(() => stop());

async function deliver(...events: Record<string, unknown>[]) {
  const response = await worker.handler(sqsEvent(events.map(body)), lambdaContext());
  return response.batchItemFailures.length;
}

/** invitation.* data as WorkOS sends it in events (no token, no accept url). */
const invitation = (id: string, fields: Record<string, unknown>) => ({
  object: 'invitation',
  id,
  email: 'Invitee@Example.com',
  state: 'pending',
  accepted_at: null,
  revoked_at: null,
  expires_at: at(7 * 24 * 3600),
  organization_id: 'org_inv_1',
  inviter_user_id: 'user_inv_admin',
  accepted_user_id: null,
  role_slug: 'member',
  created_at: at(0),
  updated_at: at(0),
  ...fields,
});

const row = async (id: string) =>
  (await t.db.select().from(invitations).where(eq(invitations.workosInvitationId, id)))[0];
const outcome = async (eventId: string) =>
  (await t.db.select().from(processedEvents).where(eq(processedEvents.eventId, eventId)))[0]?.outcome;

describe('sync worker: invitations', () => {
  it('mirrors created, resent and accepted with status and expiry; an older event is stale', async () => {
    expect(await deliver(rawEvent('invitation.created', invitation('invitation_s1', {})))).toBe(0);
    expect(await row('invitation_s1')).toMatchObject({
      email: 'invitee@example.com',
      state: 'pending',
      workosOrgId: 'org_inv_1',
      roleSlug: 'member',
      expiresAt: new Date(at(7 * 24 * 3600)),
    });
    const accepted = rawEvent(
      'invitation.accepted',
      invitation('invitation_s1', {
        state: 'accepted',
        accepted_at: at(20),
        accepted_user_id: 'user_inv_new',
        updated_at: at(20),
      }),
    );
    const resent = rawEvent(
      'invitation.resent',
      invitation('invitation_s1', { expires_at: at(9 * 24 * 3600), updated_at: at(10) }),
    );
    // Out of order in one batch: the accepted state wins, the older resend is stale.
    expect(await deliver(accepted, resent)).toBe(0);
    expect(await row('invitation_s1')).toMatchObject({
      state: 'accepted',
      acceptedWorkosUserId: 'user_inv_new',
      acceptedAt: new Date(at(20)),
    });
    expect(await outcome(resent.id)).toBe('stale');
    expect(await outcome(accepted.id)).toBe('applied');
  });

  it('mirrors a revocation delivered alone, and a replay is a duplicate', async () => {
    await deliver(rawEvent('invitation.created', invitation('invitation_s2', {})));
    const revoked = rawEvent(
      'invitation.revoked',
      invitation('invitation_s2', { state: 'revoked', revoked_at: at(5), updated_at: at(5) }),
    );
    expect(await deliver(revoked)).toBe(0);
    expect(await deliver(revoked)).toBe(0);
    expect(await row('invitation_s2')).toMatchObject({ state: 'revoked', revokedAt: new Date(at(5)) });
  });

  it('fails only the message whose invitation data cannot be applied', async () => {
    const bad = rawEvent('invitation.created', { id: 'invitation_s3', email: 'x@example.com' });
    const good = rawEvent('invitation.created', invitation('invitation_s4', {}));
    expect(await deliver(bad, good)).toBe(1);
    expect(await row('invitation_s4')).toBeDefined();
    expect(await row('invitation_s3')).toBeUndefined();
  });
});
