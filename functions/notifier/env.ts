import { schemas } from '@app/config';
import * as z from 'zod';

/** Every variable the notifier reads; infra/functions.ts and infra/notifications.ts set these in AWS. */
export const env = {
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
};
