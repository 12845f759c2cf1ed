import {
  type Executor,
  organizationStatements,
  organizations,
  pipelineRows,
  query,
  type Statement,
  template,
  textArray,
  userStatements,
  users,
} from '@app/db';
import { sql } from 'drizzle-orm';
import { SyncError } from './errors';
import {
  fetchParentOrganization,
  fetchParentUser,
  type ParentDeps,
  type PrefetchedParents,
  parentOrganization,
  parentUser,
  settle,
} from './parents';
import { KINDS, type KindName, type Origin } from './registry';

/** One WorkOS state to write: an event's data (validated against its kind) or an object listed from the API. */
export type Change = { kind: KindName; data: unknown; origin: Origin };

/** Which WorkOS users and organizations have a local row (tombstones included). */
export type KnownParents = { users: Set<string>; organizations: Set<string> };

/**
 * What became of a change in the plan: its statements [first, decisive] (and its outbox statement),
 * or the error that stops it alone.
 */
export type Step =
  | { ok: true; first: number; decisive: number; outbox?: number; parentsFetched: number }
  | { ok: false; error: SyncError; parentsFetched: number };

/**
 * THE planner: turns changes into statements, in order. A parent a change needs that neither the
 * database nor an earlier change provides is fetched from WorkOS (or taken from `deps.prefetched`,
 * see prefetchParents) and written first (a failure
 * there fails that change alone: ParentUnavailableError). Then the change's outbox statement (an
 * event's side effect, which reads the state before the change), then its own statements from the
 * registry. Nothing is sent here; see runPlan.
 */
export async function plan(changes: Change[], known: KnownParents, deps: ParentDeps) {
  const statements: Statement[] = [];
  const steps: Step[] = [];
  for (const change of changes) {
    const kind = KINDS[change.kind] as (typeof KINDS)['user'];
    const data = change.data as Parameters<typeof kind.statements>[0];
    const first = statements.length;
    let parentsFetched = 0;
    try {
      const parents = kind.parents(data);
      if (parents.user && !known.users.has(parents.user)) {
        const { fields, gone } = await parentUser(parents.user, deps);
        statements.push(...userStatements(fields, gone));
        known.users.add(parents.user);
        parentsFetched++;
      }
      if (parents.organization && !known.organizations.has(parents.organization)) {
        const { fields, gone } = await parentOrganization(parents.organization, deps);
        statements.push(...organizationStatements(fields, gone));
        known.organizations.add(parents.organization);
        parentsFetched++;
      }
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      // A parent fetched before the failure stays written: it is WorkOS's state either way.
      steps.push({ ok: false, error, parentsFetched });
      continue;
    }
    const outboxStatement = change.origin.eventId ? kind.outbox?.(data, change.origin) : undefined;
    const outbox = outboxStatement ? statements.push(outboxStatement) - 1 : undefined;
    statements.push(...kind.statements(data, change.origin));
    const decisive = statements.length - 1;
    if (change.kind === 'user') known.users.add((data as { id: string }).id);
    if (change.kind === 'organization') known.organizations.add((data as { id: string }).id);
    steps.push({ ok: true, first, decisive, parentsFetched, ...(outbox === undefined ? {} : { outbox }) });
  }
  return { statements, steps };
}

/**
 * Sends a plan's statements (`before` ahead of them, `extra` after them) back to back; for each
 * step whether it applied, and the rows its outbox statement returned.
 */
export async function runPlan(
  ex: Executor,
  planned: { statements: Statement[]; steps: Step[] },
  extra: Statement[] = [],
  before: Statement[] = [],
): Promise<{ applied: boolean; outboxRows: unknown[] }[]> {
  const all = [...before, ...planned.statements, ...extra];
  const rows = all.length ? (await pipelineRows(ex, all)).slice(before.length) : [];
  return planned.steps.map((step) => ({
    applied: step.ok && (rows[step.decisive]?.length ?? 0) > 0,
    outboxRows: step.ok && step.outbox !== undefined ? (rows[step.outbox] ?? []) : [],
  }));
}

/**
 * The WorkOS objects these changes write or need, as lock keys: the object itself and its parents
 * (a parent's upsert or delete touches the rows that refer to it).
 */
