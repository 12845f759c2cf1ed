import { makeInvocationBudget } from '@app/config/budget';
import { loadRuntime } from '@app/config/runtime';
import { createSqs } from '@app/config/sqs';
import { makeWebhookApp } from './app';
import { env } from './env';

// POST /webhooks/workos: verify the signature, validate, enqueue. No VPC, no database.
const { config, logger, metrics, notConfigured } = await loadRuntime('webhook', env);

export const handler = makeWebhookApp({
  sqs: createSqs(config),
  queueUrl: config.QUEUE_URL,
  secret: config.WORKOS_WEBHOOK_SECRET,
  logger,
  metrics,
  hsts: config.APP_ENV !== 'local',
  notConfigured,
  budget: makeInvocationBudget(),
});
