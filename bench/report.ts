import type { BundleResult } from './bundles';
import type { MeResult, MeRun } from './me';
import type { PipelineResult } from './pipeline';
import type { WebhookResult } from './webhook';
import type { WorkerResult, WorkerRun } from './worker';

export type Target = { what: string; goal: string; measured: string; met: boolean };

export type Results = {
  date: string;
  machine: {
    cpuModel: string;
    cpus: number;
    memoryGiB: number;
    node: string;
    platform: string;
    loadAverage1m: number;
  };
  database: { source: 'DATABASE_URL' | 'embedded'; serverVersion: string };
  durationSeconds: number;
  settings: { coldImportRuns: number; meRequests: number; webhookRequests: number; workerBatches: number };
  bundles: BundleResult[];
  me: MeResult;
  webhook: WebhookResult;
  worker: WorkerResult;
  /** GET /me with unnamed statements (prepare: false), against `me` with named ones; absent in older runs. */
  meUnnamed?: MeResult;
  /** The whole sync path at 1, 2, 5 and 10 worker instances (pipeline.ts); absent in older runs. */
  pipeline?: PipelineResult;
  targets: Target[];
};

export const TARGETS = {
  bundleKb: 350,
  /** The auth bundle carries the WorkOS SDK for the login flows: exempt from bundleKb (see the README). */
  bundleKbExempt: ['auth'],
  /** Every HTTP function's cold import, as a ratio to the `me` function's in the same run. */
  coldImportRatioToMe: 1.25,
  meP50Ms: 1,
  meP99Ms: 3,
  workerEventsPerSec: 2000,
};

