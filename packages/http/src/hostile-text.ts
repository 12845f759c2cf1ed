import { type FieldIssue, httpError } from './errors';
import type { HttpEvent, HttpMiddleware } from './middleware';

/**
 * Text PostgreSQL cannot store (NUL) or that is not Unicode (a lone surrogate, which would be
 * silently replaced): refused at the door instead of failing inside a query.
 */
// With the u flag a valid surrogate pair is one code point: only a lone half matches.
const LONE_SURROGATE = /\p{Cs}/u;

export function unstorableText(value: string): boolean {
  return value.includes('\u0000') || LONE_SURROGATE.test(value);
}

const MAX_DEPTH = 64;

/** Paths (`a.b.0`) of the keys and strings in a parsed JSON value that are unstorableText. */
export function unstorableFields(value: unknown, path: string[] = [], depth = 0): string[] {
  const at = (key?: string) => [...path, ...(key === undefined ? [] : [key])].join('.') || '(body)';
  if (typeof value === 'string') return unstorableText(value) ? [at()] : [];
  if (!value || typeof value !== 'object' || depth > MAX_DEPTH) return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (unstorableText(key)) found.push(at(key.replaceAll('\u0000', '\\u0000')));
    else found.push(...unstorableFields(child, [...path, key], depth + 1));
  }
  return found;
}

/** Throws 400 VALIDATION_FAILED naming the fields, when there are any. */
export function refuseUnstorable(fields: string[]): void {
  if (fields.length === 0) return;
  const issues: FieldIssue[] = fields
    .slice(0, 20)
    .map((field) => ({ field, message: 'contains a NUL character or invalid Unicode' }));
  throw httpError('VALIDATION_FAILED', 'The request contains text that cannot be stored', {
    fields: issues,
  });
}

/** The query parameters and path parameters of a request that are unstorableText. */
function unstorableParameters(event: HttpEvent): string[] {
  const found: string[] = [];
  for (const [source, params] of [
    ['query', event.queryStringParameters],
    ['path', event.pathParameters],
  ] as const) {
    for (const [key, value] of Object.entries(params ?? {})) {
      if (unstorableText(key) || (value !== undefined && unstorableText(value))) {
        found.push(`${source}.${unstorableText(key) ? '(name)' : key}`);
      }
    }
  }
  return found;
}

/** Part of every HTTP function's base stack: query and path parameters must be storable text. */
export function refuseHostileParameters(): HttpMiddleware {
  return { before: (request) => refuseUnstorable(unstorableParameters(request.event)) };
}
