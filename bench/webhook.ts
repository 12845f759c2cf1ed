import { startLocalQueue } from '@app/local';
import { makeWebhookHandler } from '@app/sync/webhook';
import { createTelemetry } from '@app/telemetry';
import { signWebhook } from '@app/workos-emulator';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import userUpdated from '../test/fixtures/user.created.json';
import { httpEvent, lambdaContext } from '../test/support/events';
import { type LatencySummary, sequential, summarize } from './stats';

const SECRET = 'whsec_bench_secret';

export type WebhookResult = LatencySummary & { enqueued: number };

/**
 * POST /webhooks/workos as a warm container serves it: the handler factory with the same
 * dependencies as functions/webhook/handler.ts, a freshly signed user.updated event per request
 * (the HMAC checked on the raw body), SendMessage to the SQS emulator over HTTP.
 */
export async function measureWebhook(options: { requests: number }): Promise<WebhookResult> {
  const queue = await startLocalQueue();
  const { logger, metrics } = createTelemetry('webhook', 'INFO');
  const handler = makeWebhookHandler({
    sqs: queue.sender,
    queueUrl: queue.queueUrl,
    secret: SECRET,
    logger,
    metrics,
    hsts: true,
  });
  let sequence = 0;
  const delivery = () => {
    sequence++;
    const payload = JSON.stringify({
      ...userUpdated,
      id: `event_bench_${sequence}`,
      event: 'user.updated',
      data: { ...userUpdated.data, first_name: `Todd ${sequence}`, updated_at: new Date().toISOString() },
    });
    return httpEvent({
      method: 'POST',
      path: '/webhooks/workos',
      headers: { 'content-type': 'application/json', 'workos-signature': signWebhook(payload, SECRET) },
      body: payload,
    });
  };
  const post = async (event: ReturnType<typeof httpEvent>) => {
    const response = await handler(event, lambdaContext());
    if (response.statusCode !== 200)
      throw new Error(`webhook answered ${response.statusCode}: ${response.body}`);
  };
  try {
    await sequential(200, delivery, post);
    const timed = await sequential(options.requests, delivery, post);
    const attributes = await queue.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    const enqueued = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
    if (enqueued !== sequence)
      throw new Error(`${sequence} webhooks accepted but ${enqueued} messages queued`);
    return { ...summarize(timed), enqueued };
  } finally {
    await queue.stop();
  }
}
