import { fieldIssues, httpError } from '@app/http';
import * as z from 'zod';
import { hostname } from './patch';

/** A WorkOS role slug: lower-case letters, digits, `-` and `_`. */
const roleSlug = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a role slug such as admin or member');

/** POST /organizations */
export const createOrganizationBody = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    domains: z.array(hostname).max(20).optional(),
  })
  .strict();

/** POST /organizations/{slug}/invitations */
export const inviteBody = z
  .object({
    email: z.email('must be an email address').max(320),
    roleSlug: roleSlug.optional(),
  })
  .strict();

/** PATCH /organizations/{slug}/members/{userId} */
export const changeRoleBody = z.object({ roleSlug }).strict();

export type CreateOrganizationBody = z.infer<typeof createOrganizationBody>;
export type InviteBody = z.infer<typeof inviteBody>;
export type ChangeRoleBody = z.infer<typeof changeRoleBody>;

/** Validates a body against its schema; 400 VALIDATION_FAILED naming each bad or unknown field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: key, message: 'unknown field' }))
      : fieldIssues([issue]),
  );
  throw httpError('VALIDATION_FAILED', 'Invalid request body', { fields });
}

const isoTime = z.iso.datetime({ offset: true });

/** An invitation as the API shows it (never the WorkOS token). */
export const invitationSchema = z.object({
  id: z.string().meta({ description: 'WorkOS invitation id' }),
  email: z.string(),
  state: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  roleSlug: z.string().nullable(),
  expiresAt: isoTime,
  acceptedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
  createdAt: isoTime,
});
export type InvitationView = z.infer<typeof invitationSchema>;

export const roleSchema = z.object({
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  permissions: z.array(z.string()),
});
export type RoleView = z.infer<typeof roleSchema>;

const localRole = z.enum(['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']);

/** A membership after a management change. */
export const memberSchema = z.object({
  userId: z.string().meta({ description: 'WorkOS user id' }),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  role: localRole,
  roleSlug: z.string().nullable(),
  status: z.enum(['active', 'inactive', 'pending']),
});

export const organizationSummarySchema = z.object({
  id: z.string().meta({ description: 'WorkOS organization id' }),
  slug: z.string(),
  name: z.string(),
  logoUrl: z.string().nullable(),
  domain: z.string().nullable(),
  role: localRole,
  roleSlug: z.string().nullable(),
});

export const organizationDetailSchema = organizationSummarySchema.extend({
  settings: z.record(z.string(), z.unknown()).nullable(),
  domains: z.array(z.object({ id: z.string(), domain: z.string(), state: z.string() })),
});

export const membersPageSchema = z.object({
  members: z.array(memberSchema),
  nextCursor: z.string().nullable(),
});
