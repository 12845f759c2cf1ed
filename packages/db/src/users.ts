import { and, eq, getTableColumns, isNull, type Query, type SQL, sql } from 'drizzle-orm';
import type { Executor } from './client';
import { users } from './schema';
import { type Bind, template } from './statements';
import * as synced from './synced';

export type User = typeof users.$inferSelect;

export type UserFields = synced.VersionFields & {
  workosId: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  emailVerified?: boolean;
  profilePictureUrl?: string | null;
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
/** releasedEmail in SQL, for a row's own workos_id. */
const releasedEmailSql = sql`workos_id || '@email-released.invalid'`;

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
  workosEventId: Bind<string | null>;
  lastLoginAt?: Bind<Date>;
};

function userValues(input: UserFields, lastLoginAt?: Date): UserValues {
  return {
    workosId: input.workosId,
    email: input.email,
    released: releasedEmail(input.workosId),
    firstName: input.firstName ?? '',
    lastName: input.lastName ?? '',
    emailVerified: input.emailVerified ?? false,
    profilePictureUrl: input.profilePictureUrl ?? null,
    ...synced.versionValues(input),
    ...(lastLoginAt ? { lastLoginAt } : {}),
  };
}

/**
 * Settles who may hold `email`, inside the user's upsert statement (one round trip). WorkOS keeps
 * emails unique, so another row holding the same address with an older version (or a tombstone)
 * is outdated: a CTE releases the address from it (its own later event brings its new one). The
 * value written is this user's address, or its released placeholder when a row with a newer
 * version holds it (then this event is the outdated one). So events can arrive in any order,
 * emails swapped between users in the same millisecond included, without a unique violation
 * poisoning the queue. The value reads the CTE, which makes PostgreSQL finish the release first.
 */
function claimEmail(v: UserValues) {
  const incoming = synced.boundVersion(v.at, v.workosEventId);
  const released = sql`
    UPDATE ${users} SET email = ${releasedEmailSql}, updated_at = now()
    WHERE email = ${v.email} AND workos_id <> ${v.workosId}
      AND (deleted_at IS NOT NULL OR ${synced.isNewer(synced.storedVersion('users'), incoming)})
    RETURNING 1 AS n`;
  const value = sql<string>`(
    SELECT CASE WHEN EXISTS (
      SELECT 1 FROM ${users} AS holder
      WHERE holder.email = ${v.email} AND holder.workos_id <> ${v.workosId}
        AND holder.deleted_at IS NULL AND NOT ${synced.isNewer(synced.storedVersion('holder'), incoming)}
    ) THEN ${v.released} ELSE ${v.email} END
    FROM (SELECT count(*) FROM released) AS settled)`;
  return { released, value };
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
    workosEventId: v.workosEventId,
    ...(shape.login ? { lastLoginAt: v.lastLoginAt } : {}),
  };
  return (claim ? ex.with(ex.$with('released', { n: sql<number>`n` }).as(claim.released)) : ex)
    .insert(users)
    .values(values)
    .onConflictDoUpdate({
      target: users.workosId,
      set: {
        ...synced.takeExcluded(users, [
          'email',
          'firstName',
          'lastName',
          'emailVerified',
          'profilePictureUrl',
        ]),
        lastLoginAt: shape.login ? sql`excluded.last_login_at` : sql`${users.lastLoginAt}`,
      },
      setWhere: and(
        isNull(users.deletedAt),
        synced.isNewer(synced.storedVersion('users'), synced.excludedVersion),
      ),
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
    inserted: synced.insertedFlag,
  });
}

/** userUpsertQuery as SQL text and parameters from a compiled template: one row only when it applied. */
export function userUpsertStatement(input: UserFields): Query {
  const shape = userShape(input, false);
  return template(
    `user.upsert.${shape.claim}`,
    (ex, v) => buildUserUpsert(ex, v, shape).returning({ id: users.id }),
    userValues(input),
  );
}

/**
 * Inserts or updates a user from WorkOS data. `lastLoginAt` (login callback only) is this app's
 * field: it is written even when the WorkOS fields are stale, but never on a tombstoned row.
 */
export async function upsertUser(
  ex: Executor,
  input: UserFields,
  options: { lastLoginAt?: Date } = {},
): Promise<synced.UpsertResult<User>> {
  const [applied] = await userUpsertQuery(ex, input, options);
  if (applied) return synced.appliedResult(applied);
  if (options.lastLoginAt) {
    const [touched] = await ex
      .update(users)
      .set({ lastLoginAt: options.lastLoginAt, updatedAt: sql`now()` })
      .where(and(eq(users.workosId, input.workosId), isNull(users.deletedAt)))
      .returning();
    if (touched) return { outcome: 'stale', row: touched };
  }
  const [current] = await ex.select().from(users).where(eq(users.workosId, input.workosId));
  return synced.refusedResult(current, `user ${input.workosId}`);
}

/**
 * THE user tombstone: `deleted_at`, `is_active = false`, and the email released so a new WorkOS
 * user may sign up with the address. `which` picks the live rows to bury.
 */
export const buildUserTombstone = (ex: Executor, which: SQL | undefined) =>
  ex
    .update(users)
    .set({ deletedAt: sql`now()`, isActive: false, email: releasedEmailSql, updatedAt: sql`now()` })
    .where(and(isNull(users.deletedAt), which));

/** The statements of a WorkOS user state: its upsert, then its tombstone when deleted (the last one's rows mean applied). */
export function userStatements(fields: UserFields, deleted: boolean): Query[] {
  if (!deleted) return [userUpsertStatement(fields)];
  return [
    userUpsertStatement({ ...fields, email: releasedEmail(fields.workosId) }),
    template(
      'user.tombstone',
      (ex, v) => buildUserTombstone(ex, eq(users.workosId, v.workosId)).returning({ id: users.id }),
      { workosId: fields.workosId },
    ),
  ];
}

/**
 * Applies a WorkOS `user.deleted` outside the worker: the event's last state (when newer) and a
 * tombstone that no later-arriving older update can undo.
 */
export const tombstoneUser = (ex: Executor, input: UserFields) =>
  synced.settleTombstone(upsertUser(ex, { ...input, email: releasedEmail(input.workosId) }), () =>
    buildUserTombstone(ex, eq(users.workosId, input.workosId)).returning(),
  );
