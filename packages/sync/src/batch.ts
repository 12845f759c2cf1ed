import {
  type Executor,
  invitationUpsertStatement,
  membershipTombstoneStatement,
  membershipUpsertStatement,
  type OrganizationFields,
  organizationTombstoneStatement,
  organizationUpsertStatement,
  processedEvents,
  releasedEmail,
  revokedSessions,
  template,
  type UserFields,
  userTombstoneStatement,
  userUpsertStatement,
} from '@app/db';
import { emailIds, type OutboxRows } from '@app/notifications';
import { inArray } from 'drizzle-orm';
import {
  type ApplyDeps,
  type ApplyResult,
  applyEvent,
  claimAndFindParents,
  domainStatement,
  membershipFields,
  membershipOutbox,
  organizationOutbox,
  orgFields,
  splitType,
  staleStatement,
  userFields,
} from './apply';
import { SyncError } from './errors';
import {
  type EventEnvelope,
  membershipData,
  organizationData,
  organizationDomainData,
  parseData,
  sessionData,
  userData,
} from './events';
import { invitationData, invitationFields } from './invitations';
import { fetchParentOrganization, fetchParentUser } from './parents';
import { pipelineRows, type Statement, send } from './pipeline';

/** What became of one event of a batch: its result, or the error that fails its message alone. */
export type BatchOutcome = { ok: true; result: ApplyResult } | { ok: false; error: SyncError };

type Valid =
  | { kind: 'user'; deleted: boolean; data: ReturnType<typeof userData.parse> }
  | { kind: 'organization'; deleted: boolean; data: ReturnType<typeof organizationData.parse> }
  | { kind: 'organization_membership'; deleted: boolean; data: ReturnType<typeof membershipData.parse> }
  | { kind: 'organization_domain'; deleted: boolean; data: ReturnType<typeof organizationDomainData.parse> }
  | { kind: 'session'; data: ReturnType<typeof sessionData.parse> }
  | { kind: 'invitation'; data: ReturnType<typeof invitationData.parse> }
  | { kind: 'other' };

/**
 * The outcome of each event, and `unconfirmed`: a statement of the batch sent but not awaited (the
 * stale mark), so it travels with the COMMIT instead of costing a round trip of its own. The caller
 * must await it after the transaction commits: if it rejects, PostgreSQL had aborted the
 * transaction and turned the COMMIT into a rollback, so nothing of the batch was written.
 */
export type BatchResult = { outcomes: BatchOutcome[]; unconfirmed: Promise<unknown> | undefined };

/** An event's statements in the pipeline: [first, end) of it; the last one's rows say `applied`. */
type Span = { index: number; first: number; end: number; parentsFetched: number; outbox?: number };

