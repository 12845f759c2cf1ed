import { sessionEnv } from '@app/session/env';

/** Every variable the me function reads; infra/functions.ts sets exactly these in AWS. */
export const env = sessionEnv;
