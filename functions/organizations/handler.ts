import { loadConfig, schemas } from '@app/config';
import { loadSessionRuntime } from '@app/session/runtime';
import { makeOrganizationsHandler } from './app';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadSessionRuntime('organizations');
const { TENANT_BASE_DOMAIN } = loadConfig({ TENANT_BASE_DOMAIN: schemas.TENANT_BASE_DOMAIN });

// The WorkOS SDK only for management requests: imported on the first one, so the read routes
// keep the SDK-free cold start.
let workos: ReturnType<typeof loadWorkOS> | undefined;
const loadWorkOS = async () => (await import('@app/config/workos')).createWorkOS(runtime.config);

export const handler = makeOrganizationsHandler({
  ...runtime,
  tenantBaseDomain: TENANT_BASE_DOMAIN,
  workos: () => {
    workos ??= loadWorkOS();
    return workos;
  },
});
