import { createSqs } from '@app/config/sqs';
import { makeNotificationQueue } from './queue';

/**
 * The enqueue a function that writes notifications hands its outbox ids to after COMMIT, from its
 * settings: none when NOTIFICATIONS_QUEUE_URL is unset (the rows wait for the sweep). Each call is
 * bounded by `timeoutMs`, well inside the function's own timeout; a miss is left to the sweep.
 */
export function notificationQueueFromConfig(
  config: { NOTIFICATIONS_QUEUE_URL?: string | undefined; SQS_ENDPOINT?: string | undefined },
  timeoutMs: number,
) {
  if (!config.NOTIFICATIONS_QUEUE_URL) return undefined;
  return makeNotificationQueue({
    sqs: createSqs(config),
    queueUrl: config.NOTIFICATIONS_QUEUE_URL,
    timeoutMs: () => timeoutMs,
  });
}
