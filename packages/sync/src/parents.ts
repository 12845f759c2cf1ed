import { statusOf } from '@app/config/retry';
import { segment, type WorkOSApi } from '@app/config/workos-api';
import { type OrganizationFields, releasedEmail, type UserFields } from '@app/db';
import type * as z from 'zod';
import { ParentUnavailableError, SyncError } from './errors';
import { organizationData, userData } from './events';
import { orgFields, userFields } from './registry';

/** The WorkOS REST client's GET (@app/config/workos-api): WorkOS JSON, snake_case (reconcile, backfill, parents). */
export type WorkOSGet = Pick<WorkOSApi, 'get'>;

/** What the worker asks WorkOS: the parents a membership or a domain needs. */
export type ParentSource = WorkOSGet;

/**
 * `prefetched`: the parents fetched before the transaction opened (the worker). With it, the planner
 * never calls WorkOS: a missing parent it does not hold fails its change (ParentUnavailableError, a
 * retry), so no transaction stays open across an HTTP call.
 */
export type ParentDeps = { workos: ParentSource; clock: () => Date; prefetched?: PrefetchedParents };

/** A parent as WorkOS has it now, ready for the shared upserts; `gone` when WorkOS answered 404. */
export type FetchedUser = { fields: UserFields; gone: boolean };
export type FetchedOrganization = { fields: OrganizationFields; gone: boolean };

/** Parents fetched ahead of a transaction: each WorkOS id's state, or the error that fails the changes needing it. */
export type PrefetchedParents = {
  users: Map<string, FetchedUser | SyncError>;
  organizations: Map<string, FetchedOrganization | SyncError>;
};

/** A user the planner needs: from the prefetched parents when given, else asked of WorkOS now. */
export function parentUser(workosId: string, deps: ParentDeps): Promise<FetchedUser> {
  return deps.prefetched ? held(deps.prefetched.users, 'user', workosId) : fetchParentUser(workosId, deps);
}

/** parentUser for an organization. */
export function parentOrganization(workosOrgId: string, deps: ParentDeps): Promise<FetchedOrganization> {
  return deps.prefetched
    ? held(deps.prefetched.organizations, 'organization', workosOrgId)
    : fetchParentOrganization(workosOrgId, deps);
}

async function held<T>(map: Map<string, T | SyncError>, what: string, id: string): Promise<T> {
  const found = map.get(id);
  if (found instanceof SyncError) throw found;
  // Known when the worker looked before the transaction, missing inside it: fetched on the retry.
  if (found === undefined) throw new ParentUnavailableError(`WorkOS ${what} ${id} was not fetched ahead`);
  return found;
}

/** A fetch's result, or its SyncError kept for the changes that need it (other errors throw). */
export async function settle<T>(fetching: Promise<T>): Promise<T | SyncError> {
  try {
    return await fetching;
  } catch (error) {
    if (error instanceof SyncError) return error;
    throw error;
  }
}

/**
 * Asks WorkOS for a user an event about it (a membership) came before: its state as read from the
 * API (no event id: the newest of its millisecond). WorkOS answering 404 means the user is already
 * deleted there: a tombstone stands in, dated now, so every older event about it is stale, and it
 * shows nothing WorkOS did not say (no name, a released address). Any other failure ->
 * ParentUnavailableError (retry).
 */
export async function fetchParentUser(workosId: string, deps: ParentDeps): Promise<FetchedUser> {
  const user = await fetchParent(deps, 'user', workosId, '/user_management/users/', userData);
  if (user) return { gone: false, fields: userFields(user) };
  return {
    gone: true,
    fields: {
      workosId,
      email: releasedEmail(workosId),
      firstName: '',
      lastName: '',
      updatedAt: deps.clock(),
    },
  };
}

/** fetchParentUser for an organization (a membership's or a domain's). */
export async function fetchParentOrganization(
  workosOrgId: string,
  deps: ParentDeps,
): Promise<FetchedOrganization> {
  const org = await fetchParent(deps, 'organization', workosOrgId, '/organizations/', organizationData);
  if (org) return { gone: false, fields: orgFields(org) };
  // No name: WorkOS has none to give (the slug comes from the id, see organizationValues).
  return { gone: true, fields: { workosOrgId, name: '', domains: [], updatedAt: deps.clock() } };
}

/**
 * GET one parent and check it against its event schema (an object read from the API is a state of
 * the same kind). undefined when WorkOS answered 404; any other failure, or an answer of another
 * shape, is ParentUnavailableError (a retry).
 */
async function fetchParent<T>(
  deps: ParentDeps,
  what: string,
  id: string,
  collection: string,
  schema: z.ZodType<T>,
): Promise<T | undefined> {
  let body: unknown;
  try {
    body = await deps.workos.get(`${collection}${segment(id)}`);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw new ParentUnavailableError(`WorkOS ${what} ${id} could not be fetched`, { cause: error });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ParentUnavailableError(`WorkOS answered ${what} ${id} in an unexpected shape`);
  return parsed.data;
}
