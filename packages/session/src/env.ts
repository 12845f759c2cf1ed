import { schemas } from '@app/config';

/**
 * The variables every cookie-session function (auth, me, organizations) reads at cold start
 * (loadSessionRuntime). infra/functions.ts derives what it sets in AWS from this, via each
 * function's functions/<name>/env.ts.
 */
export const sessionEnv = {
  WORKOS_API_KEY: schemas.WORKOS_API_KEY,
  WORKOS_CLIENT_ID: schemas.WORKOS_CLIENT_ID,
  WORKOS_API_HOSTNAME: schemas.WORKOS_API_HOSTNAME,
  WORKOS_API_PORT: schemas.WORKOS_API_PORT,
  WORKOS_API_HTTPS: schemas.WORKOS_API_HTTPS,
  SESSION_SECRET: schemas.SESSION_SECRET,
  DATABASE_URL: schemas.DATABASE_URL,
  COOKIE_DOMAIN: schemas.COOKIE_DOMAIN,
  ALLOWED_REDIRECT_ORIGINS: schemas.ALLOWED_REDIRECT_ORIGINS,
  APP_ENV: schemas.APP_ENV,
  TENANT_BASE_DOMAIN: schemas.TENANT_BASE_DOMAIN,
};
