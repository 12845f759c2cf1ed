import {
  and,
  eq,
  fillPlaceholders,
  getTableColumns,
  isNull,
  or,
  type Placeholder,
  type Query,
  type SQL,
  sql,
} from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Executor } from './client';
import * as schema from './schema';
import { type OrganizationDomain, organizationMemberships, organizations, users } from './schema';

/**
 * The one place WorkOS-owned rows are written, shared by the login callback and the sync worker so
 * both obey the same rules:
 * - order guard: WorkOS fields change only when the incoming WorkOS `updated_at` is newer than the
 *   stored `workos_updated_at` (events arrive out of order and more than once);
 * - a tombstoned row (`deleted_at` set) is never brought back by an upsert.
 * Every function takes an Executor, so it runs alone or inside the caller's transaction, and never
 * raises a unique violation it could avoid (that would abort the caller's transaction).
 */

export type UpsertOutcome = 'inserted' | 'updated' | 'stale' | 'tombstoned';
export type UpsertResult<T> = { outcome: UpsertOutcome; row: T };

export type User = typeof users.$inferSelect;
export type Organization = typeof organizations.$inferSelect;
export type Membership = typeof organizationMemberships.$inferSelect;
export type OrganizationRole = Membership['role'];
export type MembershipStatus = Membership['status'];

/** A WorkOS role slug as the local role enum: owner, admin, viewer; anything else is MEMBER. */
export function roleFromSlug(slug: string | null | undefined): OrganizationRole {
  switch (slug?.toLowerCase()) {
    case 'owner':
      return 'OWNER';
    case 'admin':
      return 'ADMIN';
    case 'viewer':
      return 'VIEWER';
    default:
      return 'MEMBER';
  }
}

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

/** True when the stored WorkOS version is older than the incoming one (the `excluded` row). */
const newerThanStored = (column: typeof users.workosUpdatedAt | typeof organizations.workosUpdatedAt) =>
  sql`(${column} IS NULL OR ${column} < excluded.workos_updated_at)`;

const insertedFlag = sql<boolean>`(xmax = 0)`;

/** A value bound to a statement, or the placeholder a template binds it through. */
type Bind<T> = T | Placeholder;
/** One placeholder per field of T, named after it. */
type Holders<T> = { [K in keyof T]-?: Placeholder };
const holders = <T extends Record<string, unknown>>(values: T) =>
  Object.fromEntries(Object.keys(values).map((name) => [name, sql.placeholder(name)])) as Holders<T>;

/** Builds statements only (a template is compiled once, never run through it). */
const builder = drizzle.mock({ schema }) as unknown as Executor;
const dialect = new PgDialect();
const templates = new Map<string, Query>();

/**
 * A statement as SQL text with positional parameters, ready for the driver. `build` is called
 * once per `key` with a placeholder for each field of `values` and compiled; later calls only bind `values`
 * (no query building per event). `build` must give the same text for the same key: what varies
 * between calls goes through `values`, what changes the text goes into the key.
 */
export function template<T extends Record<string, unknown>>(
  key: string,
  build: (ex: Executor, values: Holders<T>) => { toSQL(): Query } | SQL,
  values: T,
): Query {
  let compiled = templates.get(key);
  if (!compiled) {
    const statement = build(builder, holders(values));
    compiled = 'toSQL' in statement ? statement.toSQL() : dialect.sqlToQuery(statement);
    templates.set(key, compiled);
  }
  return { sql: compiled.sql, params: fillPlaceholders(compiled.params, values) };
}

export type UserFields = {
  workosId: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  emailVerified?: boolean;
  profilePictureUrl?: string | null;
  /** WorkOS `updated_at` of this state of the user. */
  updatedAt: Date | string;
};

/** A user as the WorkOS API (the SDK, camelCase) returns it: the fields this app keeps. */
export type WorkOSUserRecord = {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  emailVerified: boolean;
  profilePictureUrl: string | null;
  updatedAt: string;
};

/** The upsert fields of a user read from the WorkOS API (sign-in, parent fetch). */
export const userFieldsFromWorkOS = (user: WorkOSUserRecord): UserFields => ({
  workosId: user.id,
  email: user.email,
  firstName: user.firstName,
  lastName: user.lastName,
  emailVerified: user.emailVerified,
  profilePictureUrl: user.profilePictureUrl,
  updatedAt: user.updatedAt,
});

/**
 * The address a user row holds while it cannot hold its own (users.email is UNIQUE): a deleted
 * user, or one whose address WorkOS has since given to another user. RFC 2606 `.invalid`, so it
 * can never be mailed nor collide with a real address.
 */
