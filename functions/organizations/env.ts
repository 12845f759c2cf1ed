import { sessionEnv } from '@app/session/env';

/** Every variable the organizations function reads; infra/functions.ts sets exactly these in AWS. */
export const env = sessionEnv;
