import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSqs } from '@app/config/sqs';
import { createWorkOS } from '@app/config/workos';
import { organizationMemberships, organizations, users } from '@app/db';
import { makeSyncWorker } from '@app/sync';
import { makeWebhookHandler } from '@app/sync/webhook';
import { type Emulator, startEmulator } from '@app/workos-emulator';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { eq } from 'drizzle-orm';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { httpEvent, lambdaContext, sqsRecord } from '../../support/events';
import { emulatorWorkOS } from '../../support/workos';

const SECRET = 'whsec_flow';

let t: TestDatabase;
let emulator: Emulator;
let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: SQSClient;
let queueUrl: string;
let http: Server;

beforeAll(async () => {
  [t, fauxqs] = await Promise.all([
    createTestDatabase(),
    startFauxqs({ port: 0, logger: false, host: '127.0.0.1' }),
  ]);
  sqs = createSqs({ SQS_ENDPOINT: `http://127.0.0.1:${fauxqs.port}` });
  queueUrl = fauxqs.createQueue('flow').queueUrl;
  // POST /webhooks/workos served over real HTTP, as API Gateway would hand it to the Lambda.
  const webhook = makeWebhookHandler({
    sqs,
    queueUrl,
    secret: SECRET,
    workos: createWorkOS({ WORKOS_CLIENT_ID: 'client_flow' }),
  });
  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const result = await webhook(
        httpEvent({
          method: req.method,
          path: req.url,
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
        lambdaContext(),
      );
      res.writeHead(result.statusCode ?? 500, { 'content-type': 'application/json' }).end(result.body);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  emulator = await startEmulator({
    webhooks: [{ endpointUrl: `http://127.0.0.1:${port}/webhooks/workos`, secret: SECRET }],
  });
});
afterAll(async () => {
  await emulator.stop();
  await new Promise((resolve) => http.close(resolve));
  sqs.destroy();
  await Promise.all([t.drop(), fauxqs.stop()]);
});

describe('WorkOS -> webhook -> SQS -> worker -> PostgreSQL', () => {
  it('brings what changed in WorkOS into the database, even when deliveries come duplicated and reversed', async () => {
    const worker = makeSyncWorker({ db: t.db, workos: emulatorWorkOS(emulator) });

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
      const response = await worker.handler({
        Records: messages.map((msg) =>
          sqsRecord(msg.Body ?? '', {
            messageId: msg.MessageId ?? '',
            receiptHandle: msg.ReceiptHandle ?? '',
          }),
        ),
      });
      expect(response.batchItemFailures).toEqual([]);
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
