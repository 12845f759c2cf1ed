import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalQueue, startLocalQueue, startQueuePoller } from '../../../packages/local/src/index';

let q: LocalQueue;
beforeAll(async () => {
  q = await startLocalQueue({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
});
afterAll(() => q.stop());

const depth = async (url: string) => {
  const { Attributes } = await q.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
};

describe('local queue and poller', () => {
  it('deletes what the handler applied and dead-letters what keeps failing', async () => {
    await q.sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'good' }));
    await q.sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'poison' }));
    const seen: string[] = [];
    const poller = startQueuePoller({
      sqs: q.sqs,
      queueUrl: q.queueUrl,
      waitSeconds: 0,
      handler: async (event) => {
        seen.push(...event.Records.map((r) => r.body));
        return {
          batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
            itemIdentifier: r.messageId,
          })),
        };
      },
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await depth(q.dlqUrl)) === 0)
      await new Promise((r) => setTimeout(r, 200));
    await poller.stop();
    expect(seen.filter((b) => b === 'good')).toHaveLength(1);
    expect(seen.filter((b) => b === 'poison')).toHaveLength(2);
    const dead = await q.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, MaxNumberOfMessages: 10 }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
    expect(await depth(q.queueUrl)).toBe(0);
  });
});
