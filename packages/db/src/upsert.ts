import { sql } from 'drizzle-orm';

/**
 * What the WorkOS-owned rows share (users.ts, organizations.ts, memberships.ts, domains.ts): they
 * are written only through those modules, by the login callback, the sync worker and the backfill
 * alike, under one order guard (version.ts); a tombstoned row (`deleted_at`) is never brought back
 * by an older state. Every function takes an Executor, so it runs alone or inside the caller's
 * transaction.
 */
export type UpsertOutcome = 'inserted' | 'updated' | 'stale' | 'tombstoned';
export type UpsertResult<T> = { outcome: UpsertOutcome; row: T };

/** A WorkOS state's version as the callers know it: `updatedAt`, and the event it came in (none: an API read). */
export type VersionFields = {
  /** WorkOS `updated_at` of this state. */
  updatedAt: Date | string;
  /** The WorkOS event id this state came in; absent or null when read from the WorkOS API. */
  eventId?: string | null;
};

export const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

/** The bound values of a version: the timestamp (Date and ISO text) and the event id. */
export const versionValues = (input: VersionFields) => {
  const workosUpdatedAt = toDate(input.updatedAt);
  return { workosUpdatedAt, at: workosUpdatedAt.toISOString(), workosEventId: input.eventId ?? null };
};

/** In RETURNING: true when the row was inserted, false when an existing one was updated. */
export const insertedFlag = sql<boolean>`(xmax = 0)`;

/** The result of an upsert followed by its tombstone: `tombstoned` when the row was buried already. */
export function tombstoneResult<T>(upserted: UpsertResult<T>, buried: T | undefined): UpsertResult<T> {
  if (buried) return { outcome: upserted.outcome === 'inserted' ? 'inserted' : 'updated', row: buried };
  return { outcome: 'tombstoned', row: upserted.row };
}
