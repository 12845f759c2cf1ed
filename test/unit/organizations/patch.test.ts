import { HttpError } from '@app/http';
import { describe, expect, it } from 'vitest';
import { parseOrganizationPatch, SETTINGS_MAX_BYTES } from '../../../packages/organizations/src/patch';

const fieldsOf = (body: unknown) => {
  try {
    parseOrganizationPatch(body);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).code).toBe('VALIDATION_FAILED');
    return (error as HttpError).fields?.map((f) => f.field);
  }
  throw new Error('expected the patch to be refused');
};

describe('parseOrganizationPatch', () => {
  it('accepts each custom field, null to clear, and normalises the domain', () => {
    expect(parseOrganizationPatch({ domain: ' Acme.Example.COM ' })).toEqual({ domain: 'acme.example.com' });
    expect(parseOrganizationPatch({ logoUrl: null, settings: null, domain: null })).toEqual({
      logoUrl: null,
      settings: null,
      domain: null,
    });
    expect(parseOrganizationPatch({ logoUrl: 'http://cdn.test/a.png', settings: { a: [1] } })).toEqual({
      logoUrl: 'http://cdn.test/a.png',
      settings: { a: [1] },
    });
  });

  it('accepts settings up to the cap and refuses one byte more', () => {
    const overhead = JSON.stringify({ k: '' }).length;
    const atCap = { k: 'x'.repeat(SETTINGS_MAX_BYTES - overhead) };
    expect(parseOrganizationPatch({ settings: atCap }).settings).toEqual(atCap);
    expect(fieldsOf({ settings: { k: 'x'.repeat(SETTINGS_MAX_BYTES - overhead + 1) } })).toEqual([
      'settings',
    ]);
    // Counted in bytes, not characters.
    expect(fieldsOf({ settings: { k: 'é'.repeat(SETTINGS_MAX_BYTES / 2) } })).toEqual(['settings']);
  });

  it('refuses WorkOS-owned and unknown fields by name', () => {
    expect(fieldsOf({ name: 'x', roles: [], id: 'org_1' })?.sort()).toEqual(['id', 'name', 'roles']);
  });

  it('refuses non-http(s) logo URLs and hostnames with scheme, port, path or a single label', () => {
    for (const logoUrl of [
      'javascript:alert(1)',
      'data:image/png;base64,AA',
      'ftp://x.test/a',
      '/logo.png',
      7,
    ]) {
      expect(fieldsOf({ logoUrl })).toEqual(['logoUrl']);
    }
    for (const domain of [
      'https://acme.test',
      'acme.test:80',
      'acme.test/x',
      'acme',
      '-acme.test',
      'a..test',
      '',
    ]) {
      expect(fieldsOf({ domain })).toEqual(['domain']);
    }
  });

  it('refuses an empty patch and bodies that are not objects', () => {
    for (const body of [{}, [], 'x', 1, null]) expect(fieldsOf(body)).toEqual(['(body)']);
  });
});