export function lockKeys(changes: Change[]): string[] {
  const keys = new Set<string>();
  for (const change of changes) {
    const kind = KINDS[change.kind] as (typeof KINDS)['user'];
    const parents = kind.parents(change.data as never);
    const id = (change.data as { id?: unknown }).id;
    if (typeof id === 'string') keys.add(`${change.kind}:${id}`);
    if (parents.user) keys.add(`user:${parents.user}`);
    if (parents.organization) keys.add(`organization:${parents.organization}`);
  }
  return [...keys];
}

/**
 * Takes a transaction-scoped advisory lock per key, in one stable order (by the key's 64-bit hash),
 * before the batch writes anything: two batches that touch the same objects wait for each other at
 * the first key they share instead of each holding a row the other needs (a deadlock). Sent first
 * in the plan's pipeline, so it costs no round trip of its own.
 */
export const lockStatement = (keys: string[]) =>
  template(
    'sync.lock',
    (_, v) => sql`
      SELECT count(pg_advisory_xact_lock(h)) AS locked FROM (
        SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(${v.keys}::text[]) AS k ORDER BY h
      ) AS ordered`,
    { keys: textArray(keys) },
  );

/**
 * Fetches from WorkOS, BEFORE the caller opens its transaction, the parents these changes need that
 * the database lacks (one read) and no earlier change of the batch provides; a fetch that fails is
 * kept as the error of the changes needing it. Hand the result to the planner as
 * `deps.prefetched`: it then writes the parents under the same upserts and order guard, and no
 * transaction waits on WorkOS.
 */
export async function prefetchParents(
  ex: Executor,
  changes: Change[],
  deps: ParentDeps,
): Promise<PrefetchedParents> {
  const prefetched: PrefetchedParents = { users: new Map(), organizations: new Map() };
  const needed = { users: new Set<string>(), organizations: new Set<string>() };
  const provided = { users: new Set<string>(), organizations: new Set<string>() };
  for (const change of changes) {
    const kind = KINDS[change.kind] as (typeof KINDS)['user'];
    const parents = kind.parents(change.data as never);
    if (parents.user && !provided.users.has(parents.user)) needed.users.add(parents.user);
    if (parents.organization && !provided.organizations.has(parents.organization)) {
      needed.organizations.add(parents.organization);
    }
    const id = (change.data as { id: string }).id;
    if (change.kind === 'user') provided.users.add(id);
    if (change.kind === 'organization') provided.organizations.add(id);
  }
  if (!needed.users.size && !needed.organizations.size) return prefetched;
  const known = await findKnownParents(ex, [...needed.users], [...needed.organizations]);
  await Promise.all([
    ...[...needed.users]
      .filter((id) => !known.users.has(id))
      .map(async (id) => prefetched.users.set(id, await settle(fetchParentUser(id, deps)))),
    ...[...needed.organizations]
      .filter((id) => !known.organizations.has(id))
      .map(async (id) => prefetched.organizations.set(id, await settle(fetchParentOrganization(id, deps)))),
  ]);
  return prefetched;
}

/** Which of these WorkOS users and organizations have a local row, in one statement. */
export async function findKnownParents(
  ex: Executor,
  workosUserIds: string[],
  workosOrgIds: string[],
): Promise<KnownParents> {
  const found: KnownParents = { users: new Set(), organizations: new Set() };
  if (!workosUserIds.length && !workosOrgIds.length) return found;
  const rows = await query<{ kind: string; id: string }>(
    ex,
    template(
      'parents.known',
      (_, v) => sql`
        SELECT 'u' AS kind, workos_id AS id FROM ${users} WHERE workos_id = ANY(${v.users}::text[])
        UNION ALL
        SELECT 'o', workos_org_id FROM ${organizations} WHERE workos_org_id = ANY(${v.organizations}::text[])`,
      { users: textArray(workosUserIds), organizations: textArray(workosOrgIds) },
    ),
  );
  for (const row of rows) (row.kind === 'u' ? found.users : found.organizations).add(row.id);
  return found;
}

/** Every parent these changes refer to (which exist locally decides which are fetched). */
export function parentsOf(changes: Change[]): [string[], string[]] {
  const userIds = new Set<string>();
  const orgIds = new Set<string>();
  for (const change of changes) {
    const kind = KINDS[change.kind] as (typeof KINDS)['user'];
    const parents = kind.parents(change.data as never);
    if (parents.user) userIds.add(parents.user);
    if (parents.organization) orgIds.add(parents.organization);
  }
  return [[...userIds], [...orgIds]];
}
