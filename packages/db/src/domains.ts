import { type Query, sql } from 'drizzle-orm';
import { elementVersion } from './organizations';
import { organizations } from './schema';
import { template } from './statements';
import { boundVersion, isNewer, storedVersion } from './version';

/** An organization_domain.* state: the domain, its organization, and its version. */
export type DomainState = {
  id: string;
  workosOrgId: string;
  domain: string;
  state: string;
  /** WorkOS `updated_at` of the domain. */
  updatedAt: string;
  eventId: string | null;
};

/**
 * THE organization_domain.* statement: one element of the organization's `domains` replaced,
 * added, or on `deleted` removed and remembered in `deleted_domains` (a tombstone: domain ids are
 * never reused, so no older event brings the domain back). It applies only when its version is
 * newer than the organization's own state (whose domain list already holds every change up to it)
 * and than the element's. Returns the organization's id only when it changed it.
 */
export function domainStatement(d: DomainState, deleted: boolean): Query {
  const element = JSON.stringify({
    id: d.id,
    domain: d.domain,
    state: d.state,
    updatedAt: d.updatedAt,
    ...(d.eventId ? { eventId: d.eventId } : {}),
  });
  const tombstone = JSON.stringify({ id: d.id, updatedAt: d.updatedAt, eventId: d.eventId });
  return template(
    `domain.${deleted ? 'delete' : 'put'}`,
    (_, v) => {
      const version = boundVersion(v.at, v.eventId);
      const kept = deleted ? sql`FILTER (WHERE e->>'id' <> ${v.id})` : sql``;
      const appended = deleted
        ? sql`'[]'::jsonb`
        : sql`CASE WHEN NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements(domains) AS x(e) WHERE x.e->>'id' = ${v.id}
          ) THEN jsonb_build_array(${v.element}::jsonb) ELSE '[]'::jsonb END`;
      return sql`
        UPDATE ${organizations} SET
          domains = (
            SELECT COALESCE(jsonb_agg(CASE WHEN e->>'id' = ${v.id} THEN ${v.element}::jsonb ELSE e END ORDER BY ord) ${kept}, '[]'::jsonb)
            FROM jsonb_array_elements(domains) WITH ORDINALITY AS t(e, ord)
          ) || ${appended},
          ${deleted ? sql`deleted_domains = deleted_domains || jsonb_build_array(${v.tombstone}::jsonb),` : sql``}
          updated_at = now()
        WHERE workos_org_id = ${v.workosOrgId}
          AND deleted_at IS NULL
          AND ${isNewer(storedVersion('organizations'), version)}
          AND NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements(domains) AS x(e)
            WHERE x.e->>'id' = ${v.id} AND NOT ${isNewer(elementVersion('x.e'), version)})
          AND NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements(deleted_domains) AS x(e) WHERE x.e->>'id' = ${v.id})
        RETURNING id`;
    },
    {
      workosOrgId: d.workosOrgId,
      id: d.id,
      element,
      tombstone,
      at: d.updatedAt,
      eventId: d.eventId,
    },
  );
}
