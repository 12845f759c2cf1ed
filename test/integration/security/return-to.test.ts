import { validateHeaderValue } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, type Harness, startHarness } from '../../support/auth';

// Weakness 5: a returnTo outside Latin-1 made the Location header unwritable after the code was spent.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const cases: [string, string, string][] = [
  ['line separator', '/a\u2028b', '/a%E2%80%A8b'],
  ['fullwidth slash', '/\uff0fevil.test', '/%EF%BC%8Fevil.test'],
  ['division slash', '/\u2215evil.test/x', '/%E2%88%95evil.test/x'],
  [
    'CJK path, query and fragment',
    '/ページ?q=検索#見出し',
    '/%E3%83%9A%E3%83%BC%E3%82%B8?q=%E6%A4%9C%E7%B4%A2#%E8%A6%8B%E5%87%BA%E3%81%97',
  ],
  ['Latin-1 letters', '/café', '/caf%C3%A9'],
  ['an allowed origin with CJK', `${APP_ORIGIN}/データ`, `${APP_ORIGIN}/%E3%83%87%E3%83%BC%E3%82%BF`],
];

describe('returnTo outside ASCII', () => {
  it.each(cases)(
    '%s: the callback redirects to a percent-encoded same-origin URL',
    async (_name, returnTo, expected) => {
      const { res } = await h.signIn('solo@example.com', { returnTo });
      expect(res.statusCode).toBe(302);
      const location = String(res.headers.location);
      expect(location).toBe(expected);
      expect(location).toMatch(/^[\x21-\x7e]+$/);
      expect(() => validateHeaderValue('location', location)).not.toThrow();
    },
  );
});
