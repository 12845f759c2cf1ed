import { clearCookie, sealData, serializeCookie, unsealData } from '@app/session';
import { describe, expect, it } from 'vitest';
import { parseCookies } from '../../../packages/http/src/index';
import { openFlow, sealFlow } from '../../../packages/session/src/flow-state';

const password = 'unit-test-password-unit-test-password-01';

describe('session cookies', () => {
  it('are HttpOnly, SameSite=Lax, Path=/ and Secure with a Domain when configured', () => {
    expect(
      serializeCookie('wos-session', 'v', { domain: '.example.com', secure: true }, { maxAgeSeconds: 60 }),
    ).toBe('wos-session=v; Max-Age=60; Domain=.example.com; Path=/; HttpOnly; Secure; SameSite=Lax');
  });

  it('drop Secure and Domain for local http', () => {
    expect(serializeCookie('a', 'b', { secure: false }, { maxAgeSeconds: 5, path: '/auth' })).toBe(
      'a=b; Max-Age=5; Path=/auth; HttpOnly; SameSite=Lax',
    );
  });

  it('are cleared with the same Domain and Path and Max-Age=0', () => {
    expect(clearCookie('wos-session', { domain: '.example.com', secure: true })).toBe(
      'wos-session=; Max-Age=0; Domain=.example.com; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    );
  });
});

describe('cookie values', () => {
  it('read back exactly as written, whatever characters they hold', async () => {
    const values = [
      'plain',
      'a b;c=d',
      '"quoted"',
      'ünï €',
      '100%',
      'x,y\\z',
      await sealData({ a: 1 }, password),
    ];
    for (const value of values) {
      const setCookie = serializeCookie('c', value, { secure: true }, { maxAgeSeconds: 60 });
      const pair = setCookie.slice(0, setCookie.indexOf(';'));
      expect(parseCookies({ cookies: [pair], headers: {} })).toEqual({ c: value });
      expect(parseCookies({ headers: { cookie: `other=1; ${pair}` } }).c).toBe(value);
    }
  });

  it('a sealed session is written as is (nothing to encode)', async () => {
    const sealed = await sealData({ a: 1 }, password);
    expect(serializeCookie('wos-session', sealed, { secure: true }, { maxAgeSeconds: 60 })).toContain(
      `wos-session=${sealed};`,
    );
  });
});

describe('seals', () => {
  it('round-trip in the WorkOS cookie format and refuse tampering or another password', async () => {
    const sealed = await sealData({ a: 1 }, password);
    expect(sealed).toMatch(/^Fe26\.2\*1\*.+~2$/);
    expect(await unsealData(sealed, password)).toEqual({ a: 1 });
    expect(await unsealData(sealed, `${password}x`)).toBeUndefined();
    expect(await unsealData(`${sealed.slice(0, 40)}A${sealed.slice(41)}`, password)).toBeUndefined();
    expect(await unsealData('not a seal', password)).toBeUndefined();
  });

  it('flow values are refused when expired or of another kind', async () => {
    const now = Date.now();
    const state = await sealFlow({ kind: 'state', nonce: 'n', returnTo: '/', exp: now + 1000 }, password);
    expect(await openFlow(state, 'state', password, now)).toMatchObject({ nonce: 'n' });
    expect(await openFlow(state, 'state', password, now + 1000)).toBeUndefined();
    expect(await openFlow(state, 'pending', password, now)).toBeUndefined();
    expect(await openFlow(undefined, 'state', password, now)).toBeUndefined();
  });
});
