import { loadConfig, schemas } from '@app/config';
import { loadAuthRuntime } from '@app/session/auth-runtime';
import { makeAuthHandler } from './app';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadAuthRuntime('auth');
const { WORKOS_REDIRECT_URI } = loadConfig({ WORKOS_REDIRECT_URI: schemas.WORKOS_REDIRECT_URI });

export const handler = makeAuthHandler({
  ...runtime,
  clientId: runtime.config.WORKOS_CLIENT_ID,
  redirectUri: WORKOS_REDIRECT_URI,
});