export const releasedEmail = (workosId: string) => `${workosId}@email-released.invalid`;

/**
 * Settles who may hold `email`, inside the user's upsert statement (one round trip). WorkOS keeps
 * emails unique, so another row holding the same address with an older WorkOS state (or a
 * tombstone) is outdated: a CTE releases the address from it (its own later event brings its new
 * one). The value written is this user's address, or its released placeholder when a row with a
 * newer WorkOS state holds it (then this event is the outdated one). So events can arrive in any
 * order, emails swapped between users included, without a unique violation poisoning the queue.
 * The value reads the CTE, which makes PostgreSQL finish the release before the row is written.
 */
function claimEmail(v: UserValues) {
  const released = sql`
    UPDATE ${users} SET email = workos_id || '@email-released.invalid', updated_at = now()
    WHERE email = ${v.email} AND workos_id <> ${v.workosId}
      AND (deleted_at IS NOT NULL OR workos_updated_at IS NULL OR workos_updated_at < ${v.at}::timestamptz)
    RETURNING 1 AS n`;
  const value = sql<string>`(
    SELECT CASE WHEN EXISTS (
      SELECT 1 FROM ${users} AS holder
      WHERE holder.email = ${v.email} AND holder.workos_id <> ${v.workosId}
        AND holder.deleted_at IS NULL AND holder.workos_updated_at >= ${v.at}::timestamptz
    ) THEN ${v.released} ELSE ${v.email} END
    FROM (SELECT count(*) FROM released) AS settled)`;
  return { released, value };
}

/**
 * Inserts or updates a user from WorkOS data. `lastLoginAt` (login callback only) is this app's
 * field: it is written even when the WorkOS fields are stale, but never on a tombstoned row.
 * The email is claimed in the same statement (see claimEmail), so an address moving between users
 * never fails.
 */
export async function upsertUser(
  ex: Executor,
  input: UserFields,
  options: { lastLoginAt?: Date } = {},
): Promise<UpsertResult<User>> {
  const [applied] = await userUpsertQuery(ex, input, options);
  if (applied) {
    const { inserted, ...row } = applied;
    return { outcome: inserted ? 'inserted' : 'updated', row };
  }
  if (options.lastLoginAt) {
    const [touched] = await ex
      .update(users)
      .set({ lastLoginAt: options.lastLoginAt, updatedAt: sql`now()` })
      .where(and(eq(users.workosId, input.workosId), isNull(users.deletedAt)))
      .returning();
    if (touched) return { outcome: 'stale', row: touched };
  }
  const [current] = await ex.select().from(users).where(eq(users.workosId, input.workosId));
  if (!current) throw new Error(`user ${input.workosId} vanished during upsert`);
  return { outcome: current.deletedAt ? 'tombstoned' : 'stale', row: current };
}

/** The values of a user upsert; `at` is the WorkOS `updated_at` as ISO text, `released` the placeholder email. */
type UserValues = {
  workosId: Bind<string>;
  email: Bind<string>;
  released: Bind<string>;
  firstName: Bind<string>;
  lastName: Bind<string>;
  emailVerified: Bind<boolean>;
  profilePictureUrl: Bind<string | null>;
  workosUpdatedAt: Bind<Date>;
  at: Bind<string>;
  lastLoginAt?: Bind<Date>;
};

function userValues(input: UserFields, lastLoginAt?: Date): UserValues {
  const workosUpdatedAt = toDate(input.updatedAt);
  return {
    workosId: input.workosId,
    email: input.email,
    released: releasedEmail(input.workosId),
    firstName: input.firstName ?? '',
    lastName: input.lastName ?? '',
    emailVerified: input.emailVerified ?? false,
    profilePictureUrl: input.profilePictureUrl ?? null,
    workosUpdatedAt,
    at: workosUpdatedAt.toISOString(),
    ...(lastLoginAt ? { lastLoginAt } : {}),
  };
}

/**
 * THE user upsert (order guard, tombstone, email claim). `claim`: settle the email in the same
 * statement (false when the row gets its released placeholder); `login`: also write lastLoginAt.
 */
