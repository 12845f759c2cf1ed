import { and, eq, getTableColumns, isNull, type Query, type SQL, sql } from 'drizzle-orm';
import type { Executor } from './client';
import { type OrganizationDomain, organizations } from './schema';
import { type Bind, isUniqueViolation, template } from './statements';
import * as synced from './synced';

export type Organization = typeof organizations.$inferSelect;

export type OrganizationFields = synced.VersionFields & {
  workosOrgId: string;
  /** WorkOS's name; empty for a stand-in of an organization WorkOS no longer has. */
  name: string;
  /** WorkOS domains; left unchanged when omitted. */
  domains?: OrganizationDomain[];
};

/** `Acme Corp.` -> `acme-corp`: lowercase ASCII letters, digits and single dashes. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return slug || 'org';
}

/** The version of a domain element of `organizations.domains` (or `deleted_domains`), by its SQL alias. */
export const elementVersion = (element: string): synced.Version => ({
  at: sql.raw(`(${element}->>'updatedAt')::timestamptz`),
  eventId: sql.raw(`(${element}->>'eventId')`),
});

/**
 * The domain list an organization state brings, merged with the stored one: a stored element whose
 * own version is newer than the organization state (an organization_domain.* event applied since)
 * is kept over the incoming one; a domain WorkOS deleted (deleted_domains) never comes back.
 */
function mergeDomains(incoming: Bind<string>, version: synced.Version) {
  return sql`(
    SELECT COALESCE(jsonb_agg(m.e ORDER BY m.src, m.ord), '[]'::jsonb) FROM (
      SELECT DISTINCT ON (u.e->>'id') u.e, u.src, u.ord FROM (
        SELECT i.e, 0 AS src, i.ord FROM jsonb_array_elements(${incoming}::jsonb) WITH ORDINALITY AS i(e, ord)
        UNION ALL
        SELECT s.e, 1 AS src, s.ord FROM jsonb_array_elements(${organizations.domains})
          WITH ORDINALITY AS s(e, ord) WHERE ${synced.isNewer(version, elementVersion('s.e'))}
      ) u
      WHERE NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(${organizations.deletedDomains}) AS x(e) WHERE x.e->>'id' = u.e->>'id')
      ORDER BY u.e->>'id', u.src DESC
    ) m)`;
}

type OrganizationValues = {
  workosOrgId: Bind<string>;
  name: Bind<string>;
  /** The slug's base (slugify of the name) and its LIKE pattern for numbered variants. */
  base: Bind<string>;
  numbered: Bind<string>;
  domains: Bind<OrganizationDomain[]>;
  /** The domains as JSON text, merged on update (only when the input has them). */
  incoming: Bind<string>;
  workosUpdatedAt: Bind<Date>;
  at: Bind<string>;
  workosEventId: Bind<string | null>;
};

function organizationValues(input: OrganizationFields): OrganizationValues {
  // A stand-in without a name takes its slug from the WorkOS id, so it takes no real name's slug.
  const base = slugify(input.name || input.workosOrgId);
  // Each element carries the version it is known at: its own updated_at, and this state's event.
  const domains = (input.domains ?? []).map((d) => ({
    ...d,
    ...(input.eventId ? { eventId: input.eventId } : {}),
  }));
  return {
    workosOrgId: input.workosOrgId,
    name: input.name,
    base,
    numbered: `${base}-%`,
    domains,
    incoming: JSON.stringify(domains),
    ...synced.versionValues(input),
  };
}

/**
 * THE organization upsert as one statement: order guard, tombstone, domains merged, and for a new
 * organization the first free slug among `base`, `base-2`, ... (an existing one keeps its slug, so
 * a rename never breaks links). Returns the row's id only when it inserted or updated it. It raises
 * a unique violation when a concurrent transaction takes the same new slug at the same moment:
 * upsertOrganization runs it again, the worker fails the batch into its per-event retry.
 */
