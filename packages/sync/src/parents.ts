import {
  type Executor,
  type OrganizationFields,
  organizations,
  releasedEmail,
  tombstoneOrganization,
  tombstoneUser,
  type UserFields,
  upsertOrganization,
  upsertUser,
  userFieldsFromWorkOS,
  users,
  type WorkOSUserRecord,
} from '@app/db';
import { NotFoundException } from '@workos-inc/node';
import { sql } from 'drizzle-orm';
import { ParentUnavailableError } from './errors';

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

export type ParentDeps = { workos: ParentSource; clock: () => Date };
export type ParentIds = { userId: string; organizationId: string; fetched: number };

/** Local ids of a user and an organization by WorkOS id, in one query; null when not local. */
async function localIds(ex: Executor, workosUserId: string | null, workosOrgId: string | null) {
  const rows = await ex.execute<{ user_id: string | null; org_id: string | null }>(sql`
    SELECT (SELECT id FROM ${users} WHERE workos_id = ${workosUserId}) AS user_id,
           (SELECT id FROM ${organizations} WHERE workos_org_id = ${workosOrgId}) AS org_id`);
  const row = rows[0];
  return { userId: row?.user_id ?? null, organizationId: row?.org_id ?? null };
}

/** A parent as WorkOS has it now, ready for the shared upserts; `gone` when WorkOS answered 404. */
export type FetchedUser = { fields: UserFields; gone: boolean };
export type FetchedOrganization = { fields: OrganizationFields; gone: boolean };

/**
 * Asks WorkOS for a user an event about it (a membership) came before. WorkOS answering 404 means
 * the user is already deleted there: a tombstone stands in, dated now, so every older event about
 * it is stale. Any other failure -> ParentUnavailableError (retry).
 */
export async function fetchParentUser(workosId: string, deps: ParentDeps): Promise<FetchedUser> {
  try {
    const user = await deps.workos.userManagement.getUser(workosId);
    return { gone: false, fields: userFieldsFromWorkOS(user) };
  } catch (error) {
    if (!(error instanceof NotFoundException)) {
      throw new ParentUnavailableError(`WorkOS user ${workosId} could not be fetched`, { cause: error });
    }
    return { gone: true, fields: { workosId, email: releasedEmail(workosId), updatedAt: deps.clock() } };
  }
}

/** fetchParentUser for an organization. */
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
    return { gone: true, fields: { workosOrgId, name: workosOrgId, updatedAt: deps.clock() } };
  }
}

async function fetchUser(ex: Executor, workosId: string, deps: ParentDeps): Promise<string> {
  const { fields, gone } = await fetchParentUser(workosId, deps);
  return (gone ? await tombstoneUser(ex, fields) : await upsertUser(ex, fields)).row.id;
}

async function fetchOrganization(ex: Executor, workosOrgId: string, deps: ParentDeps): Promise<string> {
  const { fields, gone } = await fetchParentOrganization(workosOrgId, deps);
  return (gone ? await tombstoneOrganization(ex, fields) : await upsertOrganization(ex, fields)).row.id;
}

/** Local ids of a membership's user and organization, fetching whichever is not local yet. */
export async function ensureParents(
  ex: Executor,
  workosUserId: string,
  workosOrgId: string,
  deps: ParentDeps,
): Promise<ParentIds> {
  const ids = await localIds(ex, workosUserId, workosOrgId);
  let fetched = 0;
  if (!ids.userId) {
    ids.userId = await fetchUser(ex, workosUserId, deps);
    fetched++;
  }
  if (!ids.organizationId) {
    ids.organizationId = await fetchOrganization(ex, workosOrgId, deps);
    fetched++;
  }
  return { userId: ids.userId, organizationId: ids.organizationId, fetched };
}

/** Local id of an organization, fetched from WorkOS when not local yet (organization_domain.*). */
export async function ensureOrganization(ex: Executor, workosOrgId: string, deps: ParentDeps) {
  const { organizationId } = await localIds(ex, null, workosOrgId);
  if (organizationId) return { organizationId, fetched: 0 };
  return { organizationId: await fetchOrganization(ex, workosOrgId, deps), fetched: 1 };
}
