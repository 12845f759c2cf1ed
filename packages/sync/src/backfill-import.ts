import {
  type Executor,
  organizationMemberships,
  organizations,
  type Statement,
  template,
  textArray,
  users,
} from '@app/db';
import { sql } from 'drizzle-orm';
import type { Item } from './backfill-list';
import type { ParentDeps } from './parents';
import { type Change, findKnownParents, parentsOf, plan, runPlan } from './plan';
import type { KindName } from './registry';
import { KINDS } from './registry';

export type Phase = 'organizations' | 'users' | 'memberships';
export type PhaseCounts = { applied: number; stale: number; invalid: number };
export const emptyCounts = (): PhaseCounts => ({ applied: 0, stale: 0, invalid: 0 });

const KIND_OF: Record<Phase, KindName> = {
  organizations: 'organization',
  users: 'user',
  memberships: 'organization_membership',
};

/**
 * Imports one listed page inside the caller's transaction: each object is a state read from the
 * API (no event id), planned and written by the same planner as the worker's events (order guard,
 * email claims, slugs, parents fetched when missing). In a full run (`sweepRun`), every object
 * listed is also marked as seen by that run, applied or stale alike: the sweep spares it.
 * Objects of an unexpected shape are counted `invalid` and reported by id through `onInvalid`.
 */
export async function importPage(
  ex: Executor,
  phase: Phase,
  items: Item[],
  options: { deps: ParentDeps; sweepRun: string | null; onInvalid: (id: string) => void },
): Promise<PhaseCounts> {
  const counts = emptyCounts();
  const kind = KIND_OF[phase];
  const changes: Change[] = [];
  for (const item of items) {
    const parsed = KINDS[kind].schema.safeParse(item);
    if (parsed.success) changes.push({ kind, data: parsed.data, origin: { eventId: null, deleted: false } });
    else {
      counts.invalid++;
      options.onInvalid(item.id);
    }
  }
  const known = await findKnownParents(ex, ...parentsOf(changes));
  const planned = await plan(changes, known, options.deps);
  const failed = planned.steps.find((step) => !step.ok);
  // A parent WorkOS could not give: the page is retried (the run stops; the cursor stays before it).
  if (failed && !failed.ok) throw failed.error;
  const applied = await runPlan(
    ex,
    planned,
    options.sweepRun ? [markSeen(phase, changes, options.sweepRun)] : [],
  );
  for (const { applied: a } of applied) counts[a ? 'applied' : 'stale']++;
  return counts;
}

/** Marks the listed objects' rows with the run id (memberships by WorkOS id, or by their user and organization). */
function markSeen(phase: Phase, changes: Change[], run: string): Statement {
  const data = changes.map((c) => c.data as { id: string; user_id?: string; organization_id?: string });
  const ids = textArray(data.map((d) => d.id));
  if (phase === 'users') {
    return template(
      'sweep.mark.users',
      (_, v) => sql`UPDATE ${users} SET sweep_run = ${v.run} WHERE workos_id = ANY(${v.ids}::text[])`,
      { run, ids },
    );
  }
  if (phase === 'organizations') {
    return template(
      'sweep.mark.organizations',
      (_, v) =>
        sql`UPDATE ${organizations} SET sweep_run = ${v.run} WHERE workos_org_id = ANY(${v.ids}::text[])`,
      { run, ids },
    );
  }
  return template(
    'sweep.mark.memberships',
    (_, v) => sql`
      UPDATE ${organizationMemberships} AS m SET sweep_run = ${v.run}
      WHERE m.workos_membership_id = ANY(${v.ids}::text[])
         OR (m.user_id, m.organization_id) IN (
           SELECT u.id, o.id FROM unnest(${v.userIds}::text[], ${v.orgIds}::text[]) AS p(user_id, org_id)
           JOIN ${users} u ON u.workos_id = p.user_id
           JOIN ${organizations} o ON o.workos_org_id = p.org_id)`,
    {
      run,
      ids,
      userIds: textArray(data.map((d) => d.user_id ?? null)),
      orgIds: textArray(data.map((d) => d.organization_id ?? null)),
    },
  );
}
