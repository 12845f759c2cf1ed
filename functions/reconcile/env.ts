import { schemas } from '@app/config';
import { syncEnv } from '@app/sync/env';

/** Every variable the reconcile function reads; infra/functions.ts sets exactly these in AWS. */
export const env = {
  ...syncEnv,
  QUEUE_URL: schemas.QUEUE_URL,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
  RECONCILE_LOOKBACK_HOURS: schemas.RECONCILE_LOOKBACK_HOURS,
};
