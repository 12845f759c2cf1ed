import type { Sqs } from '@app/config/sqs';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { Delivery } from './delivery';

export type NotifierDeps = {
  delivery: Delivery;
  /** The queue's maxReceiveCount: the attempt that reaches it marks a transient failure FAILED. */
  maxReceiveCount: number;
  /** With both, a transient failure waits `backoff(attempt)` seconds before SQS shows it again. */
  sqs?: Sqs;
  queueUrl?: string;
  /** Seconds before the next attempt (default backoffSeconds). */
  backoff?: (attempt: number) => number;
  logger?: Logger;
  metrics?: Metrics;
};

const message = z.object({ id: z.uuid() });

/** Seconds before retry `attempt` (1-based): 30 s, 60 s, 120 s, ... at most 15 minutes. */
export const backoffSeconds = (attempt: number) => Math.min(900, 30 * 2 ** Math.max(0, attempt - 1));

/** Milliseconds the SES call may take: what the invocation has left, minus time to record the result. */
const budget = (context?: Context) =>
  context ? Math.max(1000, context.getRemainingTimeInMillis() - 3000) : undefined;

/**
 * The notifier: notification ids from the queue, one SES send each (makeDelivery), a partial batch
 * response so only transient failures come back. A message that is not a notification id is
 * logged and dropped (retrying cannot fix it).
 */
export function makeNotifier(deps: NotifierDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  // "Not configured" is said once per cold start, not once per message.
  let warned = false;

  async function handleRecord(record: SQSRecord, context?: Context) {
    const parsed = message.safeParse(safeJson(record.body));
    if (!parsed.success) {
      deps.logger?.warn('notification message dropped: not a notification id', {
        messageId: record.messageId,
      });
      count('NotificationsFailed', 'malformed');
      return;
    }
    const attempt = Number(record.attributes.ApproximateReceiveCount ?? '1');
    const timeoutMs = budget(context);
    const result = await deps.delivery.deliver(parsed.data.id, {
      lastAttempt: attempt >= deps.maxReceiveCount,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    const id = parsed.data.id;
    switch (result.outcome) {
      case 'sent':
        count('NotificationsSent');
        deps.logger?.info('notification sent', { notificationId: id });
        return;
      case 'cancelled':
        count('NotificationsNotConfigured');
        if (!warned)
          deps.logger?.warn('notification emails are not configured: cancelling them', {
            notificationId: id,
          });
        warned = true;
        return;
      case 'skipped':
        deps.logger?.debug('notification already handled', { notificationId: id });
        return;
      case 'failed':
        count('NotificationsFailed', 'ses');
        deps.logger?.warn('notification failed', { notificationId: id, reason: result.reason });
        return;
      case 'retry':
        count('NotificationsRetried');
        deps.logger?.warn('notification will be retried', {
          notificationId: id,
          attempt,
          reason: result.reason,
        });
        await delay(record, (deps.backoff ?? backoffSeconds)(attempt));
        throw new Error(`retry notification ${id}`);
    }
  }

  async function delay(record: SQSRecord, seconds: number) {
    if (!deps.sqs || !deps.queueUrl) return;
    await deps.sqs
      .changeMessageVisibility({
        QueueUrl: deps.queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      })
      .catch((error: unknown) =>
        deps.logger?.warn('backoff not set; the queue visibility timeout applies', {
          error: error instanceof Error ? error.name : String(error),
        }),
      );
  }

  function count(name: string, reason?: string) {
    if (!deps.metrics) return;
    const single = deps.metrics.singleMetric();
    if (reason) single.addDimension('reason', reason);
    single.addMetric(name, MetricUnit.Count, 1);
  }

  return async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
      ...(context ? { context } : {}),
      processInParallel: true,
      throwOnFullBatchFailure: false,
    });
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