function buildUserUpsert(ex: Executor, v: UserValues, shape: { claim: boolean; login: boolean }) {
  const claim = shape.claim ? claimEmail(v) : null;
  const values = {
    workosId: v.workosId,
    email: claim ? claim.value : v.email,
    firstName: v.firstName,
    lastName: v.lastName,
    emailVerified: v.emailVerified,
    profilePictureUrl: v.profilePictureUrl,
    workosUpdatedAt: v.workosUpdatedAt,
    ...(shape.login ? { lastLoginAt: v.lastLoginAt } : {}),
  };
  return (claim ? ex.with(ex.$with('released', { n: sql<number>`n` }).as(claim.released)) : ex)
    .insert(users)
    .values(values)
    .onConflictDoUpdate({
      target: users.workosId,
      set: {
        email: sql`excluded.email`,
        firstName: sql`excluded.first_name`,
        lastName: sql`excluded.last_name`,
        emailVerified: sql`excluded.email_verified`,
        profilePictureUrl: sql`excluded.profile_picture_url`,
        workosUpdatedAt: sql`excluded.workos_updated_at`,
        lastLoginAt: shape.login ? sql`excluded.last_login_at` : sql`${users.lastLoginAt}`,
        updatedAt: sql`now()`,
      },
      setWhere: and(isNull(users.deletedAt), newerThanStored(users.workosUpdatedAt)),
    });
}

const userShape = (input: UserFields, login: boolean) => ({
  claim: input.email !== releasedEmail(input.workosId),
  login,
});

/**
 * The single statement of upsertUser, not yet run: it returns the row (with `inserted`) only when
 * it inserted or updated it.
 */
export function userUpsertQuery(ex: Executor, input: UserFields, options: { lastLoginAt?: Date } = {}) {
  const shape = userShape(input, Boolean(options.lastLoginAt));
  return buildUserUpsert(ex, userValues(input, options.lastLoginAt), shape).returning({
    ...getTableColumns(users),
    inserted: insertedFlag,
  });
}

/**
 * userUpsertQuery as SQL text and parameters from a compiled template (no lastLoginAt), for the
 * sync worker, which sends several back to back: it returns one row only when it applied.
 */
export function userUpsertStatement(input: UserFields): Query {
  const shape = userShape(input, false);
  return template(
    `user.upsert.${shape.claim}`,
    (ex, v) => buildUserUpsert(ex, v, shape).returning({ id: users.id }),
    userValues(input),
  );
}

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

