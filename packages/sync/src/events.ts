import * as z from 'zod';
import { InvalidEventError } from './errors';

/**
 * The WorkOS event envelope as the webhook accepts it and the queue carries it (the raw JSON, so
 * fields this code does not know survive). Only what routing needs is required here; each event
 * type's data is checked when it is applied.
 */
export const eventEnvelope = z.object({
  id: z.string().min(1),
  event: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string().optional(),
});
export type EventEnvelope = z.infer<typeof eventEnvelope>;

const timestamp = z.iso.datetime({ offset: true });
const nullableText = z.string().nullish();

export const userData = z.object({
  id: z.string().min(1),
  email: z.string().min(1),
  first_name: nullableText,
  last_name: nullableText,
  email_verified: z.boolean().optional(),
  profile_picture_url: nullableText,
  updated_at: timestamp,
});

const domain = z.object({
  id: z.string().min(1),
  domain: z.string().min(1),
  state: z.string().default('pending'),
  updated_at: timestamp.optional(),
});

export const organizationData = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  domains: z.array(domain).optional(),
  updated_at: timestamp,
});

export const membershipData = z.object({
  id: z.string().min(1),
  user_id: z.string().min(1),
  organization_id: z.string().min(1),
  status: z.enum(['active', 'inactive', 'pending']),
  role: z.object({ slug: z.string() }).nullish(),
  roles: z.array(z.object({ slug: z.string() })).nullish(),
  updated_at: timestamp,
});

export const organizationDomainData = domain.extend({
  organization_id: z.string().min(1),
  updated_at: timestamp,
});

export const sessionData = z.object({
  id: z.string().min(1),
  user_id: z.string().nullish(),
});

export type UserData = z.infer<typeof userData>;
export type OrganizationData = z.infer<typeof organizationData>;
export type MembershipData = z.infer<typeof membershipData>;
export type OrganizationDomainData = z.infer<typeof organizationDomainData>;

/** Parses a queue message body into the envelope; anything else is a poison message. */
export function parseEnvelope(body: string): EventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new InvalidEventError('message body is not JSON', { cause });
  }
  const result = eventEnvelope.safeParse(json);
  if (!result.success) throw new InvalidEventError(`not a WorkOS event: ${describe(result.error)}`);
  return result.data;
}

/** Checks an event's data against the schema of its type. */
export function parseData<T extends z.ZodType>(schema: T, event: EventEnvelope): z.output<T> {
  const result = schema.safeParse(event.data);
  if (!result.success) {
    throw new InvalidEventError(`${event.event} data cannot be applied: ${describe(result.error)}`);
  }
  return result.data;
}

/** Paths and rules only, never the rejected values (they may be personal data). */
function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
