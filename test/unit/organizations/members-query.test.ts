import { HttpError } from '@app/http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMembersCursor,
  encodeMembersCursor,
  parseMembersQuery,
} from '../../../packages/organizations/src/members-query';

describe('members cursor', () => {
  it('round-trips any (email, membership id)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 320 }), fc.uuid(), (email, id) => {
        expect(decodeMembersCursor(encodeMembersCursor({ email, id }))).toEqual({ email, id });
      }),
    );
  });

  it('refuses anything it did not make', () => {
    for (const value of [
      '',
      '!!',
      'e30',
      Buffer.from('["a","not-a-uuid"]').toString('base64url'),
      'A'.repeat(2000),
    ]) {
      expect(decodeMembersCursor(value)).toBeUndefined();
    }
  });
});

describe('parseMembersQuery', () => {
  it('defaults to 25 and no cursor; ignores other parameters', () => {
    expect(parseMembersQuery(undefined)).toEqual({ limit: 25, cursor: undefined });
    expect(parseMembersQuery({ limit: '', other: 'x' })).toEqual({ limit: 25, cursor: undefined });
    expect(parseMembersQuery({ limit: '100' }).limit).toBe(100);
  });

  it('names the bad parameter', () => {
    for (const [query, field] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '1e9' }, 'limit'],
      [{ limit: '-1' }, 'limit'],
      [{ cursor: 'zzz' }, 'cursor'],
    ] as const) {
      const error = (() => {
        try {
          parseMembersQuery(query);
        } catch (e) {
          return e as HttpError;
        }
      })();
      expect(error).toBeInstanceOf(HttpError);
      expect(error?.fields?.[0]?.field).toBe(field);
    }
  });
});