/** The targets, checked against one run; cold imports as ratios to `me`'s, so machine load cancels out. */
export function checkTargets(r: Omit<Results, 'targets'>): Target[] {
  const targets: Target[] = [];
  const httpBundles = r.bundles.filter((x) => x.http);
  const me = httpBundles.find((x) => x.fn === 'me')?.coldImportMs ?? null;
  for (const b of httpBundles) {
    if (!TARGETS.bundleKbExempt.includes(b.fn)) {
      targets.push({
        what: `${b.fn} bundle`,
        goal: `<= ${TARGETS.bundleKb} KB`,
        measured: `${b.kb} KB`,
        met: !b.error && b.kb <= TARGETS.bundleKb,
      });
    }
    if (b.fn === 'me') continue;
    const ratio = b.coldImportMs !== null && me ? Math.round((b.coldImportMs / me) * 100) / 100 : null;
    targets.push({
      what: `${b.fn} cold import vs me`,
      goal: `<= ${TARGETS.coldImportRatioToMe}x`,
      measured: ratio === null ? 'failed' : `${ratio}x (${b.coldImportMs} / ${me} ms)`,
      met: ratio !== null && ratio <= TARGETS.coldImportRatioToMe,
    });
  }
  targets.push(
    {
      what: 'GET /me warm p50',
      goal: `<= ${TARGETS.meP50Ms} ms`,
      measured: `${r.me.warm.p50Ms} ms`,
      met: r.me.warm.p50Ms <= TARGETS.meP50Ms,
    },
    {
      what: 'GET /me warm p99',
      goal: `<= ${TARGETS.meP99Ms} ms`,
      measured: `${r.me.warm.p99Ms} ms`,
      met: r.me.warm.p99Ms <= TARGETS.meP99Ms,
    },
    {
      what: 'sync worker (inbox + order guard)',
      goal: `>= ${TARGETS.workerEventsPerSec} events/s`,
      measured: `${r.worker.worker.eventsPerSec} events/s`,
      met: r.worker.worker.eventsPerSec >= TARGETS.workerEventsPerSec,
    },
    {
      what: 'sync worker vs seed baseline',
      goal: '>= 1x',
      measured: `${r.worker.speedup}x`,
      met: r.worker.speedup >= 1,
    },
  );
  return targets;
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const rule = (n: number) => row(Array.from({ length: n }, () => '---'));

/** The table `npm run bench` prints and the README shows: every figure is read from results.json. */
export function renderTable(r: Results): string {
  const m = r.machine;
  const lines: string[] = [
    `${r.date.slice(0, 10)} · ${m.cpus} x ${m.cpuModel} · ${m.memoryGiB} GiB · Node ${m.node} · ` +
      `PostgreSQL ${r.database.serverVersion} (${r.database.source}) · load ${m.loadAverage1m} at start · ${r.durationSeconds} s`,
    '',
    row([
      'function',
      'HTTP',
      'bundle KB',
      `cold import ms (median of ${r.settings.coldImportRuns})`,
      'process ms (median)',
      'largest packages KB',
      'AWS SDK clients loaded from the runtime',
    ]),
    rule(7),
  ];
  for (const b of r.bundles) {
    lines.push(
      row([
        b.fn,
        b.http ? 'yes' : 'no',
        b.error && !b.kb ? 'failed' : b.kb,
        b.coldImportMs ?? (b.error ? `failed: ${b.error}` : '-'),
        b.coldProcessMs ?? '-',
        b.largest.map((p) => `${p.name} ${p.kb}`).join(', '),
        b.runtimeSdk.map((name) => name.replace('@aws-sdk/', '')).join(', ') || '-',
      ]),
    );
  }
  const me = r.me;
  const handler = (label: string, x: MeRun | WebhookResult, db?: MeRun) =>
    row([
      label,
      x.p50Ms,
      x.p99Ms,
      x.opsPerSec,
      db?.statementsPerRequest ?? 0,
      db?.roundTripsPerRequest ?? 0,
      db?.writesPerRequest ?? 0,
    ]);
  lines.push(
    '',
    row([
      'handler, warm, one request at a time',
      'p50 ms',
      'p99 ms',
      'ops/s',
      'DB statements',
      'DB round trips',
      'DB writes',
    ]),
    rule(7),
    handler('GET /me (cookie verified earlier by this container)', me.warm, me.warm),
    handler('GET /me (cookie new to this container: unseal + JWT verify)', me.firstSeen, me.firstSeen),
    handler("GET /me, seed's way (+ lastLoginAt write per request)", me.baseline, me.baseline),
    ...(r.meUnnamed
      ? [
          handler(
            'GET /me, unnamed statements (no proxy pinning), cookie verified',
            r.meUnnamed.warm,
            r.meUnnamed.warm,
          ),
          handler(
            'GET /me, unnamed statements, cookie new to this container',
            r.meUnnamed.firstSeen,
            r.meUnnamed.firstSeen,
          ),
        ]
      : []),
    handler('POST /webhooks/workos (verify + SendMessage to fauxqs)', r.webhook),
    '',
    `DB columns are per request. GET /me: ${me.speedup}x the ops/s of the seed's way (${me.warm.requests} requests each, alternating blocks).`,
    '',
  );
  const w = r.worker;
  const worker = (label: string, x: WorkerRun) =>
    row([
      label,
      x.eventsPerSec,
      x.statementsPerEvent,
      x.roundTripsPerEvent,
      x.batchP50Ms,
      x.batchP99Ms,
      x.events,
    ]);
  const outcomes = Object.entries(w.worker.outcomes).map(([k, v]) => `${k} ${v}`);
  lines.push(
    row([
      'sync worker, batches of 10 mixed events',
      'events/s',
      'DB statements / event',
      'DB round trips / event',
      'batch p50 ms',
      'batch p99 ms',
      'events',
    ]),
    rule(7),
    worker('worker: inbox + order guard, one transaction per batch', w.worker),
    worker("seed's way: read-then-write per event, autocommit", w.baseline),
    '',
    `Sync worker: ${w.speedup}x the events/s of the seed's way. Inbox rows: ${outcomes.join(', ')}; failed records ${w.worker.failedRecords}.`,
    '',
    ...(r.pipeline ? [...pipelineTable(r.pipeline), ''] : []),
    row(['target', 'goal', 'measured', 'met']),
    rule(4),
    ...r.targets.map((t) => row([t.what, t.goal, t.measured, t.met ? 'yes' : '**no**'])),
  );
  return lines.join('\n');
}

/** Webhook -> SQS -> N worker instances -> PostgreSQL, one row per N. */
function pipelineTable(p: PipelineResult): string[] {
  return [
    row([
      'pipeline: webhook -> SQS -> workers',
      'events/s',
      'delivery p50 ms',
      'delivery p99 ms',
      'deadlocks',
      'failed records',
      'connections',
    ]),
    rule(7),
    ...p.runs.map((x) =>
      row([
        `${x.workers} worker instance${x.workers === 1 ? '' : 's'} (${x.events} events)`,
        x.eventsPerSec,
        x.deliveryP50Ms,
        x.deliveryP99Ms,
        x.deadlocks,
        x.retries,
        x.connectionsMax,
      ]),
    ),
  ];
}
