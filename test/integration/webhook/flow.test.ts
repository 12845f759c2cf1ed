import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { organizationMemberships, organizations, users } from '@app/db';
import {
  type FunctionLoader,
  functionLoader,
  type HttpLambda,
  localSqsClient,
  type SqsLambda,
} from '@app/local';
import { type Emulator, startEmulator } from '@app/workos-emulator';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { eq } from 'drizzle-orm';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { httpEvent, lambdaContext, sqsRecord } from '../../support/events';

const SECRET = 'whsec_flow';
// The deployed handlers (functions/webhook, functions/sync-worker), configured by their environment as
// in AWS: from source, or, with LOCAL_BUNDLES=1 (a second CI run), from the bundles the CDK app builds.
const bundles = process.env.LOCAL_BUNDLES === '1';

let t: TestDatabase;
let emulator: Emulator;
let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: SQSClient;
let queueUrl: string;
let http: Server;
let functions: FunctionLoader;
let webhook: HttpLambda;
let worker: SqsLambda;

beforeAll(async () => {
  [t, fauxqs, functions] = await Promise.all([
    createTestDatabase(),
    // No `host`: fauxqs would then build queue URLs the handler's config refuses (see packages/local/src/queue.ts).
    startFauxqs({ port: 0, logger: false }),
    functionLoader({ bundles, functions: ['webhook', 'sync-worker'] }),
  ]);
  const sqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
  sqs = localSqsClient(sqsEndpoint);
  queueUrl = fauxqs.createQueue('flow').queueUrl;
  Object.assign(process.env, {
    APP_ENV: 'local',
    QUEUE_URL: queueUrl,
    SQS_ENDPOINT: sqsEndpoint,
    WORKOS_WEBHOOK_SECRET: SECRET,
  });
  // POST /webhooks/workos served over real HTTP, as API Gateway would hand it to the Lambda.
  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const result = (await webhook(
        httpEvent({
          method: req.method,
          path: req.url,
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
        lambdaContext(),
      )) as APIGatewayProxyStructuredResultV2;
      res.writeHead(result.statusCode ?? 500, { 'content-type': 'application/json' }).end(result.body);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  emulator = await startEmulator({
    webhooks: [{ endpointUrl: `http://127.0.0.1:${port}/webhooks/workos`, secret: SECRET }],
  });
  Object.assign(process.env, {
    WORKOS_CLIENT_ID: emulator.clientId,
    WORKOS_API_KEY: emulator.apiKey,
    WORKOS_API_HOSTNAME: emulator.hostname,
    WORKOS_API_PORT: String(emulator.port),
    WORKOS_API_HTTPS: 'false',
    DATABASE_URL: t.url,
  });
  [webhook, worker] = await Promise.all([
    functions.load<HttpLambda>('webhook'),
    functions.load<SqsLambda>('sync-worker'),
  ]);
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
  if (http) await new Promise((resolve) => http.close(resolve));
  sqs?.destroy();
  await Promise.all([t?.drop(), fauxqs?.stop(), functions?.stop()]);
});

describe('WorkOS -> webhook -> SQS -> worker -> PostgreSQL', () => {
  it('runs the handlers the way LOCAL_BUNDLES asks (source, or the bundles the CDK app builds)', () => {
    expect(functions.mode).toBe(bundles ? 'bundles' : 'source');
  });

  it('brings what changed in WorkOS into the database, even when deliveries come duplicated and reversed', async () => {
    emulator.webhooks.holdNext(6);
    emulator.webhooks.duplicateNext(2);
    const user = emulator.store.createUser({ email: 'flow@example.com', firstName: 'Flo' });
    const org = emulator.store.createOrganization({ name: 'Flow Org', domains: ['flow.test'] });
    const m = emulator.store.createMembership({ userId: user.id, organizationId: org.id, roleSlug: 'admin' });
    emulator.clock.advance(1000);
    emulator.store.updateUser(user.id, { firstName: 'Flora' });
    emulator.clock.advance(1000);
    emulator.store.updateMembership(m.id, { roleSlug: 'member', status: 'inactive' });
    emulator.webhooks.releaseHeld('reverse');
    await emulator.flushWebhooks();
    expect(emulator.webhooks.deliveries.every((d) => d.status === 200)).toBe(true);

    for (let round = 0; round < 10; round++) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      const messages = out.Messages ?? [];
      if (!messages.length) break;
      const response = await worker(
        {
          Records: messages.map((msg) =>
            sqsRecord(msg.Body ?? '', {
              messageId: msg.MessageId ?? '',
              receiptHandle: msg.ReceiptHandle ?? '',
            }),
          ),
        },
        lambdaContext(),
      );
      expect(response?.batchItemFailures).toEqual([]);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((msg, i) => ({ Id: String(i), ReceiptHandle: msg.ReceiptHandle ?? '' })),
        }),
      );
    }

    const [u] = await t.db.select().from(users).where(eq(users.workosId, user.id));
    expect(u).toMatchObject({ email: 'flow@example.com', firstName: 'Flora' });
    const [o] = await t.db.select().from(organizations).where(eq(organizations.workosOrgId, org.id));
    expect(o).toMatchObject({ name: 'Flow Org', slug: 'flow-org' });
    const [membership] = await t.db
      .select()
      .from(organizationMemberships)
      .where(eq(organizationMemberships.workosMembershipId, m.id));
    expect(membership).toMatchObject({ role: 'MEMBER', roleSlug: 'member', status: 'inactive' });
  });
});
