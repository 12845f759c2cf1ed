import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSqs, SQS_LIMITS, SqsError } from '@app/config/sqs';
import { localSqsClient } from '@app/local';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sha256 } from '../../support/sha256';

let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let endpoint: string;
let reader: SQSClient;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  endpoint = `http://127.0.0.1:${fauxqs.port}`;
  reader = localSqsClient(endpoint);
});
afterAll(async () => {
  reader.destroy();
  await fauxqs.stop();
});

const newQueue = () => fauxqs.createQueue(`send-${Math.random().toString(36).slice(2)}`).queueUrl;

async function receive(queueUrl: string) {
  const out = await reader.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

describe('createSqs against the local SQS (fauxqs over HTTP)', () => {
  it('SendMessage puts the body and its attributes on the queue', async () => {
    const queueUrl = newQueue();
    const body = '{"id": "event_1",  "data": {"name": "Zoë"}}';
    const { MessageId } = await createSqs({ SQS_ENDPOINT: endpoint }).sendMessage({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageAttributes: { eventId: { DataType: 'String', StringValue: 'event_1' } },
    });
    const [message, ...rest] = await receive(queueUrl);
    expect(rest).toEqual([]);
    expect(message?.MessageId).toBe(MessageId);
    expect(message?.Body).toBe(body);
    expect(message?.MessageAttributes?.eventId?.StringValue).toBe('event_1');
  });

  it('SendMessageBatch sends ten and reports each entry', async () => {
    const queueUrl = newQueue();
    const entries = Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `m${i}` }));
    const result = await createSqs({ SQS_ENDPOINT: endpoint }).sendMessageBatch({
      QueueUrl: queueUrl,
      Entries: entries,
    });
    expect(result.Successful?.map((s) => s.Id).sort()).toEqual(entries.map((e) => e.Id).sort());
    expect(result.Failed ?? []).toEqual([]);
    const bodies = new Set<string>();
    for (let i = 0; i < 5 && bodies.size < 10; i++)
      for (const m of await receive(queueUrl)) bodies.add(m.Body ?? '');
    expect([...bodies].sort()).toEqual(entries.map((e) => e.MessageBody).sort());
  });

  it('a queue that does not exist is an SqsError with its code, not retried', async () => {
    const error = await createSqs({ SQS_ENDPOINT: endpoint })
      .sendMessage({ QueueUrl: `${endpoint}/000000000000/missing`, MessageBody: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqsError);
    expect(error).toMatchObject({ code: 'QueueDoesNotExist', status: 400 });
  });
});

