import { schemas } from '@app/config';

/** Every variable the webhook function reads; infra/functions.ts sets exactly these in AWS. */
export const env = {
  WORKOS_WEBHOOK_SECRET: schemas.WORKOS_WEBHOOK_SECRET,
  QUEUE_URL: schemas.QUEUE_URL,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
  APP_ENV: schemas.APP_ENV,
};
