import { type Database, organizationMemberships, organizations, type User, users } from '@app/db';
import { fieldIssues, httpError } from '@app/http';
import { notificationPreferenceIssues } from '@app/notifications/preferences';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import * as z from 'zod';
import type { RequestSession } from './middleware';

export const PREFERENCES_MAX_BYTES = 16 * 1024;
export const BIO_MAX_LENGTH = 2000;

/** Fields WorkOS owns: changed in WorkOS (and synced here), never through PATCH /me. */
const WORKOS_OWNED = new Set([
  'email',
  'firstName',
  'lastName',
  'workosId',
  'emailVerified',
  'profilePictureUrl',
]);

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.getPrototypeOf(value) === Object.prototype;

/** The PATCH /me body: custom fields only, unknown fields rejected. */
export const profilePatchSchema = z
  .object({
    avatarUrl: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .max(2048)
      .nullable()
      .optional(),
    bio: z.string().max(BIO_MAX_LENGTH, `must be at most ${BIO_MAX_LENGTH} characters`).nullable().optional(),
    timezone: z
      .string()
      .max(64)
      .refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris')
      .optional(),
    preferences: z
      .custom<Record<string, unknown>>(isPlainObject, 'must be a JSON object')
      .refine(
        (value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= PREFERENCES_MAX_BYTES,
        `must be at most ${PREFERENCES_MAX_BYTES} bytes as JSON`,
      )
      // preferences.notifications: opt-outs per kind and channel (docs/notifications.md).
      .superRefine((value, ctx) => {
        for (const issue of notificationPreferenceIssues(value)) ctx.addIssue({ code: 'custom', ...issue });
      })
      .nullable()
      .optional(),
  })
  .strict();

export type ProfilePatch = z.infer<typeof profilePatchSchema>;

/** Validates a PATCH /me body; VALIDATION_FAILED names every bad or forbidden field. */
export function parseProfilePatch(body: unknown): ProfilePatch {
  const parsed = profilePatchSchema.safeParse(body);
  if (parsed.success) {
    if (Object.keys(parsed.data).length === 0) {
      throw httpError('VALIDATION_FAILED', 'Nothing to update', {
        fields: [{ field: '(body)', message: 'send at least one of avatarUrl, bio, timezone, preferences' }],
      });
    }
    return parsed.data;
  }
  const fields = fieldIssues(parsed.error.issues, {
    unknownKey: (key) => (WORKOS_OWNED.has(key) ? 'managed by WorkOS: change it there' : 'unknown field'),
  });
  throw httpError('VALIDATION_FAILED', 'Invalid profile update', { fields });
}

/** The user as the API shows it (no internal sync columns). */
export function publicUser(user: User) {
  return {
    id: user.id,
    workosId: user.workosId,
    email: user.email,
    emailVerified: user.emailVerified,
    firstName: user.firstName,
    lastName: user.lastName,
    profilePictureUrl: user.profilePictureUrl,
    avatarUrl: user.avatarUrl,
    bio: user.bio,
    timezone: user.timezone,
    preferences: user.preferences ?? {},
    lastLoginAt: user.lastLoginAt,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** GET /me and PATCH /me over the local database. */
export function makeProfile(options: { db: Database }) {
  const { db } = options;
  // A prepared statement: one round trip per GET /me and no SQL rebuilt per request.
  const activeMemberships = db
    .select({ membership: organizationMemberships, organization: organizations })
    .from(organizationMemberships)
    .innerJoin(organizations, eq(organizations.id, organizationMemberships.organizationId))
    .where(
      and(
        eq(organizationMemberships.userId, sql.placeholder('userId')),
        isNull(organizationMemberships.deletedAt),
        isNull(organizations.deletedAt),
        eq(organizationMemberships.status, 'active'),
      ),
    )
    .orderBy(asc(organizations.name))
    .prepare('profile_memberships');

  /** The caller's profile, memberships with their organizations, and session facts. Reads only. */
  async function me(session: RequestSession) {
    const rows = await activeMemberships.execute({ userId: session.user.id });
    return {
      user: publicUser(session.user),
      memberships: rows.map(({ membership, organization }) => ({
        id: membership.id,
        role: membership.role,
        roleSlug: membership.roleSlug,
        roleSlugs: membership.roleSlugs,
        status: membership.status,
        organization: {
          id: organization.id,
          workosOrgId: organization.workosOrgId,
          name: organization.name,
          slug: organization.slug,
          domain: organization.domain,
          logoUrl: organization.logoUrl,
        },
      })),
      session: {
        id: session.sessionId,
        organizationId: session.organizationId ?? null,
        role: session.role ?? null,
        roles: session.roles,
        permissions: session.permissions,
        impersonator: session.impersonator ?? null,
        expiresAt: new Date(session.expiresAt).toISOString(),
      },
    };
  }

  /** Applies a validated patch to the caller's custom fields; returns the updated user. */
  async function update(session: RequestSession, patch: ProfilePatch) {
    const [row] = await db
      .update(users)
      .set({
        ...(patch.avatarUrl !== undefined ? { avatarUrl: patch.avatarUrl } : {}),
        ...(patch.bio !== undefined ? { bio: patch.bio } : {}),
        ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
        ...(patch.preferences !== undefined ? { preferences: patch.preferences } : {}),
      })
      .where(and(eq(users.id, session.user.id), isNull(users.deletedAt)))
      .returning();
    if (!row) throw httpError('UNAUTHORIZED', 'This account is deactivated');
    return publicUser(row);
  }

  return { me, update };
}

export type Profile = ReturnType<typeof makeProfile>;
