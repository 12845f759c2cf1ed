import { clearCookie, sealData, serializeCookie, unsealData } from '@app/session';
import { describe, expect, it } from 'vitest';
import { openFlow, sealFlow } from '../../../packages/session/src/flow-state';

const password = 'unit-test-password-unit-test-password-01';

describe('session cookies', () => {
  it('are HttpOnly, SameSite=Lax, Path=/ and Secure with a Domain when configured', () => {
    expect(
      serializeCookie('wos-session', 'v', { domain: '.example.com', secure: true }, { maxAgeSeconds: 60 }),
    ).toBe('wos-session=v; Path=/; Domain=.example.com; Max-Age=60; HttpOnly; Secure; SameSite=Lax');
  });

  it('drop Secure and Domain for local http', () => {
    expect(serializeCookie('a', 'b', { secure: false }, { maxAgeSeconds: 5, path: '/auth' })).toBe(
      'a=b; Path=/auth; Max-Age=5; HttpOnly; SameSite=Lax',
    );
  });

  it('are cleared with the same Domain and Path and Max-Age=0', () => {
    expect(clearCookie('wos-session', { domain: '.example.com', secure: true })).toBe(
      'wos-session=; Path=/; Domain=.example.com; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
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
