import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './server';

export type SqsLambda = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** Builds the record Lambda's SQS event source mapping would deliver for a received message. */
export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? 'String', stringValue: value.StringValue },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/**
 * Polls a queue like Lambda's event source mapping with ReportBatchItemFailures: each batch goes
 * to the handler, the messages it did not report as failed are deleted, the failed ones stay and
 * come back after the visibility timeout (and reach the DLQ after maxReceiveCount).
 */
export function startQueuePoller(options: {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsLambda;
  batchSize?: number;
  waitSeconds?: number;
  onError?: (error: unknown) => void;
}) {
  let running = true;
  const queueArn = `arn:aws:sqs:us-east-1:000000000000:${options.queueUrl.split('/').pop()}`;
  const pollOnce = async (): Promise<number> => {
    const received = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: options.batchSize ?? 10,
        WaitTimeSeconds: options.waitSeconds ?? 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (!messages.length) return 0;
    const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, queueArn)) };
    let failed = new Set<string>();
    try {
      const response = await options.handler(event, lambdaContext('sync-worker', 60_000));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown handler fails the whole batch, as in Lambda.
      options.onError?.(error);
      return messages.length;
    }
    const done = messages.filter((m) => m.MessageId && !failed.has(m.MessageId));
    if (done.length) {
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return messages.length;
  };
  const loop = (async () => {
    while (running) {
      try {
        await pollOnce();
      } catch (error) {
        if (!running) break;
        options.onError?.(error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  return {
    pollOnce,
    async stop() {
      running = false;
      await loop;
    },
  };
}
