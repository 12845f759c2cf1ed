import { type Executor, send } from '@app/db';
import { emailIds, type OutboxRows } from '@app/notifications';
import { SyncError } from './errors';
import { type EventEnvelope, parseData } from './events';
import { claimAndFindParents, releaseStatement, staleStatement } from './inbox';
import type { ParentDeps, PrefetchedParents } from './parents';
import { type Change, lockKeys, lockStatement, parentsOf, plan, prefetchParents, runPlan } from './plan';
import { eventTypeOf, KINDS } from './registry';

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

/** What became of one event of a batch: its result, or the error that fails its message alone. */
export type BatchOutcome = { ok: true; result: ApplyResult } | { ok: false; error: SyncError };

/**
 * The outcome of each event, and `unconfirmed`: a statement of the batch sent but not awaited (the
 * stale mark), so it travels with the COMMIT instead of costing a round trip of its own. The caller
 * must await it after the transaction commits: if it rejects, PostgreSQL had aborted the
 * transaction and turned the COMMIT into a rollback, so nothing of the batch was written.
 */
export type BatchResult = { outcomes: BatchOutcome[]; unconfirmed: Promise<unknown> | undefined };

/**
 * Applies events inside the caller's transaction in a handful of round trips, each exactly once
 * and under the order guard:
 * 1. each event's data is validated against its registry kind; one statement claims every inbox
 *    row (duplicates come back unclaimed and are acknowledged) and says which parents exist
 *    locally; an invalid claimed event fails alone and its inbox row is released;
 * 2. the planner takes missing parents (fetched before the transaction when `deps.prefetched` is
 *    given, see prefetchBatchParents) and lists every effect's statements (plan.ts), all sent back
 *    to back after one statement that locks the batch's objects in a stable order (lockStatement),
 *    and executed in the batch's order;
 * 3. one statement marks the stale ones in the inbox, sent without waiting for its answer.
 * A second copy of an event within the batch is applied on its own afterwards. A database error
 * rejects: the caller's transaction must roll back (the worker then retries event by event).
 */
export async function applyBatch(
  ex: Executor,
  events: EventEnvelope[],
  deps: ApplyDeps,
): Promise<BatchResult> {
  const outcomes: BatchOutcome[] = new Array(events.length);
  const seen = new Set<string>();
  const repeats: number[] = [];
  const firsts: { index: number; change?: Change; error?: SyncError }[] = [];
  events.forEach((envelope, index) => {
    if (seen.has(envelope.id)) {
      repeats.push(index);
      return;
    }
    seen.add(envelope.id);
    try {
      firsts.push({ index, ...validate(envelope) });
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      firsts.push({ index, error });
    }
  });
  const changes = firsts.flatMap((f) => (f.change ? [f.change] : []));
  const { claimed, ...known } = await claimAndFindParents(ex, events, ...parentsOf(changes));

  const planned: { index: number; change: Change }[] = [];
  const released: string[] = [];
  for (const { index, change, error } of firsts) {
    const id = events[index]?.id as string;
    if (!claimed.has(id)) outcomes[index] = { ok: true, result: { outcome: 'duplicate', parentsFetched: 0 } };
    else if (change) planned.push({ index, change });
    else if (error) {
      outcomes[index] = { ok: false, error };
      released.push(id);
    } else outcomes[index] = { ok: true, result: { outcome: 'ignored', parentsFetched: 0 } };
  }

  const steps = await plan(
    planned.map((p) => p.change),
    known,
    deps,
  );
  steps.steps.forEach((step, i) => {
    if (!step.ok) released.push(events[planned[i]?.index as number]?.id as string);
  });
  const keys = lockKeys(planned.map((p) => p.change));
  const results = await runPlan(
    ex,
    steps,
    released.length ? [releaseStatement(released)] : [],
    keys.length ? [lockStatement(keys)] : [],
  );
  const stale: string[] = [];
  steps.steps.forEach((step, i) => {
    const index = planned[i]?.index as number;
    if (!step.ok) {
      outcomes[index] = { ok: false, error: step.error };
      return;
    }
    const applied = results[i]?.applied ?? false;
    if (!applied) stale.push(events[index]?.id as string);
    const notify = emailIds((results[i]?.outboxRows ?? []) as OutboxRows);
    outcomes[index] = {
      ok: true,
      result: {
        outcome: applied ? 'applied' : 'stale',
        parentsFetched: step.parentsFetched,
        ...(notify.length ? { notify } : {}),
      },
    };
  });
  // Not awaited: sent now, answered with the COMMIT that follows (see BatchResult.unconfirmed).
  const unconfirmed = stale.length ? send(ex, staleStatement(stale)) : undefined;

  for (const index of repeats) {
    try {
      outcomes[index] = { ok: true, result: await applyEvent(ex, events[index] as EventEnvelope, deps) };
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      outcomes[index] = { ok: false, error };
    }
  }
  return { outcomes, unconfirmed };
}

/**
 * Applies one WorkOS event: applyBatch with a batch of one, so the per-event path (the worker's
 * fallback) runs exactly the batch path's rules. Run it inside a transaction: the inbox row and the
 * effect commit or roll back together. A SyncError (invalid data, parent unavailable) is thrown
 * after the inbox row is released.
 */
export async function applyEvent(ex: Executor, event: EventEnvelope, deps: ApplyDeps): Promise<ApplyResult> {
  const { outcomes, unconfirmed } = await applyBatch(ex, [event], deps);
  await unconfirmed;
  const [outcome] = outcomes;
  if (!outcome) throw new Error('no outcome for the event');
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

/**
 * Fetches the parents these events need from WorkOS, to be called BEFORE the batch's transaction
 * opens (`ex` outside it) and handed to applyBatch/applyEvent as `deps.prefetched`. Events that do
 * not parse or validate are skipped here: applyBatch reports them.
 */
export async function prefetchBatchParents(
  ex: Executor,
  events: EventEnvelope[],
  deps: ParentDeps,
): Promise<PrefetchedParents> {
  const changes: Change[] = [];
  for (const event of events) {
    try {
      const { change } = validate(event);
      if (change) changes.push(change);
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
    }
  }
  return prefetchParents(ex, changes, deps);
}

/** The event as a change of its registry kind (InvalidEventError when its data cannot be applied); none when not synced. */
function validate(event: EventEnvelope): { change?: Change } {
  const type = eventTypeOf(event.event);
  if (!type) return {};
  const data = parseData(KINDS[type.kind].schema as never, event);
  return { change: { kind: type.kind, data, origin: { eventId: event.id, deleted: type.deleted } } };
}
