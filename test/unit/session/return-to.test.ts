import { sanitizeReturnTo } from '@app/session';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const allowed = ['https://app.example.com', 'http://localhost:3000'];

describe('sanitizeReturnTo', () => {
  it.each([
    '//evil.com',
    '//evil.com/path',
    'https://evil.com',
    'http://evil.com/app.example.com',
    '/\\evil.com',
    '\\\\evil.com',
    '/%5Cevil.com',
    '/%2Fevil.com',
    '%2F%2Fevil.com',
    '%252F%252Fevil.com',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'javascript%3Aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    ' /path',
    '/pa\nth',
    '/\t/evil.com',
    'https://app.example.com.evil.com/',
    'https://user:pass@app.example.com/',
    'evil.com',
    '',
  ])('sends %j to /', (value) => {
    expect(sanitizeReturnTo(value, allowed)).toBe('/');
  });

  it.each([
    ['/', '/'],
    ['/dashboard', '/dashboard'],
    ['/a/b?c=d#e', '/a/b?c=d#e'],
    ['https://app.example.com/x?y=1', 'https://app.example.com/x?y=1'],
    ['http://localhost:3000/', 'http://localhost:3000/'],
  ])('keeps %j', (value, expected) => {
    expect(sanitizeReturnTo(value, allowed)).toBe(expected);
  });

  it('ignores anything that is not a string', () => {
    for (const value of [undefined, null, 42, ['/a'], { a: 1 }])
      expect(sanitizeReturnTo(value, allowed)).toBe('/');
  });

  it('never returns a URL off the allowed origins, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.webPath()), (value) => {
        const out = sanitizeReturnTo(value, allowed);
        const resolved = new URL(out, 'https://app.example.com');
        expect(['https://app.example.com', 'http://localhost:3000']).toContain(resolved.origin);
        if (out.startsWith('/')) expect(out.startsWith('//')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
