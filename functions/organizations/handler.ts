import { loadConfig } from '@app/config';
import { loadSessionRuntime } from '@app/session/runtime';
import { makeOrganizationsHandler } from './app';
import { env } from './env';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadSessionRuntime('organizations');
const { TENANT_BASE_DOMAIN } = loadConfig(env);

export const handler = makeOrganizationsHandler({ ...runtime, tenantBaseDomain: TENANT_BASE_DOMAIN });
