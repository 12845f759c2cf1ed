import {
  type OrganizationFields,
  releasedEmail,
  type UserFields,
  userFieldsFromWorkOS,
  type WorkOSUserRecord,
} from '@app/db';
import { NotFoundException } from '@workos-inc/node';
import { ParentUnavailableError, SyncError } from './errors';

/** The SDK's raw GET (`workos.get(path, { query })`): WorkOS JSON, snake_case, unconverted (reconcile, backfill). */
export type WorkOSGet = {
  get(
    path: string,
    options: { query?: Record<string, unknown>; maxRetries?: number },
  ): Promise<{ data: unknown }>;
};

/** The two WorkOS API calls the worker makes: fetching a parent a membership needs. */
export type ParentSource = {
  userManagement: {
    getUser(id: string): Promise<WorkOSUserRecord>;
  };
  organizations: {
    getOrganization(id: string): Promise<{
      id: string;
      name: string;
      domains: { id: string; domain: string; state: string; updatedAt?: string }[];
      updatedAt: string;
    }>;
  };
};

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
  try {
    const user = await deps.workos.userManagement.getUser(workosId);
    return { gone: false, fields: userFieldsFromWorkOS(user) };
  } catch (error) {
    if (!(error instanceof NotFoundException)) {
      throw new ParentUnavailableError(`WorkOS user ${workosId} could not be fetched`, { cause: error });
    }
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
}

/** fetchParentUser for an organization (a membership's or a domain's). */
export async function fetchParentOrganization(
  workosOrgId: string,
  deps: ParentDeps,
): Promise<FetchedOrganization> {
  try {
    const org = await deps.workos.organizations.getOrganization(workosOrgId);
    return {
      gone: false,
      fields: {
        workosOrgId: org.id,
        name: org.name,
        domains: org.domains.map((d) => ({
          id: d.id,
          domain: d.domain,
          state: d.state,
          ...(d.updatedAt ? { updatedAt: d.updatedAt } : {}),
        })),
        updatedAt: org.updatedAt,
      },
    };
  } catch (error) {
    if (!(error instanceof NotFoundException)) {
      throw new ParentUnavailableError(`WorkOS organization ${workosOrgId} could not be fetched`, {
        cause: error,
      });
    }
    // No name: WorkOS has none to give (the slug comes from the id, see organizationValues).
    return { gone: true, fields: { workosOrgId, name: '', domains: [], updatedAt: deps.clock() } };
  }
}
