import { HttpError } from '@app/http';
import { tenantSlugFromHost } from '@app/session';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { organizationSelector } from '../../../packages/organizations/src/tenancy';
import { httpEvent } from '../../support/events';

const BASE = 'app.example.com';
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/);

describe('tenantSlugFromHost', () => {
  it('reads one slug label under the base, ignoring case, port and a trailing dot', () => {
    fc.assert(
      fc.property(label, fc.option(fc.integer({ min: 1, max: 65535 })), (slug, port) => {
        const host = `${slug.toUpperCase()}.App.Example.com.${port ? `:${port}` : ''}`;
        expect(tenantSlugFromHost(host.replace('.:', ':'), BASE)).toBe(slug);
      }),
    );
  });

  it('names no tenant for the base itself, deeper names, look-alikes or other domains', () => {
    for (const host of [
      BASE,
      `a.b.${BASE}`,
      `acme.${BASE}.evil.test`,
      `acme${BASE}`,
      `acme-${BASE}`,
      'acme.example.com',
      `-acme.${BASE}`,
      `acme_.${BASE}`,
      `acme.${BASE}:x`,
      '',
    ]) {
      expect([host, tenantSlugFromHost(host, BASE)]).toEqual([host, undefined]);
    }
    expect(tenantSlugFromHost(`acme.${BASE}`, undefined)).toBeUndefined();
    expect(tenantSlugFromHost(undefined, BASE)).toBeUndefined();
  });
});

describe('organizationSelector', () => {
  const select = organizationSelector(BASE);
  const event = (host: string, slug?: string, headers: Record<string, string> = {}) =>
    httpEvent({ headers: { host, ...headers }, ...(slug ? { pathParameters: { slug } } : {}) });

  it('selects the path slug, or the tenant when the path names none', () => {
    expect(select(event('api.example.com', 'acme'))).toEqual({ slug: 'acme' });
    expect(select(event(`acme.${BASE}`, 'acme'))).toEqual({ slug: 'acme' });
    expect(select(event(`acme.${BASE}`))).toEqual({ slug: 'acme' });
    expect(select(event('api.example.com'))).toBeUndefined();
  });

  it('refuses a path naming another organization than the tenant host', () => {
    expect(() => select(event(`acme.${BASE}`, 'globex'))).toThrow(HttpError);
  });

  it('ignores X-Forwarded-Host', () => {
    expect(select(event('api.example.com', 'acme', { 'x-forwarded-host': `globex.${BASE}` }))).toEqual({
      slug: 'acme',
    });
    expect(
      select(event('api.example.com', undefined, { 'x-forwarded-host': `globex.${BASE}` })),
    ).toBeUndefined();
  });

  it('without a base domain, hosts never matter', () => {
    expect(organizationSelector(undefined)(event(`acme.${BASE}`, 'globex'))).toEqual({ slug: 'globex' });
  });
});
