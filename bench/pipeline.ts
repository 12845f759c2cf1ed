import { makeWorkOSApi } from '@app/config/workos-api';
import { createDb } from '@app/db';
import { startLocalQueue, startQueuePoller } from '@app/local';
import { makeSyncWorker } from '@app/sync';
import { makeWebhookHandler } from '@app/sync/webhook';
import { signWebhook, startEmulator } from '@app/workos-emulator';
import postgres from 'postgres';
import { httpEvent, lambdaContext } from '../test/support/events';
import { workosSettingsOf } from '../test/support/workos';
import { percentile, round } from './stats';
import { eventStream } from './worker-events';

export type PipelineRun = {
  workers: number;
  events: number;
  /** Events per second from the first webhook accepted to the last row committed. */
  eventsPerSec: number;
  /** Webhook accepted (200) -> the event's inbox row written, in its transaction. */
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  /** Deadlocks PostgreSQL detected in the database during the run (pg_stat_database). */
  deadlocks: number;
  /** Records a worker failed (SQS delivers them again). */
  retries: number;
  /** Most connections the workers held at once (sampled every 50 ms). */
  connectionsMax: number;
};
export type PipelineResult = { runs: PipelineRun[] };

const SECRET = 'whsec_bench_pipeline';

/**
 * The whole sync path under load: signed webhooks -> the webhook handler -> local SQS (fauxqs over
 * HTTP) -> N concurrent sync-worker instances (each its own poller and its own connection, as N
 * Lambda instances) -> PostgreSQL. For each N: events/s end to end, delivery latency, deadlocks,
 * failed records and connections. The WorkOS emulator answers parent fetches.
 */
export async function measurePipeline(options: {
  databaseUrl: string;
  batchesPerRun: number;
  workerCounts?: number[];
}): Promise<PipelineResult> {
  const emulator = await startEmulator({});
  // The client the sync worker ships with (functions/sync-worker), pointed at the emulator.
  const workos = makeWorkOSApi(workosSettingsOf(emulator));
  const admin = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  const runs: PipelineRun[] = [];
  try {
    for (const workers of options.workerCounts ?? [1, 2, 5, 10]) {
      runs.push(await runOnce(workers));
    }
  } finally {
    await admin.end();
    await emulator.stop();
  }
  return { runs };

  async function runOnce(workers: number): Promise<PipelineRun> {
    const queue = await startLocalQueue({ visibilityTimeoutSeconds: 5, maxReceiveCount: 100 });
    const applicationName = `bench-pipeline-${workers}`;
    const clients = Array.from({ length: workers }, () =>
      createDb(options.databaseUrl, { max: 1, applicationName }),
    );
    let retries = 0;
    const pollers = clients.map(({ db }) => {
      const worker = makeSyncWorker({ db, workos });
      return startQueuePoller({
        sqs: queue.sqs,
        queueUrl: queue.queueUrl,
        waitSeconds: 1,
        handler: async (event, context) => {
          const response = await worker.handler(event, context);
          retries += response.batchItemFailures.length;
          return response;
        },
      });
    });
    const webhook = makeWebhookHandler({
      sqs: queue.sender,
      queueUrl: queue.queueUrl,
      secret: SECRET,
    });
    const stream = eventStream(`p${workers}`);
    const bodies = [...stream.history()];
    for (let k = 1; k <= options.batchesPerRun; k++) bodies.push(...stream.batch(k));
    // Some events are delivered twice (as WorkOS may): one inbox row each.
    const deliveries = bodies.map((b) => (JSON.parse(b) as { id: string }).id);
    const ids = [...new Set(deliveries)];

    let connectionsMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await admin<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where application_name = ${applicationName}`;
        connectionsMax = Math.max(connectionsMax, row?.n ?? 0);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const deadlocksBefore = await deadlocks();

    const acceptedAt = new Map<string, number>();
    const started = Date.now();
    // Webhooks arrive 10 at a time, as WorkOS delivers them concurrently.
    for (let i = 0; i < bodies.length; i += 10) {
      await Promise.all(
        bodies.slice(i, i + 10).map(async (body, j) => {
          const res = await webhook(
            httpEvent({
              method: 'POST',
              path: '/webhooks/workos',
              headers: { 'content-type': 'application/json', 'workos-signature': signWebhook(body, SECRET) },
              body,
            }),
            lambdaContext(),
          );
          if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`);
          const id = deliveries[i + j] as string;
          if (!acceptedAt.has(id)) acceptedAt.set(id, Date.now());
        }),
      );
    }
    const deadline = Date.now() + 300_000;
    let rows: { event_id: string; at: number }[] = [];
    while (Date.now() < deadline) {
      rows = await admin<{ event_id: string; at: number }[]>`
        select event_id, (extract(epoch from processed_at) * 1000)::float8 as at
        from processed_events where event_id = any(${ids})`;
      if (rows.length >= ids.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    sampling = false;
    await sampler;
    await Promise.all(pollers.map((p) => p.stop()));
    await Promise.all(clients.map((c) => c.close()));
    await queue.stop();
    if (rows.length < ids.length) throw new Error(`only ${rows.length} of ${ids.length} events applied`);

    const latencies = rows
      .map((r) => r.at - (acceptedAt.get(r.event_id) ?? r.at))
      .map((ms) => Math.max(0, ms))
      .sort((a, b) => a - b);
    const finished = Math.max(...rows.map((r) => r.at));
    return {
      workers,
      events: deliveries.length,
      eventsPerSec: round(deliveries.length / ((finished - started) / 1000), 0),
      deliveryP50Ms: round(percentile(latencies, 0.5), 1),
      deliveryP99Ms: round(percentile(latencies, 0.99), 1),
      deadlocks: (await deadlocks()) - deadlocksBefore,
      retries,
      connectionsMax,
    };
  }

  async function deadlocks() {
    const [row] = await admin<{ n: number }[]>`
      select deadlocks::int as n from pg_stat_database where datname = current_database()`;
    return row?.n ?? 0;
  }
}
