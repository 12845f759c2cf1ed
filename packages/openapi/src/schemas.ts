import { errorCodes } from '@app/http';
import * as z from 'zod';

/**
 * Response shapes of the routes whose packages do not declare one themselves. Each mirrors what
 * the handler returns; the response-validation in the integration tests keeps them honest.
 */
const isoTime = z.iso.datetime({ offset: true });
const dateLike = z.union([isoTime, z.string()]);

export const errorEnvelope = z.object({
  success: z.literal(false),
  error: z.object({
    message: z.string(),
    code: z.enum(Object.keys(errorCodes) as [keyof typeof errorCodes, ...(keyof typeof errorCodes)[]]),
    fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

/** `{ success: true, data }` around a schema. */
export const envelope = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });

const localRole = z.enum(['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']);

export const publicUserSchema = z.object({
  id: z.string(),
  workosId: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  firstName: z.string(),
  lastName: z.string(),
  profilePictureUrl: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  bio: z.string().nullable(),
  timezone: z.string(),
  preferences: z.record(z.string(), z.unknown()),
  lastLoginAt: dateLike.nullable(),
  createdAt: dateLike,
  updatedAt: dateLike,
});

export const meSchema = z.object({
  user: publicUserSchema,
  memberships: z.array(
    z.object({
      id: z.string(),
      role: localRole,
      roleSlug: z.string().nullable(),
      roleSlugs: z.array(z.string()),
      status: z.enum(['active', 'inactive', 'pending']),
      organization: z.object({
        id: z.string(),
        workosOrgId: z.string(),
        name: z.string(),
        slug: z.string(),
        domain: z.string().nullable(),
        logoUrl: z.string().nullable(),
      }),
    }),
  ),
  session: z.object({
    id: z.string(),
    organizationId: z.string().nullable(),
    role: z.string().nullable(),
    roles: z.array(z.string()),
    permissions: z.array(z.string()),
    impersonator: z.object({ email: z.string(), reason: z.string().nullable() }).nullable(),
    expiresAt: isoTime,
  }),
});

export const switchedSchema = z.object({
  organizationId: z.string().nullable().optional(),
  role: z.string().nullable(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
});

export const logoutSchema = z.object({ logoutUrl: z.string() });
export const healthSchema = z.object({ status: z.literal('ok') });
export const webhookAckSchema = z.object({ received: z.literal(true) });
export const selectOrganizationBody = z.object({ organizationId: z.string() });
export const switchOrganizationBody = z.object({ organizationId: z.string() });
