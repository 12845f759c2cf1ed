import {
  type Executor,
  organizationStatements,
  organizations,
  pipeline,
  query,
  type Statement,
  template,
  textArray,
  userStatements,
  users,
} from '@app/db';
import { sql } from 'drizzle-orm';
import { SyncError } from './errors';
import { fetchParentOrganization, fetchParentUser, type ParentDeps } from './parents';
import { KINDS, type KindName, type Origin } from './registry';

/** One WorkOS state to write: an event's data (validated against its kind) or an object listed from the API. */
export type Change = { kind: KindName; data: unknown; origin: Origin };

/** Which WorkOS users and organizations have a local row (tombstones included). */
export type KnownParents = { users: Set<string>; organizations: Set<string> };

/** What became of a change in the plan: its statements [first, decisive], or the error that stops it alone. */
export type Step =
  | { ok: true; first: number; decisive: number; parentsFetched: number }
  | { ok: false; error: SyncError; parentsFetched: number };

/**
 * THE planner: turns changes into statements, in order. A parent a change needs that neither the
 * database nor an earlier change provides is fetched from WorkOS and written first (a failure
 * there fails that change alone: ParentUnavailableError). Then the change's own statements from
 * the registry, then its side effects. Nothing is sent here; see runPlan.
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
        const { fields, gone } = await fetchParentUser(parents.user, deps);
        statements.push(...userStatements(fields, gone));
        known.users.add(parents.user);
        parentsFetched++;
      }
      if (parents.organization && !known.organizations.has(parents.organization)) {
        const { fields, gone } = await fetchParentOrganization(parents.organization, deps);
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
    statements.push(...kind.statements(data, change.origin));
    const decisive = statements.length - 1;
    statements.push(...(kind.sideEffects?.(data, change.origin) ?? []));
    if (change.kind === 'user') known.users.add((data as { id: string }).id);
    if (change.kind === 'organization') known.organizations.add((data as { id: string }).id);
    steps.push({ ok: true, first, decisive, parentsFetched });
  }
  return { statements, steps };
}

/** Sends a plan's statements (and `extra` after them) back to back; whether each ok step applied. */
export async function runPlan(
  ex: Executor,
  planned: { statements: Statement[]; steps: Step[] },
  extra: Statement[] = [],
): Promise<boolean[]> {
  const all = [...planned.statements, ...extra];
  const rows = all.length ? await pipeline(ex, all) : [];
  return planned.steps.map((step) => step.ok && (rows[step.decisive] ?? 0) > 0);
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
