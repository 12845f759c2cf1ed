import { fieldIssues, httpError } from '@app/http';
import * as z from 'zod';

/** Largest `settings` object accepted, measured as its JSON text in UTF-8. */
export const SETTINGS_MAX_BYTES = 16 * 1024;

export const hostname = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be a hostname such as example.com (no scheme, port or path)',
  );

const logoUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.domain, error: 'must be an http(s) URL' })
  .max(2048);

const settings = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= SETTINGS_MAX_BYTES, {
    message: `must be at most ${SETTINGS_MAX_BYTES} bytes as JSON`,
  });

/**
 * PATCH /organizations/{slug}: only the fields this app owns. WorkOS-owned ones (name, roles,
 * memberships) are not editable here, so they are refused like any other unknown field.
 */
export const organizationPatchSchema = z
  .object({
    logoUrl: logoUrl.nullable().optional(),
    settings: settings.nullable().optional(),
    domain: hostname.nullable().optional(),
  })
  .strict();

export type OrganizationPatch = z.infer<typeof organizationPatchSchema>;

/** Validates a PATCH body; 400 VALIDATION_FAILED naming each bad or unknown field. */
export function parseOrganizationPatch(body: unknown): OrganizationPatch {
  const parsed = organizationPatchSchema.safeParse(body);
  if (parsed.success) {
    if (Object.keys(parsed.data).length > 0) return parsed.data;
    throw httpError('VALIDATION_FAILED', 'Nothing to update', {
      fields: [{ field: '(body)', message: 'name at least one of logoUrl, settings, domain' }],
    });
  }
  const fields = fieldIssues(parsed.error.issues, {
    unknownKey: (key) =>
      key === 'name' ? 'is managed in WorkOS and cannot be changed here' : 'unknown field',
  });
  throw httpError('VALIDATION_FAILED', 'Invalid organization update', { fields });
}
