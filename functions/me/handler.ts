import { loadSessionRuntime } from '@app/session/runtime';
import { makeMeHandler } from './app';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadSessionRuntime('me');

export const handler = makeMeHandler(runtime);
