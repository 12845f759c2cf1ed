import * as z from 'zod';
import { fieldIssues, httpError } from './errors';

/**
 * Keyset pagination's query (`?limit=&cursor=`), one rule for every list: a limit within bounds and
 * an opaque cursor (base64url JSON of the last row's sort key) that must be one this API returned.
 */

/** Encodes and decodes a cursor; `decode` answers undefined for anything `shape` refuses. */
export function keysetCursor<T extends z.ZodType<unknown[]>>(shape: T, maxLength: number) {
  return {
    encode: (key: z.output<T>) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url'),
    decode(value: string): z.output<T> | undefined {
      if (value.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
      try {
        const parsed = shape.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** The `limit` and `cursor` fields of a list query (spread into its z.object, for the OpenAPI document too). */
export function pageQueryFields<C>(
  limits: { max: number; default: number },
  decode: (value: string) => C | undefined,
) {
  const range = `must be between 1 and ${limits.max}`;
  return {
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, range)
      .max(limits.max, range)
      .default(limits.default),
    cursor: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined || value === '') return undefined;
        const cursor = decode(value);
        if (!cursor) ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
        return cursor;
      }),
  };
}

/** Parses a list query (an empty `limit` counts as unset); a bad value -> 400 VALIDATION_FAILED naming it. */
export function parsePageQuery<S extends z.ZodType>(
  schema: S,
  query: Record<string, string | undefined> | undefined,
  message: string,
): z.output<S> {
  const input = { ...query };
  if (input.limit === '') delete input.limit;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw httpError('VALIDATION_FAILED', message, {
    fields: fieldIssues(parsed.error.issues, { root: '(query)' }),
  });
}
