import { readFileSync } from 'node:fs';
import { openApiDocument } from '@app/openapi';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeKey, routes } from '../../../infra/routes';
import { assertDocumented } from '../../support/openapi';
import { type OrgHarness, startOrgHarness } from '../../support/organizations';

let h: OrgHarness;
beforeAll(async () => {
  h = await startOrgHarness();
});
afterAll(() => h.stop());

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>> };

describe('GET /openapi.json', () => {
  it('serves an OpenAPI 3.1 document that validates, without a session', async () => {
    const res = await h.call('GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = JSON.parse(String(res.body)) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route of infra/routes.ts, and nothing else', async () => {
    const doc = JSON.parse(String((await h.call('GET', '/openapi.json')).body)) as Doc;
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(routes.map(routeKey).sort());
  });

  it('docs/openapi.json is the document the code generates (npm run openapi)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});

describe('response validation against the document', () => {
  const jsonReply = (statusCode: number, body: unknown) => ({
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  });
  const role = { slug: 'admin', name: 'Admin', description: null, permissions: [] };

  it('accepts what the routes answer and refuses a drift: an extra or missing field, an undocumented status, an unknown error code', () => {
    const key = 'GET /organizations/{slug}/roles';
    expect(() => assertDocumented(key, jsonReply(200, { success: true, data: [role] }))).not.toThrow();
    expect(() =>
      assertDocumented(key, jsonReply(200, { success: true, data: [{ ...role, secret: 1 }] })),
    ).toThrow(/does not match/);
    const { name: _, ...nameless } = role;
    expect(() => assertDocumented(key, jsonReply(200, { success: true, data: [nameless] }))).toThrow(
      /does not match/,
    );
    expect(() => assertDocumented(key, jsonReply(201, { success: true, data: [role] }))).toThrow(
      /does not list/,
    );
    expect(() =>
      assertDocumented(key, jsonReply(409, { success: false, error: { code: 'LAST_ADMIN', message: 'x' } })),
    ).not.toThrow();
    expect(() =>
      assertDocumented(key, jsonReply(409, { success: false, error: { code: 'OOPS', message: 'x' } })),
    ).toThrow(/does not match/);
  });
});
