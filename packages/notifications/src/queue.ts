import type { Sqs } from '@app/config/sqs';

/** One notification id per message: the notifier claims the row, so a duplicate message is harmless. */
export type NotificationMessage = { id: string };

/**
 * Puts notification ids on the notifications queue, ten per SendMessageBatch call. Rejects when any
 * entry fails (the outbox rows stay PENDING and the sweep re-queues them). `timeoutMs` bounds each
 * call (the caller passes what its invocation has left).
 */
export function makeNotificationQueue(deps: { sqs: Sqs; queueUrl: string; timeoutMs?: () => number }) {
  return async function enqueue(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 10) {
      const chunk = ids.slice(i, i + 10);
      const timeout = deps.timeoutMs?.();
      const result = await deps.sqs.sendMessageBatch(
        {
          QueueUrl: deps.queueUrl,
          Entries: chunk.map((id, n) => ({ Id: String(n), MessageBody: JSON.stringify({ id }) })),
        },
        { signal: timeout === undefined ? undefined : AbortSignal.timeout(Math.max(1, timeout)) },
      );
      if (result.Failed?.length) {
        throw new Error(`${result.Failed.length} of ${chunk.length} notifications not enqueued`);
      }
    }
  };
}

export type EnqueueNotifications = ReturnType<typeof makeNotificationQueue>;
