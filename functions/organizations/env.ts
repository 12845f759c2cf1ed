import { schemas } from '@app/config';
import { sessionEnv } from '@app/session/env';

/** Every variable the organizations function reads; infra/functions.ts sets exactly these in AWS. */
export const env = {
  ...sessionEnv,
  NOTIFICATIONS_QUEUE_URL: schemas.NOTIFICATIONS_QUEUE_URL,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
};
