import type { HttpResult } from '@app/http';
import { openApiDocument } from '@app/openapi';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Operation = { responses: Record<string, { content?: Record<string, { schema: object }> }> };

const doc = openApiDocument() as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: 'openapi', components: doc.components });
const compiled = new Map<string, ValidateFunction>();

const resolveRefs = (schema: object): object =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'));

/**
 * Checks a response an integration test received against the OpenAPI document: the status must be
 * documented for that route (or be an error, the `default` response) and a JSON body must match
 * its schema. Throws with the route, status and schema errors, so a drift fails the test that saw it.
 */
export function assertDocumented(routeKey: string, res: HttpResult): void {
  const [method = '', path = ''] = routeKey.split(' ');
  const operation = doc.paths[path]?.[method.toLowerCase()];
  if (!operation) {
    // A request for a route that does not exist: only the documented 404 error may answer it.
    if (res.statusCode === 404 && JSON.parse(String(res.body)).error?.code === 'NOT_FOUND') return;
    throw new Error(`${routeKey} is not in the OpenAPI document`);
  }
  const status = String(res.statusCode ?? 200);
  const documented =
    operation.responses[status] ?? (Number(status) >= 400 ? operation.responses.default : undefined);
  if (!documented)
    throw new Error(`${routeKey} answered ${status}, which the OpenAPI document does not list`);
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) {
    if (documented.content?.['application/json']) {
      throw new Error(`${routeKey} ${status}: documented as JSON, answered ${type || 'no body'}`);
    }
    return;
  }
  const media = documented.content?.['application/json'];
  if (!media) throw new Error(`${routeKey} ${status}: answered JSON the document does not describe`);
  const key = `${routeKey} ${operation.responses[status] ? status : 'default'}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(resolveRefs(media.schema));
    compiled.set(key, validate);
  }
  if (!validate(JSON.parse(String(res.body)))) {
    throw new Error(
      `${routeKey} ${status} does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}`,
    );
  }
}
