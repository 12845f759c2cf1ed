import { createHash } from 'node:crypto';
import { type Database, sessionRefreshes } from '@app/db';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';

/** What spending a refresh token gave: a new sealed session, or why not. */
export type SpendResult =
  | { ok: true; sealed: string }
  | { ok: false; terminal: true; reason: string }
  | { ok: false; terminal: false; reason: string };

export type SingleFlightResult =
  | { ok: true; sealed: string; outcome: 'refreshed' | 'joined' }
  | { ok: false; outcome: 'terminal' | 'transient'; reason: string };

export type RefreshLockOptions = {
  db: Database;
  /** How long a request waits for another instance's refresh of the same token. Default 8000 ms. */
  waitMs?: number;
  pollMs?: number;
  /** A refresh claimed longer ago than this without a result is taken over. Default 30 s. */
  staleClaimMs?: number;
};

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Single-flight refresh across Lambda instances, through the session_refreshes table: the first
 * request to claim a refresh token (a row keyed by its SHA-256) spends it and records the result;
 * any concurrent request holding the same token waits for that result instead of spending the
 * single-use token again. A claim whose holder failed transiently is released; one whose holder
 * died is taken over after `staleClaimMs`.
 */
export function makeRefreshLock(options: RefreshLockOptions) {
  const { db } = options;
  const waitMs = options.waitMs ?? 8000;
  const pollMs = options.pollMs ?? 50;
  const staleClaimMs = options.staleClaimMs ?? 30_000;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const claim = async (tokenHash: string) =>
    (
      await db
        .insert(sessionRefreshes)
        .values({ tokenHash })
        .onConflictDoNothing()
        .returning({ tokenHash: sessionRefreshes.tokenHash })
    ).length > 0;

  const release = (tokenHash: string) =>
    db.delete(sessionRefreshes).where(eq(sessionRefreshes.tokenHash, tokenHash));

  /**
   * Runs `spend` at most once across all instances for this refresh token, or joins the result
   * of the instance that does. A `spend` that throws releases the claim and rethrows.
   */
  async function singleFlight(
    refreshToken: string,
    spend: () => Promise<SpendResult>,
  ): Promise<SingleFlightResult> {
    const tokenHash = sha256(refreshToken);
    if (!(await claim(tokenHash))) {
      const joined = await waitForOther(tokenHash);
      if (joined !== 'take-over') return joined;
    }
    let result: SpendResult;
    try {
      result = await spend();
    } catch (error) {
      await release(tokenHash);
      throw error;
    }
    if (result.ok) {
      await db
        .update(sessionRefreshes)
        .set({ sealedSession: result.sealed, completedAt: sql`now()` })
        .where(eq(sessionRefreshes.tokenHash, tokenHash));
      // Old rows only serve late requests holding the previous cookie: prune now and then.
      if (Math.random() < 0.02) {
        await db
          .delete(sessionRefreshes)
          .where(lt(sessionRefreshes.claimedAt, sql`now() - interval '1 day'`));
      }
      return { ok: true, sealed: result.sealed, outcome: 'refreshed' };
    }
    if (result.terminal) {
      await db
        .update(sessionRefreshes)
        .set({ failureReason: result.reason, completedAt: sql`now()` })
        .where(eq(sessionRefreshes.tokenHash, tokenHash));
      return { ok: false, outcome: 'terminal', reason: result.reason };
    }
    // Transient: free the claim so the next request may try again with the same token.
    await release(tokenHash);
    return { ok: false, outcome: 'transient', reason: result.reason };
  }

  async function waitForOther(tokenHash: string): Promise<SingleFlightResult | 'take-over'> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const [row] = await db.select().from(sessionRefreshes).where(eq(sessionRefreshes.tokenHash, tokenHash));
      if (row?.sealedSession) return { ok: true, sealed: row.sealedSession, outcome: 'joined' };
      if (row?.failureReason) return { ok: false, outcome: 'terminal', reason: row.failureReason };
      if (!row) {
        // The winner failed transiently and released the claim: claim it ourselves.
        if (await claim(tokenHash)) return 'take-over';
      } else if (Date.now() - row.claimedAt.getTime() > staleClaimMs) {
        // The winner died mid-refresh: take its claim over.
        const [taken] = await db
          .update(sessionRefreshes)
          .set({ claimedAt: sql`now()` })
          .where(
            and(
              eq(sessionRefreshes.tokenHash, tokenHash),
              isNull(sessionRefreshes.sealedSession),
              isNull(sessionRefreshes.failureReason),
              eq(sessionRefreshes.claimedAt, row.claimedAt),
            ),
          )
          .returning({ tokenHash: sessionRefreshes.tokenHash });
        if (taken) return 'take-over';
      }
      if (Date.now() >= deadline) return { ok: false, outcome: 'transient', reason: 'refresh_wait_timeout' };
      await sleep(pollMs);
    }
  }

  return { singleFlight };
}

export type RefreshLock = ReturnType<typeof makeRefreshLock>;