/** An HTTP server answering each request with the next scripted reply (or never, for `hang`). */
async function scripted(replies: ({ status: number; body: object } | 'hang')[]) {
  const requests: { headers: IncomingMessage['headers']; body: string; url: string }[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      requests.push({ headers: req.headers, body, url: req.url ?? '' });
      const reply = replies[Math.min(requests.length, replies.length) - 1];
      if (!reply || reply === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    stop: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('createSqs: the request on the wire, retries and time limits', () => {
  it('POSTs AWS JSON 1.0 with X-Amz-Target, signed with SigV4 as AWS computes it', async () => {
    const server = await scripted([{ status: 200, body: { MessageId: 'm-1' } }]);
    const input = { QueueUrl: `${server.url}/000000000000/q`, MessageBody: 'hello' };
    await expect(createSqs({ SQS_ENDPOINT: server.url }).sendMessage(input)).resolves.toEqual({
      MessageId: 'm-1',
    });
    await server.stop();
    const [request] = server.requests;
    expect(request?.url).toBe('/');
    expect(request?.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(request?.body ?? '')).toEqual(input);
    // The AWS SDK's own signer, given the same request and time, computes the same Authorization.
    const headers = request?.headers ?? {};
    // aws4fetch signs host, x-amz-date and x-amz-target (not content-type); SigV4 lets the signer choose.
    const signed = /SignedHeaders=([^,]+)/.exec(String(headers.authorization))?.[1]?.split(';') ?? [];
    expect(signed).toEqual(['host', 'x-amz-date', 'x-amz-target']);
    const amzDate = String(headers['x-amz-date']);
    const signer = new SignatureV4({
      service: 'sqs',
      region: process.env.AWS_REGION ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      sha256: Sha256,
      applyChecksum: false,
    });
    const reference = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/',
        headers: Object.fromEntries(signed.map((h) => [h, String(headers[h])])),
        body: request?.body,
      },
      {
        signingDate: new Date(
          `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
        ),
      },
    );
    expect(headers.authorization).toBe(reference.headers.authorization);
  });

  const retried: [string, number, object][] = [
    ['a 500', 500, { __type: 'com.amazonaws.sqs#InternalError', message: 'oops' }],
    ['a throttled 400', 400, { __type: 'com.amazonaws.sqs#ThrottlingException', message: 'slow down' }],
  ];
  for (const [name, status, body] of retried) {
    it(`tries ${name} again, ${SQS_LIMITS.attempts} attempts in all`, async () => {
      const server = await scripted([{ status, body }]);
      const error = await createSqs({ SQS_ENDPOINT: server.url })
        .sendMessage({ QueueUrl: `${server.url}/000000000000/q`, MessageBody: 'x' })
        .catch((e: unknown) => e);
      await server.stop();
      expect(error).toBeInstanceOf(SqsError);
      expect(server.requests).toHaveLength(SQS_LIMITS.attempts);
    });
  }

  it('succeeds when the second attempt does', async () => {
    const server = await scripted([
      { status: 503, body: { __type: 'com.amazonaws.sqs#ServiceUnavailable' } },
      { status: 200, body: { MessageId: 'm-2' } },
    ]);
    const sent = await createSqs({ SQS_ENDPOINT: server.url }).sendMessage({
      QueueUrl: `${server.url}/000000000000/q`,
      MessageBody: 'x',
    });
    await server.stop();
    expect(sent.MessageId).toBe('m-2');
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a refused request (a 400 that is not throttling)', async () => {
    const server = await scripted([
      { status: 400, body: { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'bad' } },
    ]);
    const error = await createSqs({ SQS_ENDPOINT: server.url })
      .sendMessage({ QueueUrl: `${server.url}/000000000000/q`, MessageBody: 'x' })
      .catch((e: unknown) => e);
    await server.stop();
    expect(error).toMatchObject({ code: 'InvalidParameterValue', status: 400, message: 'bad' });
    expect(server.requests).toHaveLength(1);
  });

  it("stops at the caller's signal, without another attempt", async () => {
    const server = await scripted(['hang']);
    const started = Date.now();
    const error = await createSqs({ SQS_ENDPOINT: server.url })
      .sendMessage(
        { QueueUrl: `${server.url}/000000000000/q`, MessageBody: 'x' },
        { signal: AbortSignal.timeout(300) },
      )
      .catch((e: unknown) => e);
    await server.stop();
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(server.requests).toHaveLength(1);
  });

  it('gives each attempt at most the request timeout', async () => {
    const server = await scripted(['hang']);
    const started = Date.now();
    // The production limit is SQS_LIMITS.requestTimeoutMs (3 s); a shorter one keeps the test quick.
    const requestTimeoutMs = 400;
    const error = await createSqs({ SQS_ENDPOINT: server.url }, { requestTimeoutMs })
      .sendMessage({ QueueUrl: `${server.url}/000000000000/q`, MessageBody: 'x' })
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    await server.stop();
    expect((error as Error).name).toBe('TimeoutError');
    expect(server.requests).toHaveLength(SQS_LIMITS.attempts);
    expect(elapsed).toBeGreaterThanOrEqual(SQS_LIMITS.attempts * requestTimeoutMs - 50);
    expect(elapsed).toBeLessThan(SQS_LIMITS.attempts * requestTimeoutMs + 2000);
  });

  it('fails at once when SQS cannot be reached', async () => {
    const error = await createSqs({ SQS_ENDPOINT: 'http://127.0.0.1:9' })
      .sendMessage({ QueueUrl: 'http://127.0.0.1:9/000000000000/q', MessageBody: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('in AWS, asks for the credentials Lambda puts in the environment', async () => {
    const saved = { ...process.env };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const sqs = createSqs({});
      await expect(
        sqs.sendMessage({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/q', MessageBody: 'x' }),
      ).rejects.toThrow(/AWS_ACCESS_KEY_ID/);
    } finally {
      process.env = saved;
    }
  });
});