/**
 * Applies the events of one SQS batch inside the caller's transaction with a handful of round
 * trips instead of two or more per event, with the same guarantees as applyEvent for each:
 * 1. each event's data is validated; one statement claims every inbox row (duplicates come back
 *    unclaimed and are acknowledged) and says which parents the memberships and domains refer to
 *    exist locally; an invalid claimed event fails alone and its inbox row is released;
 * 2. parents that neither the database nor an earlier event of the batch provides are fetched
 *    from WorkOS (a failure fails that event alone and releases its inbox row);
 * 3. every effect is one or two statements (the shared upsert statements: order guard,
 *    tombstones, email claims), all sent back to back and executed in the batch's order;
 * 4. one statement marks the stale ones in the inbox, sent without waiting for its answer.
 * A second copy of an event within the batch goes through applyEvent afterwards. A database error
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
  const firsts: { index: number; event?: Valid; error?: SyncError }[] = [];
  events.forEach((envelope, index) => {
    if (seen.has(envelope.id)) {
      repeats.push(index);
      return;
    }
    seen.add(envelope.id);
    try {
      firsts.push({ index, event: validate(envelope) });
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      firsts.push({ index, error });
    }
  });
  const {
    claimed,
    users: knownUsers,
    organizations: knownOrgs,
  } = await claimAndFindParents(ex, events, ...parentsOf(firsts.flatMap((f) => (f.event ? [f.event] : []))));
  const valid: { index: number; event: Valid }[] = [];
  const released: string[] = [];
  for (const { index, event, error } of firsts) {
    const id = events[index]?.id as string;
    if (!claimed.has(id)) outcomes[index] = { ok: true, result: { outcome: 'duplicate', parentsFetched: 0 } };
    else if (event) valid.push({ index, event });
    else if (error) {
      outcomes[index] = { ok: false, error };
      released.push(id);
    }
  }

  const statements: Statement[] = [];
  const spans: Span[] = [];

  for (const { index, event } of valid) {
    const first = statements.length;
    let parentsFetched = 0;
    try {
      if (event.kind === 'organization_membership' || event.kind === 'organization_domain') {
        const userId = event.kind === 'organization_membership' ? event.data.user_id : null;
        const orgId = event.data.organization_id;
        if (userId && !knownUsers.has(userId)) {
          const { fields, gone } = await fetchParentUser(userId, deps);
          statements.push(...userStatements(fields, gone));
          knownUsers.add(userId);
          parentsFetched++;
        }
        if (!knownOrgs.has(orgId)) {
          const { fields, gone } = await fetchParentOrganization(orgId, deps);
          statements.push(...organizationStatements(fields, gone));
          knownOrgs.add(orgId);
          parentsFetched++;
        }
      }
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      // A parent fetched before the failure stays written, as applyEvent leaves it.
      outcomes[index] = { ok: false, error };
      released.push(events[index]?.id as string);
      continue;
    }
    // The event's outbox statement (notifications) reads the state its effect replaces: it goes first.
    let outbox: number | undefined;
    if (event.kind === 'organization_membership') {
      outbox = statements.push(membershipOutbox(event.data, event.deleted)) - 1;
    } else if (event.kind === 'organization' && !event.deleted) {
      outbox = statements.push(organizationOutbox(event.data)) - 1;
    }
    const effectStart = statements.length;
    switch (event.kind) {
      case 'user':
        statements.push(...userStatements(userFields(event.data), event.deleted));
        knownUsers.add(event.data.id);
        break;
      case 'organization':
        statements.push(...organizationStatements(orgFields(event.data), event.deleted));
        knownOrgs.add(event.data.id);
        break;
      case 'organization_membership': {
        const {
          userId: workosUserId,
          organizationId: workosOrgId,
          ...fields
        } = membershipFields(event.data, {
          userId: event.data.user_id,
          organizationId: event.data.organization_id,
        });
        statements.push(membershipUpsertStatement({ ...fields, workosUserId, workosOrgId }));
        if (event.deleted) statements.push(membershipTombstoneStatement(fields.workosMembershipId));
        break;
      }
      case 'organization_domain':
        statements.push(domainStatement(event.data, event.deleted));
        break;
      case 'session':
        statements.push(
          template(
            'session.revoke',
            (x, v) =>
              x
                .insert(revokedSessions)
                .values(v)
                .onConflictDoNothing()
                .returning({ sessionId: revokedSessions.sessionId }),
            { sessionId: event.data.id, workosUserId: event.data.user_id ?? null },
          ),
        );
        break;
      case 'invitation':
        statements.push(invitationUpsertStatement(invitationFields(event.data)));
        break;
      default:
        break;
    }
    if (statements.length === effectStart) {
      outcomes[index] = { ok: true, result: { outcome: 'ignored', parentsFetched } };
    } else
      spans.push({
        index,
        first,
        end: statements.length,
        parentsFetched,
        ...(outbox === undefined ? {} : { outbox }),
      });
  }
  if (released.length) {
    statements.push(ex.delete(processedEvents).where(inArray(processedEvents.eventId, released)));
  }

  const rows = statements.length ? await pipelineRows(ex, statements) : [];
  const stale: string[] = [];
  for (const span of spans) {
    const applied = (rows[span.end - 1]?.length ?? 0) > 0;
    if (!applied) stale.push(events[span.index]?.id as string);
    const notify = span.outbox === undefined ? [] : emailIds((rows[span.outbox] ?? []) as OutboxRows);
    outcomes[span.index] = {
      ok: true,
      result: {
        outcome: applied ? 'applied' : 'stale',
        parentsFetched: span.parentsFetched,
        ...(notify.length ? { notify } : {}),
      },
    };
  }
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

/** The event's data checked for its type (InvalidEventError when it cannot be applied). */
function validate(event: EventEnvelope): Valid {
  const [kind, action] = splitType(event.event);
  const deleted = action === 'deleted';
  switch (kind) {
    case 'user':
      return { kind, deleted, data: parseData(userData, event) };
    case 'organization':
      return { kind, deleted, data: parseData(organizationData, event) };
    case 'organization_membership':
      return { kind, deleted, data: parseData(membershipData, event) };
    case 'organization_domain':
      return { kind, deleted, data: parseData(organizationDomainData, event) };
    case 'session':
      return { kind, data: parseData(sessionData, event) };
    case 'invitation':
      return { kind, data: parseData(invitationData, event) };
    default:
      return { kind: 'other' };
  }
}

/**
 * Every parent the batch's memberships and domains refer to: which have a local row decides which
 * are fetched from WorkOS (unless an event of the batch writes them first).
 */
function parentsOf(events: Valid[]): [string[], string[]] {
  const users = new Set<string>();
  const orgs = new Set<string>();
  for (const event of events) {
    if (event.kind === 'organization_membership') users.add(event.data.user_id);
    if (event.kind === 'organization_membership' || event.kind === 'organization_domain') {
      orgs.add(event.data.organization_id);
    }
  }
  return [[...users], [...orgs]];
}

/** upsertUser, or tombstoneUser when `deleted`, as statements; the last one's rows mean applied. */
function userStatements(fields: UserFields, deleted: boolean) {
  if (!deleted) return [userUpsertStatement(fields)];
  return [
    userUpsertStatement({ ...fields, email: releasedEmail(fields.workosId) }),
    userTombstoneStatement(fields.workosId),
  ];
}

/** upsertOrganization, or tombstoneOrganization when `deleted`, as statements. */
function organizationStatements(fields: OrganizationFields, deleted: boolean) {
  if (!deleted) return [organizationUpsertStatement(fields)];
  return [organizationUpsertStatement(fields), organizationTombstoneStatement(fields.workosOrgId)];
}
