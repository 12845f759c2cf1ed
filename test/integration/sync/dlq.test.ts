import { users } from '@app/db';
import { localSqsClient } from '@app/local';
import type { SyncWorker } from '@app/sync';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/db';
import { lambdaContext, sqsRecord } from '../../support/events';
import { type SyncWorkerBed, startSyncWorker } from '../../support/sync';
import { at, body, userEvent } from '../../support/sync-events';

const MAX_RECEIVE_COUNT = 5;

let t: TestDatabase;
let server: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: SQSClient;
let queueUrl: string;
let dlqUrl: string;
let worker: SyncWorker;
let stop: SyncWorkerBed['stop'];

beforeAll(async () => {
  let bed: SyncWorkerBed;
  [bed, server] = await Promise.all([
    startSyncWorker(),
    startFauxqs({ port: 0, logger: false, host: '127.0.0.1' }),
  ]);
  ({ t, worker, stop } = bed);
  sqs = localSqsClient(`http://127.0.0.1:${server.port}`);
  const dlq = server.createQueue('sync-dlq');
  dlqUrl = dlq.queueUrl;
  queueUrl = server.createQueue('sync-queue', {
    attributes: {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      }),
    },
  }).queueUrl;
});
afterAll(async () => {
  sqs.destroy();
  await Promise.all([stop(), server.stop()]);
});

const depth = async (url: string) => {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
};

/**
 * What Lambda's event source mapping does: receive up to 10, invoke the worker, delete what it did
 * not report as failed; failed messages come back after the visibility timeout.
 */
async function pollOnce(): Promise<number> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  const messages = out.Messages ?? [];
  if (!messages.length) return 0;
  const records = messages.map((m) =>
    sqsRecord(m.Body ?? '', {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
    }),
  );
  const response = await worker.handler({ Records: records }, lambdaContext());
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
  if (done.length) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return messages.length;
}

describe('poison message end to end on SQS', () => {
  it('commits the rest of its batch and lands in the DLQ after maxReceiveCount deliveries', async () => {
    const good = Array.from({ length: 4 }, (_, i) =>
      body(userEvent('created', { id: `user_dlq_${i}`, email: `dlq${i}@example.com`, updated_at: at(1) })),
    );
    const poison = '{"id": "event_poison", "event": "user.created", "data": {"id": "user_x"}}';
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [...good.slice(0, 2), poison, ...good.slice(2)].map((b, i) => ({
          Id: String(i),
          MessageBody: b,
        })),
      }),
    );

    let deliveries = 0;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await depth(dlqUrl)) === 0) deliveries += await pollOnce();

    expect(await depth(dlqUrl)).toBe(1);
    expect(await depth(queueUrl)).toBe(0);
    // The good messages once each, the poison message MAX_RECEIVE_COUNT times.
    expect(deliveries).toBe(good.length + MAX_RECEIVE_COUNT);
    const rows = await t.db.select({ workosId: users.workosId }).from(users);
    expect(rows.map((r) => r.workosId).sort()).toEqual([
      'user_dlq_0',
      'user_dlq_1',
      'user_dlq_2',
      'user_dlq_3',
    ]);

    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual([poison]);
  });
});
