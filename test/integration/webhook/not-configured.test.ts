import { SECRET_PLACEHOLDER } from '@app/config/secrets';
import { localSqsClient } from '@app/local';
import { signWebhook } from '@app/workos-emulator';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpEvent, lambdaContext } from '../../support/events';
import { body, membershipEvent } from '../../support/sync-events';

/**
 * Before ops set the webhook secret it holds the placeholder, which anyone can read in this
 * repository. A delivery signed with it must not reach the queue: the function answers 503
 * NOT_CONFIGURED (WorkOS retries; reconcile catches up) and counts the refusal.
 */
let server: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: SQSClient;
let queueUrl: string;
const saved = { ...process.env };

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  sqs = localSqsClient(endpoint);
  queueUrl = server.createQueue(`not-configured-${Math.random().toString(36).slice(2)}`).queueUrl;
  Object.assign(process.env, {
    APP_ENV: 'aws',
    LOG_LEVEL: 'WARN',
    WORKOS_CLIENT_ID: 'client_not_configured',
    WORKOS_WEBHOOK_SECRET: SECRET_PLACEHOLDER,
    QUEUE_URL: queueUrl,
    SQS_ENDPOINT: endpoint,
    POWERTOOLS_METRICS_NAMESPACE: 'WorkOSAuth/test',
    // vitest.config.ts turns EMF off for the suite; this test reads it.
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  vi.resetModules();
});
afterAll(async () => {
  process.env = saved;
  sqs.destroy();
  await server.stop();
});

describe('webhook with the placeholder secret', () => {
  it('refuses a delivery forged with the placeholder: 503 NOT_CONFIGURED, Retry-After, nothing queued, one metric', async () => {
    const output: string[] = [];
    const capture = (chunk: unknown) => {
      output.push(String(chunk));
      return true;
    };
    // EMF lines go to stdout, warnings to stderr.
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const writeError = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    let response: Awaited<ReturnType<typeof import('../../../functions/webhook/handler')['handler']>>;
    try {
      const { handler } = await import('../../../functions/webhook/handler');
      // The attack: a membership update with a far-future updated_at granting ADMIN.
      const payload = body(
        membershipEvent('updated', { role: { slug: 'admin' }, updated_at: '2999-01-01T00:00:00.000Z' }),
      );
      response = await handler(
        httpEvent({
          method: 'POST',
          path: '/webhooks/workos',
          headers: {
            'content-type': 'application/json',
            'WorkOS-Signature': signWebhook(payload, SECRET_PLACEHOLDER),
          },
          body: payload,
        }),
        lambdaContext(),
      );
    } finally {
      write.mockRestore();
      writeError.mockRestore();
    }
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body as string).error.code).toBe('NOT_CONFIGURED');
    expect(response.headers['retry-after']).toBe('300');

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    expect(received.Messages ?? []).toEqual([]);

    const lines = output.join('').split('\n').filter(Boolean);
    const emf = lines.map((l) => JSON.parse(l)).filter((l) => l._aws);
    expect(emf.filter((l) => l.NotConfigured === 1)).toHaveLength(1);
    // Said once, at the cold start, naming the secret (never its value).
    const warnings = lines.filter((l) => l.includes('NOT_CONFIGURED'));
    expect(warnings.filter((l) => l.includes('"level":"WARN"'))).toHaveLength(1);
    expect(warnings.join('')).toContain('WORKOS_WEBHOOK_SECRET');
    expect(lines.filter((l) => l.includes('"level":"ERROR"'))).toEqual([]);
  });
});
