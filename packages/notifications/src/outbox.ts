import {
  type Executor,
  notifications,
  type OrganizationRole,
  organizationMemberships,
  organizations,
  roleFromSlug,
  template,
  users,
} from '@app/db';
import type { Query } from 'drizzle-orm';
import { type SQL, sql } from 'drizzle-orm';
import { templatesJson } from './templates';

/**
 * The transactional outbox: notification rows are written by the same transaction as the change
 * that causes them, by ONE statement per change, which must run BEFORE the change is applied (it
 * reads the state the change replaces and applies the sync order guard itself). IN_APP rows are
 * SENT at once; EMAIL rows are PENDING and their ids are enqueued after COMMIT (the sweep re-queues
 * any the enqueue missed). Recipients who opted out (preferences.notifications) get no row.
 */

/** A membership change as WorkOS states it (an organization_membership.* event or a management write). */
export type MembershipChange = {
  workosUserId: string;
  workosOrgId: string;
  workosMembershipId: string;
  status: 'active' | 'inactive' | 'pending';
  roleSlug: string | null;
  /** WorkOS `updated_at` of the new state: the order guard compares it with the stored one. */
  updatedAt: string;
  deleted: boolean;
};

/** An organization update as WorkOS states it: a rename notifies its owners and admins. */
export type OrganizationChange = { workosOrgId: string; name: string; updatedAt: string };

/** What a statement wrote: ids of the EMAIL rows to enqueue once the transaction commits. */
export type OutboxRows = { id: string; type: string }[];

const roleLabel = (role: OrganizationRole) => role.toLowerCase();

/**
 * Rows for `recipients` (a SELECT of user_id, preferences, kind, organization_id, organization_name,
 * role, previous_role, previous_name), one per channel of the kind's template that the user did
 * not switch off.
 */
function insertFor(recipients: SQL, templatesParam: unknown) {
  const t = sql`(${templatesParam}::jsonb -> r.kind)`;
  const fill = (text: SQL) =>
    sql`replace(replace(replace(replace(${text}, '{organization}', r.organization_name),
      '{role}', coalesce(r.role, '')), '{previousRole}', coalesce(r.previous_role, '')),
      '{previousName}', coalesce(r.previous_name, ''))`;
  return sql`
    INSERT INTO ${notifications} (user_id, type, status, subject, message, metadata, sent_at)
    SELECT r.user_id, ch.type::"NotificationType",
      (CASE ch.type WHEN 'IN_APP' THEN 'SENT' ELSE 'PENDING' END)::"NotificationStatus",
      ${fill(sql`${t} ->> 'subject'`)}, ${fill(sql`${t} ->> 'text'`)},
      jsonb_strip_nulls(jsonb_build_object('kind', r.kind, 'organizationId', r.organization_id,
        'organizationName', r.organization_name, 'role', r.role, 'previousRole', r.previous_role,
        'previousName', r.previous_name)),
      CASE ch.type WHEN 'IN_APP' THEN now() END
    FROM (${recipients}) r
    CROSS JOIN jsonb_array_elements_text(${t} -> 'channels') AS ch(type)
    WHERE r.kind IS NOT NULL
      AND coalesce(r.preferences #> ARRAY['notifications', r.kind, lower(ch.type)] <> 'false'::jsonb, true)
    RETURNING id, type`;
}

/**
 * The outbox statement of a membership change (run it before the change): `member_added` when the
 * user becomes an active member, `role_changed` when an active member's role changes,
 * `member_removed` when an active membership is deleted or stops being active. Nothing when the
 * change is older than the stored state (the membership upsert's order guard and tombstone rules)
 * or changes nothing a user would notice.
 */
