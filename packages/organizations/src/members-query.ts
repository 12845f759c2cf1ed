import { keysetCursor, pageQueryFields, parsePageQuery, unstorableText } from '@app/http';
import * as z from 'zod';

export const MEMBERS_DEFAULT_LIMIT = 25;
export const MEMBERS_MAX_LIMIT = 100;

/** Where a members page starts: after this (email, membership id) in the listing order. */
export type MembersCursor = { email: string; id: string };

const cursor = keysetCursor(
  z.tuple([
    z
      .string()
      .min(1)
      .max(320)
      .refine((email) => !unstorableText(email)),
    z.uuid(),
  ]),
  1024,
);

/** Opaque to clients: base64url of the last row's sort key. */
export const encodeMembersCursor = (c: MembersCursor): string => cursor.encode([c.email, c.id]);

export function decodeMembersCursor(value: string): MembersCursor | undefined {
  const key = cursor.decode(value);
  return key ? { email: key[0], id: key[1] } : undefined;
}

const membersQuery = z
  .object(pageQueryFields({ max: MEMBERS_MAX_LIMIT, default: MEMBERS_DEFAULT_LIMIT }, decodeMembersCursor))
  .strip();

export type MembersQuery = { limit: number; cursor: MembersCursor | undefined };

/** `?limit=1..100&cursor=<opaque>`; a bad value -> 400 VALIDATION_FAILED naming it. */
export const parseMembersQuery = (query: Record<string, string | undefined> | undefined): MembersQuery =>
  parsePageQuery(membersQuery, query, 'Invalid members query');
