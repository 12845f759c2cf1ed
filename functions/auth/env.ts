import { schemas } from '@app/config';
import { sessionEnv } from '@app/session/env';

/** Every variable the auth function reads; infra/functions.ts sets exactly these in AWS. */
export const env = {
  ...sessionEnv,
  WORKOS_REDIRECT_URI: schemas.WORKOS_REDIRECT_URI,
};
