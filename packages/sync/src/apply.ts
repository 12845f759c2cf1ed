import {
  type Executor,
  organizations,
  processedEvents,
  revokedSessions,
  template,
  tombstoneMembership,
  tombstoneOrganization,
  tombstoneUser,
  type UpsertOutcome,
  upsertInvitation,
  upsertMembership,
  upsertOrganization,
  upsertUser,
  users,
} from '@app/db';
import {
  emailIds,
  membershipChangeStatement,
  type OutboxRows,
  organizationChangeStatement,
} from '@app/notifications';
import { eq, type Query, sql } from 'drizzle-orm';
import {
  type EventEnvelope,
  type MembershipData,
  membershipData,
  type OrganizationData,
  type OrganizationDomainData,
  organizationData,
  organizationDomainData,
  parseData,
  sessionData,
  type UserData,
  userData,
} from './events';
import { INVITATION_ACTIONS, invitationData, invitationFields } from './invitations';
import { ensureOrganization, ensureParents, type ParentDeps } from './parents';
import { query, textArray } from './pipeline';

/**
 * What applying an event did: `applied` changed the database; `stale` was older than the stored
 * state (or hit a tombstone); `duplicate` was applied before (inbox); `ignored` is a type this app
 * does not sync. Every outcome but a thrown error acknowledges the message.
 */
export type Outcome = 'applied' | 'stale' | 'duplicate' | 'ignored';
export type ApplyResult = {
  outcome: Outcome;
  parentsFetched: number;
  /** Ids of the EMAIL notifications the event wrote (outbox), to enqueue once the transaction commits. */
  notify?: string[];
};
export type ApplyDeps = ParentDeps;

const fromUpsert = (outcome: UpsertOutcome): 'applied' | 'stale' =>
  outcome === 'inserted' || outcome === 'updated' ? 'applied' : 'stale';

type Effect = (ex: Executor) => Promise<'applied' | 'stale'>;
type Plan = { effect: Effect | null; parentsFetched: number; outbox?: Query };

/**
 * Applies one WorkOS event. Run it inside a transaction: the inbox row (processed_events) and the
 * effect commit or roll back together, so an event changes the database exactly once however often
 * it is delivered.
 */
export async function applyEvent(ex: Executor, event: EventEnvelope, deps: ApplyDeps): Promise<ApplyResult> {
  const claimed = await claimEvents(ex, [event]);
  if (!claimed.has(event.id)) return { outcome: 'duplicate', parentsFetched: 0 };
  const result = await applyClaimed(ex, event, deps);
  if (result.outcome === 'stale') await recordStale(ex, [event.id]);
  return result;
}

/**
 * Writes the inbox rows of several events in one statement (the batch path: one round trip instead
 * of one per event) and returns the ids that were new, i.e. not processed before. Each claimed
 * event must then go through applyClaimed in the same transaction.
 */
export async function claimEvents(ex: Executor, events: EventEnvelope[]): Promise<Set<string>> {
  return (await claimAndFindParents(ex, events, [], [])).claimed;
}

/**
 * claimEvents, and in the same statement (one round trip) which of these WorkOS users and
 * organizations have a local row (tombstones included), as the database saw them before the batch.
 */
