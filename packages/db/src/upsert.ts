import { getTableColumns, type SQL, sql, type Table } from 'drizzle-orm';

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

/** An upsert that applied: its RETURNING row (with `inserted`, see insertedFlag) as the result. */
export function appliedResult<T>({ inserted, ...row }: T & { inserted: boolean }): UpsertResult<T> {
  return { outcome: inserted ? 'inserted' : 'updated', row: row as T };
}

/** An upsert the order guard refused: the row as it stands, tombstoned or ahead of the state (stale). */
export function refusedResult<T extends { deletedAt: Date | null }>(
  current: T | undefined,
  what: string,
): UpsertResult<T> {
  if (!current) throw new Error(`${what} vanished during upsert`);
  return { outcome: current.deletedAt ? 'tombstoned' : 'stale', row: current };
}

/**
 * A state applied outside the worker, then its tombstone: `upserting` is the state's upsert, `bury`
 * the tombstone statement (RETURNING the row it buried). The outcome is the upsert's when nothing was
 * buried (`tombstoned` already, or `stale` behind a newer state), else inserted/updated.
 */
export async function settleTombstone<T>(
  upserting: Promise<UpsertResult<T>>,
  bury: () => Promise<T[]>,
): Promise<UpsertResult<T>> {
  const upserted = await upserting;
  const [buried] = await bury();
  if (buried) return { outcome: upserted.outcome === 'inserted' ? 'inserted' : 'updated', row: buried };
  return { outcome: upserted.outcome === 'tombstoned' ? 'tombstoned' : 'stale', row: upserted.row };
}

/**
 * ON CONFLICT DO UPDATE's `set` for the columns an upsert takes from the proposed row:
 * `<column> = excluded.<column>` for each key, plus the version (`workos_updated_at`,
 * `workos_event_id`) every synced row carries and `updated_at = now()`.
 */
export function takeExcluded<T extends Table>(
  table: T,
  keys: readonly (keyof T['$inferInsert'] & string)[],
): Record<string, SQL> {
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const take = (key: string) => {
    const column = columns[key];
    if (!column) throw new Error(`${key} is not a column`);
    return [key, sql.raw(`excluded."${column.name}"`)] as const;
  };
  return {
    ...Object.fromEntries([...keys, 'workosUpdatedAt', 'workosEventId'].map(take)),
    updatedAt: sql`now()`,
  };
}
