import { createHash } from 'node:crypto';
import { sessionRefreshes } from '@app/db';
import { makeRefreshLock } from '@app/session/refresh-lock';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';

// Claims are judged by the database's clock (the one every instance shares), never by the
// instance's own: a skewed instance clock must neither steal a live claim nor wait on a dead one.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

async function claimedAgo(refreshToken: string, seconds: number) {
  await t.db.insert(sessionRefreshes).values({
    tokenHash: sha256(refreshToken),
    claimedAt: sql`now() - make_interval(secs => ${seconds})`,
  });
}

describe('the cross-instance refresh lock', () => {
  it('takes over a claim whose holder died (older than staleClaimMs by the database clock)', async () => {
    const lock = makeRefreshLock({ db: t.db, staleClaimMs: 30_000, waitMs: 2_000, pollMs: 10 });
    await claimedAgo('rt-dead-holder', 60);
    let spent = 0;
    const result = await lock.singleFlight('rt-dead-holder', async () => {
      spent++;
      return { ok: true, sealed: 'sealed-after-take-over' };
    });
    expect(result).toEqual({ ok: true, sealed: 'sealed-after-take-over', outcome: 'refreshed' });
    expect(spent).toBe(1);
  });

  it('waits on a live claim and gives up transiently, without spending the token again', async () => {
    const lock = makeRefreshLock({ db: t.db, staleClaimMs: 30_000, waitMs: 200, pollMs: 10 });
    await claimedAgo('rt-live-holder', 1);
    let spent = 0;
    const result = await lock.singleFlight('rt-live-holder', async () => {
      spent++;
      return { ok: true, sealed: 'never' };
    });
    expect(result).toEqual({ ok: false, outcome: 'transient', reason: 'refresh_wait_timeout' });
    expect(spent).toBe(0);
  });
});
