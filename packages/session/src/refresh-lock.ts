import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { type Database, sessionRefreshes } from '@app/db';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';

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
  /**
   * How long a stored result serves late requests holding the old cookie (parallel requests of one
   * page). After that the old cookie is refused and the row is deleted. Default 30 s.
   */
  resultWindowMs?: number;
};

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const RESULT_FORMAT = 'v1';
const RESULT_INFO = 'session-refresh-result';

/**
 * The stored result is encrypted under a key only a holder of the old refresh token can derive, so
 * reading the table yields no usable cookie. The row's token hash is bound in as associated data.
 */
function resultKey(refreshToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', refreshToken, RESULT_FORMAT, RESULT_INFO, 32));
}

export function encryptResult(sealed: string, refreshToken: string, tokenHash: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', resultKey(refreshToken), iv);
  cipher.setAAD(Buffer.from(tokenHash));
  const body = Buffer.concat([cipher.update(sealed, 'utf8'), cipher.final()]);
  return [RESULT_FORMAT, iv, body, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decryptResult(stored: string, refreshToken: string, tokenHash: string): string | undefined {
  const [format, iv, body, tag] = stored.split('.');
  if (format !== RESULT_FORMAT || !iv || !body || !tag) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', resultKey(refreshToken), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(tokenHash));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}

/**
 * Single-flight refresh across Lambda instances, through the session_refreshes table: the first
 * request to claim a refresh token (a row keyed by its SHA-256) spends it and records the result;
 * any concurrent request holding the same token waits for that result instead of spending the
 * single-use token again. A claim whose holder failed transiently is released; one whose holder
 * died is taken over after `staleClaimMs`. A finished row answers for `resultWindowMs` only, then
 * it is deleted and the old token is refused like any spent refresh token.
 */
export function makeRefreshLock(options: RefreshLockOptions) {
  const { db } = options;
  const waitMs = options.waitMs ?? 8000;
  const pollMs = options.pollMs ?? 50;
  const staleClaimMs = options.staleClaimMs ?? 30_000;
  const windowMs = options.resultWindowMs ?? 30_000;
  const windowInterval = sql`make_interval(secs => ${windowMs / 1000})`;
  const staleInterval = sql`make_interval(secs => ${staleClaimMs / 1000})`;
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
      const joined = await waitForOther(tokenHash, refreshToken);
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
        .set({
          sealedResult: encryptResult(result.sealed, refreshToken, tokenHash),
          completedAt: sql`now()`,
        })
        .where(eq(sessionRefreshes.tokenHash, tokenHash));
      await prune();
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

  /** Finished rows past their window, and claims abandoned long ago, go. */
  const prune = () =>
    db
      .delete(sessionRefreshes)
      .where(
        or(
          lt(sessionRefreshes.completedAt, sql`now() - ${windowInterval}`),
          lt(sessionRefreshes.claimedAt, sql`now() - interval '1 day'`),
        ),
      );

  async function waitForOther(
    tokenHash: string,
    refreshToken: string,
  ): Promise<SingleFlightResult | 'take-over'> {
    // A wait, not a time of day: measured on the monotonic clock. Row ages are the database's
    // (`now()`), the one clock every instance shares.
    const deadline = performance.now() + waitMs;
    for (;;) {
      const [row] = await db
        .select({
          sealedResult: sessionRefreshes.sealedResult,
          failureReason: sessionRefreshes.failureReason,
          claimedAt: sessionRefreshes.claimedAt,
          expired: sql<boolean>`${sessionRefreshes.completedAt} < now() - ${windowInterval}`,
          stale: sql<boolean>`${sessionRefreshes.claimedAt} < now() - ${staleInterval}`,
        })
        .from(sessionRefreshes)
        .where(eq(sessionRefreshes.tokenHash, tokenHash));
      if (row?.expired) {
        // The old cookie came back after the window: it is a spent refresh token, nothing more.
        await prune();
        return { ok: false, outcome: 'terminal', reason: 'refresh_token_spent' };
      }
      if (row?.sealedResult) {
        const sealed = decryptResult(row.sealedResult, refreshToken, tokenHash);
        if (sealed) return { ok: true, sealed, outcome: 'joined' };
        return { ok: false, outcome: 'terminal', reason: 'refresh_result_unreadable' };
      }
      if (row?.failureReason) return { ok: false, outcome: 'terminal', reason: row.failureReason };
      if (!row) {
        // The winner failed transiently and released the claim: claim it ourselves.
        if (await claim(tokenHash)) return 'take-over';
      } else if (row.stale) {
        // The winner died mid-refresh: take its claim over.
        const [taken] = await db
          .update(sessionRefreshes)
          .set({ claimedAt: sql`now()` })
          .where(
            and(
              eq(sessionRefreshes.tokenHash, tokenHash),
              isNull(sessionRefreshes.sealedResult),
              isNull(sessionRefreshes.failureReason),
              eq(sessionRefreshes.claimedAt, row.claimedAt),
            ),
          )
          .returning({ tokenHash: sessionRefreshes.tokenHash });
        if (taken) return 'take-over';
      }
      if (performance.now() >= deadline)
        return { ok: false, outcome: 'transient', reason: 'refresh_wait_timeout' };
      await sleep(pollMs);
    }
  }

  return { singleFlight };
}

export type RefreshLock = ReturnType<typeof makeRefreshLock>;