export function membershipChangeStatement(change: MembershipChange): Query {
  return template(
    'notifications.membership-change',
    (_, v) => {
      const newer = sql`(c.workos_updated_at IS NULL OR c.workos_updated_at < ${v.at}::timestamptz)`;
      const kind = sql`CASE
        WHEN c.user_id IS NULL THEN
          CASE WHEN NOT ${v.deleted}::boolean AND ${v.status} = 'active' THEN 'member_added' END
        WHEN ${v.deleted}::boolean THEN
          -- The tombstone buries the row when the event is newer or names the stored membership.
          CASE WHEN c.deleted_at IS NULL AND c.status = 'active'
            AND (${newer} OR c.workos_membership_id = ${v.workosMembershipId}) THEN 'member_removed' END
        WHEN NOT (${newer} AND (c.deleted_at IS NULL
          OR c.workos_membership_id IS DISTINCT FROM ${v.workosMembershipId})) THEN NULL
        WHEN c.deleted_at IS NOT NULL OR c.status <> 'active' THEN
          CASE WHEN ${v.status} = 'active' THEN 'member_added' END
        WHEN ${v.status} <> 'active' THEN 'member_removed'
        WHEN c.role::text <> ${v.role} THEN 'role_changed'
      END`;
      const recipients = sql`
        SELECT u.id AS user_id, u.preferences, ${kind} AS kind, o.id AS organization_id,
          o.name AS organization_name, ${v.roleLabel}::text AS role,
          CASE WHEN c.deleted_at IS NULL THEN lower(c.role::text) END AS previous_role,
          NULL::text AS previous_name
        FROM ${users} u
        JOIN ${organizations} o ON o.workos_org_id = ${v.workosOrgId}
        LEFT JOIN ${organizationMemberships} c ON c.user_id = u.id AND c.organization_id = o.id
        WHERE u.workos_id = ${v.workosUserId} AND u.deleted_at IS NULL`;
      return insertFor(recipients, v.templates);
    },
    {
      workosUserId: change.workosUserId,
      workosOrgId: change.workosOrgId,
      workosMembershipId: change.workosMembershipId,
      status: change.status,
      role: roleFromSlug(change.roleSlug),
      roleLabel: roleLabel(roleFromSlug(change.roleSlug)),
      at: new Date(change.updatedAt).toISOString(),
      deleted: change.deleted,
      templates: templatesJson,
    },
  );
}

/**
 * The outbox statement of an organization update (run it before the update): when the update is
 * newer than the stored state and changes the name, `organization_renamed` for each active owner
 * and admin.
 */
export function organizationChangeStatement(change: OrganizationChange): Query {
  return template(
    'notifications.organization-change',
    (_, v) => {
      const recipients = sql`
        SELECT u.id AS user_id, u.preferences, 'organization_renamed' AS kind, o.id AS organization_id,
          ${v.name}::text AS organization_name, NULL::text AS role, NULL::text AS previous_role,
          o.name AS previous_name
        FROM ${organizations} o
        JOIN ${organizationMemberships} m ON m.organization_id = o.id AND m.deleted_at IS NULL
          AND m.status = 'active' AND m.role IN ('OWNER', 'ADMIN')
        JOIN ${users} u ON u.id = m.user_id AND u.deleted_at IS NULL
        WHERE o.workos_org_id = ${v.workosOrgId} AND o.deleted_at IS NULL
          AND (o.workos_updated_at IS NULL OR o.workos_updated_at < ${v.at}::timestamptz)
          AND o.name <> ${v.name}`;
      return insertFor(recipients, v.templates);
    },
    {
      workosOrgId: change.workosOrgId,
      name: change.name,
      at: new Date(change.updatedAt).toISOString(),
      templates: templatesJson,
    },
  );
}

/**
 * The outbox statement of an invitation: an in-app note for the invitee when they already have an
 * account here (the invitation email itself is WorkOS's).
 */
export function invitationStatement(invitation: {
  email: string;
  workosOrgId: string;
  roleSlug: string | null;
}) {
  return template(
    'notifications.invitation',
    (_, v) => {
      const recipients = sql`
        SELECT u.id AS user_id, u.preferences, 'invited' AS kind, o.id AS organization_id,
          o.name AS organization_name, ${v.roleLabel}::text AS role, NULL::text AS previous_role,
          NULL::text AS previous_name
        FROM ${users} u JOIN ${organizations} o ON o.workos_org_id = ${v.workosOrgId} AND o.deleted_at IS NULL
        WHERE lower(u.email) = lower(${v.email}) AND u.deleted_at IS NULL`;
      return insertFor(recipients, v.templates);
    },
    {
      email: invitation.email,
      workosOrgId: invitation.workosOrgId,
      roleLabel: roleLabel(roleFromSlug(invitation.roleSlug)),
      templates: templatesJson,
    },
  );
}

/** The ids to enqueue after COMMIT from the rows an outbox statement returned. */
export const emailIds = (rows: OutboxRows) => rows.filter((r) => r.type === 'EMAIL').map((r) => r.id);

/**
 * Runs an outbox statement in the caller's transaction (before the change it describes) and returns
 * the EMAIL ids to enqueue after COMMIT: the narrow entry point for writers other than the
 * pipelined sync batch (a management route, the single-event sync path).
 */
export async function writeOutbox(ex: Executor, statement: Query): Promise<string[]> {
  const client = (
    ex._.session as unknown as { client?: { unsafe: (q: string, p: unknown[]) => Promise<unknown> } }
  ).client;
  if (!client) throw new Error('writeOutbox needs a postgres.js drizzle executor');
  return emailIds((await client.unsafe(statement.sql, statement.params as unknown[])) as OutboxRows);
}
