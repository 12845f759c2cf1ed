import { schemas } from '@app/config';
import { makeInvocationBudget } from '@app/config/budget';
import { loadRuntime } from '@app/config/runtime';
import { createSqs } from '@app/config/sqs';
import { createWorkOS } from '@app/config/workos';
import { makeWebhookApp } from './app';

// POST /webhooks/workos: verify the signature, validate, enqueue. No VPC, no database.
const { config, logger, metrics } = await loadRuntime('webhook', {
  WORKOS_WEBHOOK_SECRET: schemas.WORKOS_WEBHOOK_SECRET,
  WORKOS_CLIENT_ID: schemas.WORKOS_CLIENT_ID,
  QUEUE_URL: schemas.QUEUE_URL,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
  APP_ENV: schemas.APP_ENV,
});

export const handler = makeWebhookApp({
  sqs: createSqs(config),
  queueUrl: config.QUEUE_URL,
  secret: config.WORKOS_WEBHOOK_SECRET,
  // Only the SDK's signature check is used: no API key needed.
  workos: createWorkOS({ WORKOS_CLIENT_ID: config.WORKOS_CLIENT_ID }),
  logger,
  metrics,
  hsts: config.APP_ENV !== 'local',
  budget: makeInvocationBudget(),
});
