import { loadSessionRuntime } from '@app/session/runtime';
import { makeOrganizationsHandler } from './app';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadSessionRuntime('organizations');

export const handler = makeOrganizationsHandler(runtime);
