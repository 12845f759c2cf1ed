import { sessionEnv } from '@app/session/env';

/** Every variable the notifications function reads; infra/functions.ts sets exactly these in AWS. */
export const env = sessionEnv;
