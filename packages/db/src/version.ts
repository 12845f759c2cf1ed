import { type SQL, sql } from 'drizzle-orm';

/**
 * THE order guard, the one rule every WorkOS-owned row, domain and email claim is written under.
 *
 * A state's version is (WorkOS `updated_at`, WorkOS event id). Between two states of one object:
 * the later `updated_at` wins; on the same millisecond, the later event id wins. WorkOS event ids
 * are `event_` + a ULID (48-bit millisecond time, then 80 bits), which the Events API pages through
 * in creation order, so within one millisecond the id orders events as WorkOS emitted them. The
 * rule assumes exactly that: ids of events about one object sort in the order WorkOS made them.
 * Ids are compared byte by byte (C collation), never by the database's locale.
 *
 * A state read from the WorkOS API (sign-in, a parent fetched, the backfill) has no event id: it
 * is the newest state of its `updated_at`, so it sorts after every event of that millisecond
 * (`~` sorts after every id character). Rows written before event ids were stored read the same.
 */
export type Version = { at: SQL; eventId: SQL };

const API_READ = '~';

/** True when `incoming` is newer than `stored`; a stored version with no `updated_at` is older than any. */
export function isNewer(stored: Version, incoming: Version): SQL<boolean> {
  const storedId = sql`COALESCE(${stored.eventId}, ${sql.raw(`'${API_READ}'`)}) COLLATE "C"`;
  const incomingId = sql`COALESCE(${incoming.eventId}, ${sql.raw(`'${API_READ}'`)}) COLLATE "C"`;
  return sql<boolean>`(${stored.at} IS NULL OR ${stored.at} < ${incoming.at}
    OR (${stored.at} = ${incoming.at} AND ${storedId} < ${incomingId}))`;
}

/** The version of the row being written by an INSERT ... ON CONFLICT (its `excluded` values). */
export const excludedVersion: Version = {
  at: sql`excluded.workos_updated_at`,
  eventId: sql`excluded.workos_event_id`,
};

/** A version bound as parameters (timestamp as ISO text, event id or null). */
export const boundVersion = (at: unknown, eventId: unknown): Version => ({
  at: sql`${at}::timestamptz`,
  eventId: sql`${eventId}::text`,
});

/** The version stored on a row of a synced table, by its SQL name (or alias). */
export const storedVersion = (table: string): Version => ({
  at: sql.raw(`${table}.workos_updated_at`),
  eventId: sql.raw(`${table}.workos_event_id`),
});
