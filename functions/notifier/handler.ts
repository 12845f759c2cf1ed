import { schemas } from '@app/config';
import { loadRuntime } from '@app/config/runtime';
import { createSes } from '@app/config/ses';
import { createSqs } from '@app/config/sqs';
import { createDb } from '@app/db';
import { makeDelivery, makeNotificationQueue, makeNotifier, sweepOutbox } from '@app/notifications/delivery';
import type { Context, ScheduledEvent, SQSEvent } from 'aws-lambda';
import * as z from 'zod';

// Two triggers, one function: the notifications queue (send) and the sweep schedule (re-queue).
const { config, logger, metrics } = await loadRuntime('notifier', {
  DATABASE_URL: schemas.DATABASE_URL,
  NOTIFICATIONS_QUEUE_URL: schemas.NOTIFICATIONS_QUEUE_URL.unwrap(),
  NOTIFICATIONS_FROM: schemas.NOTIFICATIONS_FROM.optional(),
  SES_ENDPOINT: schemas.SES_ENDPOINT,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  /** The queue's maxReceiveCount (infra/notifications.ts sets it). */
  NOTIFICATIONS_MAX_RECEIVES: z.coerce.number().int().min(1).default(5),
  /** The function's timeout: a PROCESSING claim older than this was left by a dead invocation. */
  NOTIFIER_LEASE_SECONDS: z.coerce.number().int().min(1).default(30),
});
const { db } = createDb(config.DATABASE_URL, { max: 1, applicationName: 'notifier' });
const sqs = createSqs(config);
const queueUrl = config.NOTIFICATIONS_QUEUE_URL;
const notifier = makeNotifier({
  delivery: makeDelivery({
    db,
    ses: createSes(config),
    from: config.NOTIFICATIONS_FROM,
    configurationSet: config.SES_CONFIGURATION_SET,
    leaseMs: config.NOTIFIER_LEASE_SECONDS * 1000,
  }),
  maxReceiveCount: config.NOTIFICATIONS_MAX_RECEIVES,
  sqs,
  queueUrl,
  logger,
  metrics,
});

export const handler = async (event: SQSEvent | ScheduledEvent, context: Context) => {
  logger.addContext(context);
  if ('Records' in event) return notifier(event, context);
  const enqueue = makeNotificationQueue({
    sqs,
    queueUrl,
    timeoutMs: () => context.getRemainingTimeInMillis() - 2000,
  });
  const { requeued } = await sweepOutbox({ db, enqueue });
  // The heartbeat the sweep alarm watches: one data point per run, zero included.
  const single = metrics.singleMetric();
  single.addMetric('OutboxSwept', 'Count', requeued);
  if (requeued) logger.warn('outbox sweep re-queued notifications', { requeued });
  return { requeued };
};
