import { fieldIssues, httpError, unstorableText } from '@app/http';
import * as z from 'zod';

export const MEMBERS_DEFAULT_LIMIT = 25;
export const MEMBERS_MAX_LIMIT = 100;

/** Where a members page starts: after this (email, membership id) in the listing order. */
export type MembersCursor = { email: string; id: string };

const cursorShape = z.tuple([
  z
    .string()
    .min(1)
    .max(320)
    .refine((email) => !unstorableText(email)),
  z.uuid(),
]);

/** Opaque to clients: base64url of the last row's sort key. */
export function encodeMembersCursor(cursor: MembersCursor): string {
  return Buffer.from(JSON.stringify([cursor.email, cursor.id]), 'utf8').toString('base64url');
}

export function decodeMembersCursor(value: string): MembersCursor | undefined {
  if (value.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  try {
    const parsed = cursorShape.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? { email: parsed.data[0], id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

const membersQuery = z
  .object({
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, `must be between 1 and ${MEMBERS_MAX_LIMIT}`)
      .max(MEMBERS_MAX_LIMIT, `must be between 1 and ${MEMBERS_MAX_LIMIT}`)
      .default(MEMBERS_DEFAULT_LIMIT),
    cursor: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined || value === '') return undefined;
        const cursor = decodeMembersCursor(value);
        if (!cursor) ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
        return cursor;
      }),
  })
  .strip();

export type MembersQuery = { limit: number; cursor: MembersCursor | undefined };

/** `?limit=1..100&cursor=<opaque>`; a bad value -> 400 VALIDATION_FAILED naming it. */
export function parseMembersQuery(query: Record<string, string | undefined> | undefined): MembersQuery {
  const input = { ...query };
  if (input.limit === '') delete input.limit;
  const parsed = membersQuery.safeParse(input);
  if (parsed.success) return parsed.data;
  throw httpError('VALIDATION_FAILED', 'Invalid members query', {
    fields: fieldIssues(parsed.error.issues, { root: '(query)' }),
  });
}
