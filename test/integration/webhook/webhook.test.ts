import { createSqs, type Sqs } from '@app/config/sqs';
import { localSqsClient } from '@app/local';
import { makeWebhookHandler } from '@app/sync/webhook';
import { signWebhook } from '@app/workos-emulator';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { WorkOS } from '@workos-inc/node';
import { build } from 'esbuild';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext } from '../../support/events';
import { at, body, orgEvent, userEvent } from '../../support/sync-events';

const SECRET = 'whsec_test_secret';
// Only to show what the SDK's constructEvent would do with a delivery.
const workos = new WorkOS({ clientId: 'client_webhook_test' });

let server: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: Sqs;
/** Reads the queue back, as the sync worker's event source mapping would. */
let reader: SQSClient;
let queueUrl: string;
let handler: ReturnType<typeof makeWebhookHandler>;

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  sqs = createSqs({ SQS_ENDPOINT: `http://127.0.0.1:${server.port}` });
  reader = localSqsClient(`http://127.0.0.1:${server.port}`);
});
afterAll(async () => {
  reader.destroy();
  await server.stop();
});
beforeEach(() => {
  // A fresh queue per test, so "nothing enqueued" is exact.
  queueUrl = server.createQueue(`webhook-${Math.random().toString(36).slice(2)}`).queueUrl;
  handler = makeWebhookHandler({ sqs, queueUrl, secret: SECRET });
});

type Post = { payload: string; signature?: string | null; base64?: boolean; secret?: string; time?: number };

async function post({ payload, signature, base64, secret, time }: Post) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const sig = signature === undefined ? signWebhook(payload, secret ?? SECRET, time) : signature;
  if (sig !== null) headers['WorkOS-Signature'] = sig;
  const event = httpEvent({
    method: 'POST',
    path: '/webhooks/workos',
    headers,
    body: base64 ? Buffer.from(payload, 'utf8').toString('base64') : payload,
    isBase64Encoded: base64 ?? false,
  });
  const response = await handler(event, lambdaContext());
  return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : undefined };
}

