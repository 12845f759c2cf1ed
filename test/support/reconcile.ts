import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { organizationMemberships, organizations, users } from '@app/db';
import type { RecordReport } from '@app/sync';
import { makeWebhookHandler } from '@app/sync/webhook';
import type { Emulator } from '@app/workos-emulator';
import { GetQueueAttributesCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { eq } from 'drizzle-orm';
import { routes } from '../../infra/routes';
import {
  createLocalApi,
  type HttpLambda,
  startLocalQueue,
  startQueuePoller,
} from '../../packages/local/src/index';
import type { TestDatabase } from './db';
import { startSyncWorker } from './sync';

const WEBHOOK_SECRET = 'whsec_reconcile_tests';

/**
 * The sync path of the stack, all real: a fresh migrated database, the WorkOS emulator driven by
 * the SDK, the SQS emulator (fauxqs) with the sync queue, the sync worker draining it as Lambda's
 * event source would, and optionally the webhook function behind a local HTTP API that the
 * emulator delivers signed webhooks to.
 */
export async function startSyncStack(
  options: {
    webhooks?: boolean /** Fills WorkOS before any webhook endpoint exists. */;
    seed?: (e: Emulator) => void;
  } = {},
) {
  const [bed, queue] = await Promise.all([
    startSyncWorker({ emulator: { webhookRetry: { attempts: 3, baseDelayMs: 50, timeoutMs: 5000 } } }),
    startLocalQueue({ visibilityTimeoutSeconds: 2 }),
  ]);
  const { t, emulator, workos, worker } = bed;
  /** What the worker did with every record it received. */
  const reports: RecordReport[] = [];
  const workerErrors: unknown[] = [];
  const poller = startQueuePoller({
    sqs: queue.sqs,
    queueUrl: queue.queueUrl,
    handler: async (event, context) => {
      const report = await worker.processBatch(event, context);
      reports.push(...report.records);
      return report.response;
    },
    onError: (error) => workerErrors.push(error),
  });

  options.seed?.(emulator);
  let api: Server | undefined;
  if (options.webhooks) {
    const webhook = makeWebhookHandler({
      sqs: queue.sender,
      queueUrl: queue.queueUrl,
      secret: WEBHOOK_SECRET,
      hsts: false,
    }) as unknown as HttpLambda;
    api = createLocalApi({ routes, handler: async () => webhook });
    const server = api;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    emulator.webhooks.createEndpoint({
      endpointUrl: `http://127.0.0.1:${port}/webhooks/workos`,
      secret: WEBHOOK_SECRET,
    });
  }

  async function queueDepth(url = queue.queueUrl) {
    const { Attributes } = await queue.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /** Waits until webhooks that can go out went out and the worker emptied the queue. */
  async function drain(timeoutMs = 25_000) {
    const deadline = Date.now() + timeoutMs;
    let emptyChecks = 0;
    while (emptyChecks < 2) {
      if (Date.now() > deadline) throw new Error(`queue not drained: ${await queueDepth()} messages left`);
      if (options.webhooks) await emulator.flushWebhooks();
      emptyChecks = (await queueDepth()) === 0 ? emptyChecks + 1 : 0;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function purge() {
    await queue.sqs.send(new PurgeQueueCommand({ QueueUrl: queue.queueUrl }));
  }

  /** Runs a change in WorkOS, then moves its clock on so the next change has a later updated_at. */
  function change<T>(fn: () => T): T {
    const value = fn();
    emulator.clock.advance(5);
    return value;
  }

  async function stop() {
    await poller.stop();
    if (api) {
      const server = api;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await Promise.all([bed.stop(), queue.stop()]);
  }

  return {
    t,
    emulator,
    queue,
    workos,
    worker,
    reports,
    workerErrors,
    drain,
    purge,
    queueDepth,
    change,
    stop,
  };
}

export type SyncStack = Awaited<ReturnType<typeof startSyncStack>>;

/**
 * The WorkOS-owned state as comparable plain data: live users, organizations and memberships by
 * WorkOS id. From the emulator (the truth) and from the database (live rows: not tombstoned).
 */
export function emulatorState(emulator: Emulator) {
  const orgsById = new Map(emulator.store.listOrganizations().map((o) => [o.id, o]));
  return {
    users: Object.fromEntries(
      emulator.store.listUsers().map((u) => [
        u.id,
        {
          email: u.email,
          firstName: u.first_name ?? '',
          lastName: u.last_name ?? '',
          updatedAt: u.updated_at,
        },
      ]),
    ),
    organizations: Object.fromEntries(
      [...orgsById.values()].map((o) => [o.id, { name: o.name, updatedAt: o.updated_at }]),
    ),
    memberships: Object.fromEntries(
      emulator.store.listMemberships().map((m) => [
        m.id,
        {
          user: m.user_id,
          organization: m.organization_id,
          status: m.status,
          roleSlug: m.role.slug,
          updatedAt: m.updated_at,
        },
      ]),
    ),
  };
}

export async function databaseState(t: TestDatabase) {
  const userRows = await t.db.select().from(users);
  const orgRows = await t.db.select().from(organizations);
  const membershipRows = await t.db
    .select({ m: organizationMemberships, user: users.workosId, organization: organizations.workosOrgId })
    .from(organizationMemberships)
    .innerJoin(users, eq(users.id, organizationMemberships.userId))
    .innerJoin(organizations, eq(organizations.id, organizationMemberships.organizationId));
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    users: Object.fromEntries(
      userRows
        .filter((u) => !u.deletedAt)
        .map((u) => [
          u.workosId,
          { email: u.email, firstName: u.firstName, lastName: u.lastName, updatedAt: iso(u.workosUpdatedAt) },
        ]),
    ),
    organizations: Object.fromEntries(
      orgRows
        .filter((o) => !o.deletedAt)
        .map((o) => [o.workosOrgId, { name: o.name, updatedAt: iso(o.workosUpdatedAt) }]),
    ),
    memberships: Object.fromEntries(
      membershipRows
        .filter((r) => !r.m.deletedAt)
        .map((r) => [
          r.m.workosMembershipId,
          {
            user: r.user,
            organization: r.organization,
            status: r.m.status,
            roleSlug: r.m.roleSlug,
            updatedAt: iso(r.m.workosUpdatedAt),
          },
        ]),
    ),
  };
}

/** Every synced row with every column: "touches nothing else" compares these before and after. */
export async function allRows(t: TestDatabase) {
  const [u, o, m] = await Promise.all([
    t.db.select().from(users),
    t.db.select().from(organizations),
    t.db.select().from(organizationMemberships),
  ]);
  // sweep_run is the full backfill's own mark (which rows it saw), not data.
  const byId = <T extends { id: string; sweepRun: string | null }>(rows: T[]) =>
    Object.fromEntries(rows.map(({ sweepRun: _, ...r }) => [r.id, r]));
  return { users: byId(u), organizations: byId(o), memberships: byId(m) };
}