/** The first free slug among `base`, `base-2`, `base-3`, ... given the taken ones. */
function nextFreeSlug(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * The organization's domain list from a newer organization event: the event's list wins, except a
 * domain whose own WorkOS `updatedAt` is newer than the organization event (an
 * organization_domain.* event applied earlier but sent later) keeps that newer state.
 */
function mergeDomains(incoming: Bind<string>, at: Bind<string>) {
  return sql`(
    SELECT COALESCE(jsonb_agg(m.e ORDER BY m.src, m.ord), '[]'::jsonb) FROM (
      SELECT DISTINCT ON (u.e->>'id') u.e, u.src, u.ord FROM (
        SELECT i.e, 0 AS src, i.ord FROM jsonb_array_elements(${incoming}::jsonb)
          WITH ORDINALITY AS i(e, ord)
        UNION ALL
        SELECT s.e, 1 AS src, s.ord FROM jsonb_array_elements(${organizations.domains})
          WITH ORDINALITY AS s(e, ord) WHERE s.e->>'updatedAt' > ${at}
      ) u ORDER BY u.e->>'id', u.e->>'updatedAt' DESC NULLS LAST, u.src
    ) m)`;
}

export type OrganizationFields = {
  workosOrgId: string;
  name: string;
  /** WorkOS domains; left unchanged when omitted. */
  domains?: OrganizationDomain[];
  updatedAt: Date | string;
};

/**
 * Inserts or updates an organization from WorkOS data. A new organization gets a unique slug from
 * its name (`acme`, then `acme-2`, ...); a rename keeps the existing slug so links do not break.
 */
export async function upsertOrganization(
  ex: Executor,
  input: OrganizationFields,
): Promise<UpsertResult<Organization>> {
  const workosUpdatedAt = toDate(input.updatedAt);
  const update = () =>
    ex
      .update(organizations)
      .set({
        name: input.name,
        ...(input.domains
          ? { domains: mergeDomains(JSON.stringify(input.domains), workosUpdatedAt.toISOString()) }
          : {}),
        workosUpdatedAt,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(organizations.workosOrgId, input.workosOrgId),
          organizationUpdatable(workosUpdatedAt.toISOString()),
        ),
      )
      .returning();
  const current = async () => {
    const [row] = await ex
      .select()
      .from(organizations)
      .where(eq(organizations.workosOrgId, input.workosOrgId));
    return row;
  };

  const [updated] = await update();
  if (updated) return { outcome: 'updated', row: updated };
  const existing = await current();
  if (existing) return { outcome: existing.deletedAt ? 'tombstoned' : 'stale', row: existing };

  const base = slugify(input.name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const takenRows = await ex
      .select({ slug: organizations.slug })
      .from(organizations)
      .where(or(eq(organizations.slug, base), sql`${organizations.slug} LIKE ${`${base}-%`}`));
    const slug =
      attempt < 4
        ? nextFreeSlug(base, new Set(takenRows.map((r) => r.slug)))
        : `${base}-${crypto.randomUUID().slice(0, 8)}`;
    // DO NOTHING (no target) also absorbs a concurrent insert of the same organization or slug
    // without raising, so a caller's transaction survives.
    const [inserted] = await ex
      .insert(organizations)
      .values({
        workosOrgId: input.workosOrgId,
        name: input.name,
        slug,
        domains: input.domains ?? [],
        workosUpdatedAt,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted) return { outcome: 'inserted', row: inserted };
    // Someone inserted this organization meanwhile: apply ours over theirs under the guard.
    const [raced] = await update();
    if (raced) return { outcome: 'updated', row: raced };
    const now = await current();
    if (now) return { outcome: now.deletedAt ? 'tombstoned' : 'stale', row: now };
    // Otherwise the slug was taken meanwhile: pick again.
  }
  throw new Error(`no free slug for organization ${input.workosOrgId}`);
}

/** The organization's order guard: not tombstoned, and the stored WorkOS state is older than `at`. */
const organizationUpdatable = (at: Bind<string>) =>
  sql`(${organizations.deletedAt} IS NULL AND (${organizations.workosUpdatedAt} IS NULL OR ${organizations.workosUpdatedAt} < ${at}::timestamptz))`;

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
};

function organizationValues(input: OrganizationFields): OrganizationValues {
  const workosUpdatedAt = toDate(input.updatedAt);
  const base = slugify(input.name);
  return {
    workosOrgId: input.workosOrgId,
    name: input.name,
    base,
    numbered: `${base}-%`,
    domains: input.domains ?? [],
    incoming: JSON.stringify(input.domains ?? []),
    workosUpdatedAt,
    at: workosUpdatedAt.toISOString(),
  };
}

/**
 * upsertOrganization as ONE statement, not yet run (the sync worker sends several back to back):
 * returns the row's id only when it inserted or updated it. A new organization's slug is the first
 * free one among `base`, `base-2`, ... computed in the statement; an existing organization keeps its
 * slug. Unlike upsertOrganization it can raise a unique violation when a concurrent transaction
 * takes the same new slug; callers must be ready to redo the work another way (the worker re-runs
 * the batch event by event, through upsertOrganization). `domains`: the input has a domain list.
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
    })
    .onConflictDoUpdate({
      target: organizations.workosOrgId,
      set: {
        name: sql`excluded.name`,
        ...(shape.domains ? { domains: mergeDomains(v.incoming, v.at) } : {}),
        workosUpdatedAt: sql`excluded.workos_updated_at`,
        updatedAt: sql`now()`,
      },
      setWhere: organizationUpdatable(v.at),
    })
    .returning({ id: organizations.id });
}

/** The single-statement organization upsert (see buildOrganizationUpsert), not yet run. */
export function organizationUpsertQuery(ex: Executor, input: OrganizationFields) {
  return buildOrganizationUpsert(ex, organizationValues(input), { domains: Boolean(input.domains) });
}

/** organizationUpsertQuery as SQL text and parameters from a compiled template. */
export function organizationUpsertStatement(input: OrganizationFields): Query {
  const shape = { domains: Boolean(input.domains) };
  return template(
    `organization.upsert.${shape.domains}`,
    (ex, v) => buildOrganizationUpsert(ex, v, shape),
    organizationValues(input),
  );
}

export type MembershipFields = {
  /** WorkOS `om_...` id, when known. */
  workosMembershipId: string | null;
  /** Local ids (users.id and organizations.id) of the parents, which must exist. */
  userId: string;
  organizationId: string;
  status: MembershipStatus;
  /** WorkOS `role.slug`; `role` is derived from it with roleFromSlug. */
  roleSlug: string | null;
  /** WorkOS `roles[].slug`, kept raw. */
  roleSlugs: string[];
  updatedAt: Date | string;
};

/**
 * Inserts or updates the membership of a user in an organization. A tombstoned membership stays
 * deleted, unless WorkOS created a new membership (another `om_` id) for the same pair.
 */
export async function upsertMembership(
  ex: Executor,
  input: MembershipFields,
): Promise<UpsertResult<Membership>> {
  const m = organizationMemberships;
  const [applied] = await membershipUpsertQuery(ex, input);
  if (applied) {
    const { inserted, ...row } = applied;
    return { outcome: inserted ? 'inserted' : 'updated', row };
  }
  const [current] = await ex
    .select()
    .from(m)
    .where(and(eq(m.userId, input.userId), eq(m.organizationId, input.organizationId)));
  if (!current) throw new Error('membership vanished during upsert');
  return { outcome: current.deletedAt ? 'tombstoned' : 'stale', row: current };
}

type MembershipValues = {
  userId: Bind<string> | SQL;
  organizationId: Bind<string> | SQL;
  workosMembershipId: Bind<string | null>;
  status: Bind<MembershipStatus>;
  role: Bind<OrganizationRole>;
  roleSlug: Bind<string | null>;
  roleSlugs: Bind<string[]>;
  workosUpdatedAt: Bind<Date>;
};

const membershipValues = (input: Omit<MembershipFields, 'userId' | 'organizationId'>) => ({
  workosMembershipId: input.workosMembershipId,
  status: input.status,
  role: roleFromSlug(input.roleSlug),
  roleSlug: input.roleSlug,
  roleSlugs: input.roleSlugs,
  workosUpdatedAt: toDate(input.updatedAt),
});

/** THE membership upsert: order guard, and a tombstone only a new WorkOS membership id revives. */
function buildMembershipUpsert(ex: Executor, v: MembershipValues) {
  const m = organizationMemberships;
  return ex
    .insert(m)
    .values(v)
    .onConflictDoUpdate({
      target: [m.userId, m.organizationId],
      set: {
        workosMembershipId: sql`COALESCE(excluded.workos_membership_id, ${m.workosMembershipId})`,
        status: sql`excluded.status`,
        role: sql`excluded.role`,
        roleSlug: sql`excluded.role_slug`,
        roleSlugs: sql`excluded.role_slugs`,
        workosUpdatedAt: sql`excluded.workos_updated_at`,
        deletedAt: sql`NULL`,
        updatedAt: sql`now()`,
      },
      setWhere: and(
        sql`(${m.workosUpdatedAt} IS NULL OR ${m.workosUpdatedAt} < excluded.workos_updated_at)`,
        or(
          isNull(m.deletedAt),
          sql`(excluded.workos_membership_id IS NOT NULL AND excluded.workos_membership_id IS DISTINCT FROM ${m.workosMembershipId})`,
        ),
      ),
    });
}

/**
 * The single statement of upsertMembership, not yet run: returns the row only when it inserted or
 * updated it.
 */
export function membershipUpsertQuery(ex: Executor, input: MembershipFields) {
  const m = organizationMemberships;
  return buildMembershipUpsert(ex, {
    userId: input.userId,
    organizationId: input.organizationId,
    ...membershipValues(input),
  }).returning({ ...getTableColumns(m), inserted: insertedFlag });
}

/**
 * membershipUpsertQuery as SQL text and parameters from a compiled template, with the parents
 * named by WorkOS id and looked up in the statement: a lookup that finds nothing makes the
 * statement fail on NOT NULL rather than write a half membership. Returns a row only when it applied.
 */
export function membershipUpsertStatement(
  input: Omit<MembershipFields, 'userId' | 'organizationId'> & { workosUserId: string; workosOrgId: string },
): Query {
  return template(
    'membership.upsert.by-workos-ids',
    (ex, v) =>
      buildMembershipUpsert(ex, {
        ...v,
        userId: sql`(SELECT id FROM ${users} WHERE workos_id = ${v.workosUserId})`,
        organizationId: sql`(SELECT id FROM ${organizations} WHERE workos_org_id = ${v.workosOrgId})`,
      }).returning({ id: organizationMemberships.id }),
    { workosUserId: input.workosUserId, workosOrgId: input.workosOrgId, ...membershipValues(input) },
  );
}

/** The result of an upsert followed by its tombstone: `tombstoned` when the row was buried already. */
function tombstoneResult<T>(upserted: UpsertResult<T>, buried: T | undefined): UpsertResult<T> {
  if (buried) return { outcome: upserted.outcome === 'inserted' ? 'inserted' : 'updated', row: buried };
  return { outcome: 'tombstoned', row: upserted.row };
}

/**
 * Applies a WorkOS `user.deleted`: the event's last state (when newer than the stored one) and a
 * tombstone (`deleted_at`, `is_active = false`) that no later-arriving older update can undo. The
 * row releases its email, so a new WorkOS user may sign up with the same address.
 */
export async function tombstoneUser(ex: Executor, input: UserFields): Promise<UpsertResult<User>> {
  const upserted = await upsertUser(ex, { ...input, email: releasedEmail(input.workosId) });
  const [buried] = await userTombstoneQuery(ex, input.workosId);
  return tombstoneResult(upserted, buried);
}

const buildUserTombstone = (ex: Executor, v: { workosId: Bind<string>; released: Bind<string> }) =>
  ex
    .update(users)
    .set({ deletedAt: sql`now()`, isActive: false, email: sql`${v.released}`, updatedAt: sql`now()` })
    .where(and(eq(users.workosId, v.workosId), isNull(users.deletedAt)));

/** The tombstone statement of tombstoneUser (after the upsert), not yet run: a row when it buried one. */
export function userTombstoneQuery(ex: Executor, workosId: string) {
  return buildUserTombstone(ex, { workosId, released: releasedEmail(workosId) }).returning();
}

/** userTombstoneQuery as SQL text and parameters from a compiled template. */
export function userTombstoneStatement(workosId: string): Query {
  return template('user.tombstone', (ex, v) => buildUserTombstone(ex, v).returning({ id: users.id }), {
    workosId,
    released: releasedEmail(workosId),
  });
}

/** Applies a WorkOS `organization.deleted`: its last state when newer, then a tombstone (see tombstoneUser). */
export async function tombstoneOrganization(
  ex: Executor,
  input: OrganizationFields,
): Promise<UpsertResult<Organization>> {
  const upserted = await upsertOrganization(ex, input);
  const [buried] = await organizationTombstoneQuery(ex, input.workosOrgId);
  return tombstoneResult(upserted, buried);
}

const buildOrganizationTombstone = (ex: Executor, workosOrgId: Bind<string>) =>
  ex
    .update(organizations)
    .set({ deletedAt: sql`now()`, isActive: false, updatedAt: sql`now()` })
    .where(and(eq(organizations.workosOrgId, workosOrgId), isNull(organizations.deletedAt)));

/** The tombstone statement of tombstoneOrganization (after the upsert), not yet run. */
export function organizationTombstoneQuery(ex: Executor, workosOrgId: string) {
  return buildOrganizationTombstone(ex, workosOrgId).returning();
}

/** organizationTombstoneQuery as SQL text and parameters from a compiled template. */
export function organizationTombstoneStatement(workosOrgId: string): Query {
  return template(
    'organization.tombstone',
    (ex, v) => buildOrganizationTombstone(ex, v.workosOrgId).returning({ id: organizations.id }),
    { workosOrgId },
  );
}

/**
 * Applies a WorkOS `organization_membership.deleted`: the membership's last state when newer, then a
 * tombstone on that WorkOS membership only (a newer membership of the same pair is left alone).
 */
export async function tombstoneMembership(
  ex: Executor,
  input: MembershipFields & { workosMembershipId: string },
): Promise<UpsertResult<Membership>> {
  const upserted = await upsertMembership(ex, input);
  const [row] = await membershipTombstoneQuery(ex, input.workosMembershipId);
  if (row) return { outcome: upserted.outcome === 'inserted' ? 'inserted' : 'updated', row };
  return { outcome: upserted.outcome === 'tombstoned' ? 'tombstoned' : 'stale', row: upserted.row };
}

const buildMembershipTombstone = (ex: Executor, workosMembershipId: Bind<string>) =>
  ex
    .update(organizationMemberships)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(
      and(
        eq(organizationMemberships.workosMembershipId, workosMembershipId),
        isNull(organizationMemberships.deletedAt),
      ),
    );

/** The tombstone statement of tombstoneMembership (after the upsert), not yet run. */
export function membershipTombstoneQuery(ex: Executor, workosMembershipId: string) {
  return buildMembershipTombstone(ex, workosMembershipId).returning();
}

/** membershipTombstoneQuery as SQL text and parameters from a compiled template. */
export function membershipTombstoneStatement(workosMembershipId: string): Query {
  return template(
    'membership.tombstone',
    (ex, v) =>
      buildMembershipTombstone(ex, v.workosMembershipId).returning({ id: organizationMemberships.id }),
    { workosMembershipId },
  );
}