function buildOrganizationUpsert(ex: Executor, v: OrganizationValues, shape: { domains: boolean }) {
  const slug = sql<string>`COALESCE(
    (SELECT slug FROM ${organizations} WHERE workos_org_id = ${v.workosOrgId}),
    CASE WHEN NOT EXISTS (SELECT 1 FROM ${organizations} WHERE slug = ${v.base}) THEN ${v.base}
    ELSE ${v.base} || '-' || (
      SELECT min(n) FROM generate_series(
        2, (SELECT count(*)::int FROM ${organizations} WHERE slug LIKE ${v.numbered}) + 2) AS n
      WHERE NOT EXISTS (SELECT 1 FROM ${organizations} WHERE slug = ${v.base} || '-' || n))
    END)`;
  return ex
    .insert(organizations)
    .values({
      workosOrgId: v.workosOrgId,
      name: v.name,
      slug,
      domains: v.domains,
      workosUpdatedAt: v.workosUpdatedAt,
      workosEventId: v.workosEventId,
    })
    .onConflictDoUpdate({
      target: organizations.workosOrgId,
      set: {
        ...synced.takeExcluded(organizations, ['name']),
        ...(shape.domains
          ? { domains: mergeDomains(v.incoming, synced.boundVersion(v.at, v.workosEventId)) }
          : {}),
      },
      setWhere: and(
        isNull(organizations.deletedAt),
        synced.isNewer(synced.storedVersion('organizations'), synced.excludedVersion),
      ),
    });
}

/** organizationUpsert as SQL text and parameters from a compiled template. */
export function organizationUpsertStatement(input: OrganizationFields): Query {
  const shape = { domains: Boolean(input.domains) };
  return template(
    `organization.upsert.${shape.domains}`,
    (ex, v) => buildOrganizationUpsert(ex, v, shape).returning({ id: organizations.id }),
    organizationValues(input),
  );
}

/**
 * Inserts or updates an organization from WorkOS data (the login callback), through the same
 * statement as the worker; a slug taken concurrently is picked again in a fresh savepoint.
 */
export async function upsertOrganization(
  ex: Executor,
  input: OrganizationFields,
): Promise<synced.UpsertResult<Organization>> {
  const shape = { domains: Boolean(input.domains) };
  for (let attempt = 1; ; attempt++) {
    try {
      const [applied] = await ex.transaction((tx) =>
        buildOrganizationUpsert(tx, organizationValues(input), shape).returning({
          ...getTableColumns(organizations),
          inserted: synced.insertedFlag,
        }),
      );
      if (applied) return synced.appliedResult(applied);
      break;
    } catch (error) {
      if (attempt >= 5 || !isUniqueViolation(error)) throw error;
    }
  }
  const [current] = await ex
    .select()
    .from(organizations)
    .where(eq(organizations.workosOrgId, input.workosOrgId));
  return synced.refusedResult(current, `organization ${input.workosOrgId}`);
}

/** THE organization tombstone (`deleted_at`, `is_active = false`) of the live rows `which` picks. */
export const buildOrganizationTombstone = (ex: Executor, which: SQL | undefined) =>
  ex
    .update(organizations)
    .set({ deletedAt: sql`now()`, isActive: false, updatedAt: sql`now()` })
    .where(and(isNull(organizations.deletedAt), which));

/** The statements of a WorkOS organization state: its upsert, then its tombstone when deleted. */
export function organizationStatements(fields: OrganizationFields, deleted: boolean): Query[] {
  if (!deleted) return [organizationUpsertStatement(fields)];
  return [
    organizationUpsertStatement(fields),
    template(
      'organization.tombstone',
      (ex, v) =>
        buildOrganizationTombstone(ex, eq(organizations.workosOrgId, v.workosOrgId)).returning({
          id: organizations.id,
        }),
      { workosOrgId: fields.workosOrgId },
    ),
  ];
}

/** Applies an organization state outside the worker, then a tombstone when deleted. */
export const tombstoneOrganization = (ex: Executor, input: OrganizationFields) =>
  synced.settleTombstone(upsertOrganization(ex, input), () =>
    buildOrganizationTombstone(ex, eq(organizations.workosOrgId, input.workosOrgId)).returning(),
  );
