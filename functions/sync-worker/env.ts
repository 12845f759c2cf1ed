import { schemas } from '@app/config';
import { syncEnv } from '@app/sync/env';

/** Every variable the sync worker reads; infra/functions.ts sets exactly these in AWS. */
export const env = {
  ...syncEnv,
  NOTIFICATIONS_QUEUE_URL: schemas.NOTIFICATIONS_QUEUE_URL,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
};
