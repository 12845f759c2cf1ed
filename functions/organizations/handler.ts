import { loadSessionRuntime } from '@app/session/runtime';
import { makeOrganizationsHandler } from './app';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadSessionRuntime('organizations');

// The WorkOS SDK only for management requests: imported on the first one, so the read routes
// keep the SDK-free cold start.
let workos: ReturnType<typeof loadWorkOS> | undefined;
const loadWorkOS = async () => (await import('@app/config/workos')).createWorkOS(runtime.config);

export const handler = makeOrganizationsHandler({
  ...runtime,
  workos: () => {
    workos ??= loadWorkOS();
    return workos;
  },
});