async function queued() {
  const out = await reader.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

describe('POST /webhooks/workos', () => {
  it('enqueues a validly signed event as its raw JSON and answers {received:true}', async () => {
    // Unusual spacing and key order: the queue must get the bytes WorkOS signed, not a re-serialisation.
    const payload = `{"id": "event_raw_1",  "event":"user.created","data":${JSON.stringify(
      userEvent('created', { updated_at: at(1) }).data,
    )},"created_at":"2025-01-01T00:00:00.000Z", "extra_field": {"kept": true}}`;
    const response = await post({ payload });
    expect(response).toEqual({ status: 200, json: { received: true } });
    const messages = await queued();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Body).toBe(payload);
    expect(messages[0]?.MessageAttributes?.eventType?.StringValue).toBe('user.created');
    expect(messages[0]?.MessageAttributes?.eventId?.StringValue).toBe('event_raw_1');
  });

  it('accepts a base64-encoded body and enqueues the decoded JSON', async () => {
    const payload = body(userEvent('updated', { first_name: 'Zoë', updated_at: at(2) }));
    expect((await post({ payload, base64: true })).status).toBe(200);
    const messages = await queued();
    expect(messages.map((m) => m.Body)).toEqual([payload]);
  });

  it('accepts an organization event without domains (constructEvent would throw on it)', async () => {
    const event = orgEvent('created', { updated_at: at(1) });
    delete (event.data as Record<string, unknown>).domains;
    const payload = body(event);
    await expect(
      workos.webhooks.constructEvent({ payload, sigHeader: signWebhook(payload, SECRET), secret: SECRET }),
    ).rejects.toThrow(TypeError);
    expect((await post({ payload })).status).toBe(200);
    expect(await queued()).toHaveLength(1);
  });

  it('signs the way the SDK verifies (constructEvent accepts what the tests sign)', async () => {
    const payload = body(userEvent('created', { updated_at: at(1) }));
    const event = await workos.webhooks.constructEvent({
      payload,
      sigHeader: signWebhook(payload, SECRET),
      secret: SECRET,
      tolerance: 180_000,
    });
    expect(event.event).toBe('user.created');
  });

  const rejected: [string, (payload: string) => Post][] = [
    ['no signature header', (payload) => ({ payload, signature: null })],
    ['a signature made with another secret', (payload) => ({ payload, secret: 'whsec_other' })],
    [
      'a signature of another body',
      (payload) => ({ payload, signature: signWebhook(`${payload} `, SECRET) }),
    ],
    ['a timestamp older than 3 minutes', (payload) => ({ payload, time: Date.now() - 181_000 })],
    ['a timestamp more than 3 minutes ahead', (payload) => ({ payload, time: Date.now() + 181_000 })],
    ['a timestamp a year ahead', (payload) => ({ payload, time: Date.now() + 365 * 86_400_000 })],
    ['a malformed header', (payload) => ({ payload, signature: 'garbage' })],
    ['an empty v1', (payload) => ({ payload, signature: `t=${Date.now()}, v1=` })],
    ['a header without t', (payload) => ({ payload, signature: 'v1=abc' })],
  ];
  for (const [name, input] of rejected) {
    it(`rejects ${name} with 401 INVALID_SIGNATURE and enqueues nothing`, async () => {
      const payload = body(userEvent('created', { updated_at: at(1) }));
      const response = await post(input(payload));
      expect(response.status).toBe(401);
      expect(response.json).toEqual({
        success: false,
        error: { code: 'INVALID_SIGNATURE', message: expect.any(String) },
      });
      expect(await queued()).toHaveLength(0);
    });
  }

  it('accepts a timestamp just inside the 3-minute window', async () => {
    const payload = body(userEvent('created', { updated_at: at(1) }));
    expect((await post({ payload, time: Date.now() - 170_000 })).status).toBe(200);
  });

  const invalid: [string, string][] = [
    ['not JSON', '{"id": "event_1", "event": '],
    ['JSON that is not an object', '[1, 2, 3]'],
    ['an event without id', JSON.stringify({ event: 'user.created', data: {} })],
    ['an event without event', JSON.stringify({ id: 'event_1', data: {} })],
    ['an event without data', JSON.stringify({ id: 'event_1', event: 'user.created' })],
    ['an event whose data is not an object', JSON.stringify({ id: 'event_1', event: 'x', data: 'y' })],
    // Both go into SQS message attributes, which cannot carry a NUL (a permanent 503 before).
    ['an event name with a NUL', JSON.stringify({ id: 'event_1', event: 'user.\u0000created', data: {} })],
    ['an event id with a NUL', JSON.stringify({ id: 'event_\u00001', event: 'user.created', data: {} })],
    ['an event name with spaces', JSON.stringify({ id: 'event_1', event: 'user created', data: {} })],
    [
      'an event id of 300 characters',
      JSON.stringify({ id: `event_${'a'.repeat(294)}`, event: 'x.y', data: {} }),
    ],
  ];
  for (const [name, payload] of invalid) {
    it(`answers ${name} (validly signed) with 400 VALIDATION_FAILED and enqueues nothing`, async () => {
      const response = await post({ payload });
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('VALIDATION_FAILED');
      expect(await queued()).toHaveLength(0);
    });
  }

  it('answers a body over 256 KB with 413, before looking at the signature', async () => {
    const payload = body(userEvent('created', { padding: 'x'.repeat(256 * 1024) }));
    const response = await post({ payload, signature: null });
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await queued()).toHaveLength(0);
  });

  it('answers 503 QUEUE_UNAVAILABLE when the queue rejects the message, so WorkOS retries', async () => {
    handler = makeWebhookHandler({ sqs, queueUrl: `${queueUrl}-missing`, secret: SECRET });
    const response = await post({ payload: body(userEvent('created', { updated_at: at(1) })) });
    expect(response.status).toBe(503);
    expect(response.json.error.code).toBe('QUEUE_UNAVAILABLE');
  });

  it('answers 503 when SQS cannot be reached at all', async () => {
    const unreachable = createSqs({ SQS_ENDPOINT: 'http://127.0.0.1:9' });
    handler = makeWebhookHandler({ sqs: unreachable, queueUrl, secret: SECRET });
    const response = await post({ payload: body(userEvent('created', { updated_at: at(1) })) });
    expect(response.status).toBe(503);
  });
});

describe('webhook bundle', () => {
  it('contains no database code (the webhook Lambda runs outside the VPC)', async () => {
    const result = await build({
      entryPoints: ['functions/webhook/handler.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      write: false,
      metafile: true,
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('packages/sync/src/webhook.ts'))).toBe(true);
    expect(inputs.filter((p) => /packages\/db\/|node_modules\/(postgres|drizzle-orm)\//.test(p))).toEqual([]);
  });
});