export async function claimAndFindParents(
  ex: Executor,
  events: EventEnvelope[],
  workosUserIds: string[],
  workosOrgIds: string[],
): Promise<{ claimed: Set<string>; users: Set<string>; organizations: Set<string> }> {
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
      outcomes: textArray(unique.map((e) => (splitType(e.event)[0] === 'other' ? 'ignored' : 'applied'))),
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

/**
 * The effect of an event whose inbox row this transaction has just written. Parents a membership
 * needs are fetched from WorkOS first; if that (or validation) fails, the inbox row is removed
 * again, so nothing of the event stays behind and the message is retried.
 */
export async function applyClaimed(
  ex: Executor,
  event: EventEnvelope,
  deps: ApplyDeps,
): Promise<ApplyResult> {
  let plan: Plan;
  try {
    plan = await planEvent(ex, event, deps);
  } catch (error) {
    await ex.delete(processedEvents).where(eq(processedEvents.eventId, event.id));
    throw error;
  }
  if (!plan.effect) return { outcome: 'ignored', parentsFetched: plan.parentsFetched };
  // The outbox statement reads the state the effect replaces, so it runs first.
  const notify = plan.outbox ? emailIds(await query<OutboxRows[number]>(ex, plan.outbox)) : [];
  return {
    outcome: await plan.effect(ex),
    parentsFetched: plan.parentsFetched,
    ...(notify.length ? { notify } : {}),
  };
}

/** Marks events whose effect found a newer state (or a tombstone) as `stale` in the inbox. */
export async function recordStale(ex: Executor, eventIds: string[]): Promise<void> {
  if (!eventIds.length) return;
  await query(ex, staleStatement(eventIds));
}

/** The statement of recordStale. */
export const staleStatement = (eventIds: string[]) =>
  template(
    'inbox.stale',
    (_, v) => sql`UPDATE ${processedEvents} SET outcome = 'stale' WHERE event_id = ANY(${v.ids}::text[])`,
    { ids: textArray(eventIds) },
  );

function eventTime(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Validates the event's data for its type and resolves what the effect needs (parents). */
async function planEvent(ex: Executor, event: EventEnvelope, deps: ApplyDeps): Promise<Plan> {
  const [kind, action] = splitType(event.event);
  switch (kind) {
    case 'user': {
      const data = parseData(userData, event);
      if (action === 'deleted') return direct((x) => tombstoneUser(x, userFields(data)));
      return direct((x) => upsertUser(x, userFields(data)));
    }
    case 'organization': {
      const data = parseData(organizationData, event);
      if (action === 'deleted') return direct((x) => tombstoneOrganization(x, orgFields(data)));
      return { ...direct((x) => upsertOrganization(x, orgFields(data))), outbox: organizationOutbox(data) };
    }
    case 'organization_membership': {
      const data = parseData(membershipData, event);
      const parents = await ensureParents(ex, data.user_id, data.organization_id, deps);
      const fields = membershipFields(data, parents);
      const effect: Effect = async (x) =>
        fromUpsert(
          (action === 'deleted' ? await tombstoneMembership(x, fields) : await upsertMembership(x, fields))
            .outcome,
        );
      return {
        effect,
        parentsFetched: parents.fetched,
        outbox: membershipOutbox(data, action === 'deleted'),
      };
    }
    case 'organization_domain': {
      const data = parseData(organizationDomainData, event);
      const { fetched } = await ensureOrganization(ex, data.organization_id, deps);
      return {
        effect: (x) => applyDomain(x, data, action === 'deleted'),
        parentsFetched: fetched,
      };
    }
    case 'session': {
      const data = parseData(sessionData, event);
      return {
        effect: async (x) => {
          const inserted = await x
            .insert(revokedSessions)
            .values({ sessionId: data.id, workosUserId: data.user_id ?? null })
            .onConflictDoNothing()
            .returning({ sessionId: revokedSessions.sessionId });
          return inserted.length ? 'applied' : 'stale';
        },
        parentsFetched: 0,
      };
    }
    case 'invitation': {
      const fields = invitationFields(parseData(invitationData, event));
      return {
        effect: async (x) => ((await upsertInvitation(x, fields)) ? 'applied' : 'stale'),
        parentsFetched: 0,
      };
    }
    default:
      return { effect: null, parentsFetched: 0 };
  }
}

const direct = (effect: (ex: Executor) => Promise<{ outcome: UpsertOutcome }>): Plan => ({
  effect: async (ex) => fromUpsert((await effect(ex)).outcome),
  parentsFetched: 0,
});

const SYNCED_ACTIONS = new Set(['created', 'updated', 'deleted']);
const DOMAIN_ACTIONS = new Set(['created', 'updated', 'deleted', 'verified', 'verification_failed']);

/** `organization_membership.created` -> ['organization_membership', 'created']; unsynced -> ['other']. */
export function splitType(type: string): [string, string] {
  const dot = type.indexOf('.');
  const kind = type.slice(0, dot);
  const action = type.slice(dot + 1);
  if (dot < 0) return ['other', ''];
  if (kind === 'organization_domain') return DOMAIN_ACTIONS.has(action) ? [kind, action] : ['other', ''];
  if (kind === 'session') return action === 'revoked' ? [kind, action] : ['other', ''];
  if (kind === 'invitation') return INVITATION_ACTIONS.has(action) ? [kind, action] : ['other', ''];
  if (['user', 'organization', 'organization_membership'].includes(kind) && SYNCED_ACTIONS.has(action)) {
    return [kind, action];
  }
  return ['other', ''];
}

/** The outbox statement of a membership event (notifications.membershipChangeStatement). */
export const membershipOutbox = (d: MembershipData, deleted: boolean) =>
  membershipChangeStatement({
    workosUserId: d.user_id,
    workosOrgId: d.organization_id,
    workosMembershipId: d.id,
    status: d.status,
    roleSlug: d.role?.slug ?? d.roles?.[0]?.slug ?? null,
    updatedAt: d.updated_at,
    deleted,
  });

/** The outbox statement of an organization create/update (a rename notifies its admins). */
export const organizationOutbox = (d: OrganizationData) =>
  organizationChangeStatement({ workosOrgId: d.id, name: d.name, updatedAt: d.updated_at });

export const userFields = (d: UserData) => ({
  workosId: d.id,
  email: d.email,
  firstName: d.first_name ?? null,
  lastName: d.last_name ?? null,
  emailVerified: d.email_verified ?? false,
  profilePictureUrl: d.profile_picture_url ?? null,
  updatedAt: d.updated_at,
});

export const orgFields = (d: OrganizationData) => ({
  workosOrgId: d.id,
  name: d.name,
  domains: d.domains?.map((x) => ({
    id: x.id,
    domain: x.domain,
    state: x.state,
    ...(x.updated_at ? { updatedAt: x.updated_at } : {}),
  })),
  updatedAt: d.updated_at,
});

export const membershipFields = <Id>(d: MembershipData, parents: { userId: Id; organizationId: Id }) => ({
  workosMembershipId: d.id,
  userId: parents.userId,
  organizationId: parents.organizationId,
  status: d.status,
  roleSlug: d.role?.slug ?? d.roles?.[0]?.slug ?? null,
  roleSlugs: d.roles?.map((r) => r.slug) ?? (d.role ? [d.role.slug] : []),
  updatedAt: d.updated_at,
});

/**
 * organization_domain.*: one element of the organization's `domains`, replaced (or removed on
 * `deleted`) only when the event is newer than both the organization's stored WorkOS state and the
 * element's own `updatedAt`. Known limit: a deleted domain leaves no tombstone, so a domain event
 * older than the deletion but newer than the organization's last event can bring it back until the
 * next organization event.
 */
async function applyDomain(
  ex: Executor,
  d: OrganizationDomainData,
  deleted: boolean,
): Promise<'applied' | 'stale'> {
  const rows = await ex.execute<{ id: string }>(domainStatement(d, deleted));
  return rows.length ? 'applied' : 'stale';
}

/** The statement of applyDomain: returns the organization's id only when it changed it. */
export function domainStatement(d: OrganizationDomainData, deleted: boolean) {
  const element = JSON.stringify({ id: d.id, domain: d.domain, state: d.state, updatedAt: d.updated_at });
  return sql`
    UPDATE ${organizations} SET
      domains = (
        SELECT COALESCE(jsonb_agg(CASE WHEN e->>'id' = ${d.id} THEN ${element}::jsonb ELSE e END ORDER BY ord)
                 FILTER (WHERE NOT (${deleted}::boolean AND e->>'id' = ${d.id})), '[]'::jsonb)
        FROM jsonb_array_elements(domains) WITH ORDINALITY AS t(e, ord)
      ) || CASE
        WHEN NOT ${deleted}::boolean AND NOT EXISTS (
          SELECT 1 FROM jsonb_array_elements(domains) AS x(e) WHERE x.e->>'id' = ${d.id}
        ) THEN jsonb_build_array(${element}::jsonb)
        ELSE '[]'::jsonb
      END,
      updated_at = now()
    WHERE workos_org_id = ${d.organization_id}
      AND deleted_at IS NULL
      -- The organization's own newer state already includes every domain change up to its time.
      AND (workos_updated_at IS NULL OR workos_updated_at < ${d.updated_at})
      AND NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(domains) AS x(e)
        WHERE x.e->>'id' = ${d.id} AND x.e->>'updatedAt' >= ${d.updated_at}
      )
    RETURNING id`;
}
