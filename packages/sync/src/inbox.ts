import { type Executor, organizations, processedEvents, query, template, textArray, users } from '@app/db';
import { sql } from 'drizzle-orm';
import type { EventEnvelope } from './events';
import type { KnownParents } from './plan';
import { eventTypeOf } from './registry';

/**
 * The inbox (processed_events): one row per WorkOS event, written in the same transaction as its
 * effect, so an event changes the database once however often it is delivered.
 */

/**
 * Claims the inbox rows of several events in one statement and, in the same round trip, says which
 * of these WorkOS users and organizations have a local row (as the database saw them before the
 * batch). `claimed`: the ids not processed before; the others are duplicates.
 */
export async function claimAndFindParents(
  ex: Executor,
  events: EventEnvelope[],
  workosUserIds: string[],
  workosOrgIds: string[],
): Promise<KnownParents & { claimed: Set<string> }> {
  const found = { claimed: new Set<string>(), users: new Set<string>(), organizations: new Set<string>() };
  // Sorted, so two workers claiming overlapping batches lock the inbox rows in the same order.
  const unique = [...new Map(events.map((e) => [e.id, e])).values()].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  if (!unique.length && !workosUserIds.length && !workosOrgIds.length) return found;
  const statement = template(
    'inbox.claim-and-find-parents',
    (_, v) => sql`
      WITH claimed AS (
        INSERT INTO ${processedEvents} (event_id, event_type, outcome, event_created_at)
        SELECT * FROM unnest(${v.ids}::text[], ${v.types}::text[], ${v.outcomes}::text[], ${v.times}::timestamptz[])
        ON CONFLICT DO NOTHING
        RETURNING event_id)
      SELECT 'e' AS kind, event_id AS id FROM claimed
      UNION ALL
      SELECT 'u', workos_id FROM ${users} WHERE workos_id = ANY(${v.users}::text[])
      UNION ALL
      SELECT 'o', workos_org_id FROM ${organizations} WHERE workos_org_id = ANY(${v.organizations}::text[])`,
    {
      ids: textArray(unique.map((e) => e.id)),
      types: textArray(unique.map((e) => e.event)),
      outcomes: textArray(unique.map((e) => (eventTypeOf(e.event) ? 'applied' : 'ignored'))),
      times: textArray(unique.map((e) => eventTime(e.created_at)?.toISOString() ?? null)),
      users: textArray(workosUserIds),
      organizations: textArray(workosOrgIds),
    },
  );
  const rows = await query<{ kind: string; id: string }>(ex, statement);
  for (const row of rows) {
    (row.kind === 'e' ? found.claimed : row.kind === 'u' ? found.users : found.organizations).add(row.id);
  }
  return found;
}

/** Marks events whose effect found a newer state (or a tombstone) as `stale` in the inbox. */
export const staleStatement = (eventIds: string[]) =>
  template(
    'inbox.stale',
    (_, v) => sql`UPDATE ${processedEvents} SET outcome = 'stale' WHERE event_id = ANY(${v.ids}::text[])`,
    { ids: textArray(eventIds) },
  );

/** Removes the inbox rows of events that could not be applied, so their retry is not a duplicate. */
export const releaseStatement = (eventIds: string[]) =>
  template(
    'inbox.release',
    (_, v) => sql`DELETE FROM ${processedEvents} WHERE event_id = ANY(${v.ids}::text[])`,
    { ids: textArray(eventIds) },
  );

function eventTime(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
