import {
  buildMembershipTombstone,
  buildOrganizationTombstone,
  buildUserTombstone,
  type Database,
  organizationMemberships,
  organizations,
  users,
} from '@app/db';
import { and, lt, sql } from 'drizzle-orm';

export type SweepCounts = { users: number; organizations: number; memberships: number };

/**
 * The end of a full run: tombstones (through the same tombstones as WorkOS's delete events) every
 * live user, organization and membership this run did not see at WorkOS, if it existed locally
 * before the run began (rows created since come from events about objects that exist). One
 * transaction of three set-based statements, so it fits any time budget.
 */
export async function sweepUnseen(db: Database, run: string, startedAt: Date): Promise<SweepCounts> {
  return db.transaction(async (tx) => {
    const unseen = (table: typeof users | typeof organizations | typeof organizationMemberships) =>
      and(sql`${table.sweepRun} IS DISTINCT FROM ${run}`, lt(table.createdAt, startedAt));
    const memberships = await buildMembershipTombstone(tx, unseen(organizationMemberships)).returning({
      id: organizationMemberships.id,
    });
    const gone = await buildUserTombstone(tx, unseen(users)).returning({ id: users.id });
    const orgs = await buildOrganizationTombstone(tx, unseen(organizations)).returning({
      id: organizations.id,
    });
    return { users: gone.length, organizations: orgs.length, memberships: memberships.length };
  });
}
