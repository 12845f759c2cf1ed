import { syncEnv } from '@app/sync/env';

/** Every variable the backfill function reads; infra/functions.ts sets exactly these in AWS. */
export const env = syncEnv;
