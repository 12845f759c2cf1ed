import { parseProfilePatch } from '@app/session';
import { describe, expect, it } from 'vitest';

const fieldsOf = (body: unknown) => {
  try {
    parseProfilePatch(body);
    return [];
  } catch (error) {
    return ((error as { fields?: { field: string }[] }).fields ?? []).map((f) => f.field).sort();
  }
};

describe('PATCH /me schema', () => {
  it('accepts the custom fields and nulls to clear them', () => {
    expect(
      parseProfilePatch({
        avatarUrl: 'http://x.test/a.png',
        bio: null,
        timezone: 'America/New_York',
        preferences: {},
      }),
    ).toEqual({ avatarUrl: 'http://x.test/a.png', bio: null, timezone: 'America/New_York', preferences: {} });
  });

  it('names every bad field at once', () => {
    expect(fieldsOf({ timezone: 'Nowhere/City', avatarUrl: 'ftp://x.test/a', extra: 1 })).toEqual([
      'avatarUrl',
      'extra',
      'timezone',
    ]);
  });

  it('rejects non-object bodies and an empty patch', () => {
    for (const body of [null, [], 'text', 3]) expect(fieldsOf(body)).toEqual(['(body)']);
    expect(fieldsOf({})).toEqual(['(body)']);
  });

  it('caps preferences at 16 KB of JSON, counted in bytes', () => {
    expect(fieldsOf({ preferences: { s: 'é'.repeat(8190) } })).toEqual(['preferences']);
    expect(fieldsOf({ preferences: { s: 'a'.repeat(16_000) } })).toEqual([]);
  });
});
