import { type Database, notifications } from '@app/db';
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';

export type SweepDeps = {
  db: Database;
  enqueue: (ids: string[]) => Promise<void>;
  /** A PENDING row older than this missed its after-commit enqueue (default one minute). */
  olderThanMs?: number;
  /** Rows per run (default 500); the rest wait for the next run. */
  limit?: number;
};

/**
 * The outbox sweep: EMAIL rows still PENDING a minute after they were written (the writer crashed
 * or SQS failed between COMMIT and enqueue) go on the queue again and become QUEUED. Enqueue first,
 * then mark: a crash in between only sends a duplicate message, which the notifier's claim absorbs.
 */
export async function sweepOutbox(deps: SweepDeps): Promise<{ requeued: number }> {
  const n = notifications;
  const olderThan = `${Math.round((deps.olderThanMs ?? 60_000) / 1000)} seconds`;
  const rows = await deps.db
    .select({ id: n.id })
    .from(n)
    .where(
      and(eq(n.type, 'EMAIL'), eq(n.status, 'PENDING'), lt(n.createdAt, sql`now() - ${olderThan}::interval`)),
    )
    .orderBy(asc(n.createdAt))
    .limit(deps.limit ?? 500);
  if (!rows.length) return { requeued: 0 };
  const ids = rows.map((r) => r.id);
  await deps.enqueue(ids);
  await deps.db
    .update(n)
    .set({ status: 'QUEUED' })
    .where(and(inArray(n.id, ids), eq(n.status, 'PENDING')));
  return { requeued: ids.length };
}
