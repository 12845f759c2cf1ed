import { schemas } from '@app/config';

/** What every function that writes synced data reads (plus its own extras); see functions/<name>/env.ts. */
export const syncEnv = {
  DATABASE_URL: schemas.DATABASE_URL,
  WORKOS_API_KEY: schemas.WORKOS_API_KEY,
  WORKOS_API_HOSTNAME: schemas.WORKOS_API_HOSTNAME,
  WORKOS_API_PORT: schemas.WORKOS_API_PORT,
  WORKOS_API_HTTPS: schemas.WORKOS_API_HTTPS,
};
