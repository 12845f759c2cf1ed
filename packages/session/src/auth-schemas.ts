import * as z from 'zod';

/** A WorkOS organization id as WorkOS issues them. */
export const WORKOS_ORG_ID = /^org_[A-Za-z0-9]{1,64}$/;

/** GET /auth/login query. */
export const loginQuery = z.object({
  returnTo: z.string().max(2048).optional(),
  organizationId: z.string().regex(WORKOS_ORG_ID, 'must be a WorkOS organization id (org_...)').optional(),
  screenHint: z.enum(['sign-in', 'sign-up']).optional(),
  loginHint: z.string().max(320).optional(),
  error: z.string().max(64).optional(),
});

/** POST /auth/switch-organization body. */
export const switchBody = z.object({ organizationId: z.string().min(1).max(128) }).strict();

/** POST /auth/select-organization form (application/x-www-form-urlencoded). */
export const selectOrganizationForm = z.object({ organizationId: z.string(), csrf: z.string() });
