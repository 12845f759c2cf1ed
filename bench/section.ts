import { writeFileSync } from 'node:fs';
import { measureMe } from './me';
import { measurePipeline } from './pipeline';
import { measureWebhook } from './webhook';
import { measureWorker } from './worker';

/**
 * One benchmark section in a Node process of its own (started by run.ts): fresh JIT and heap for
 * each, and the function's logs go to a stdout that the runner discards, as CloudWatch takes them.
 * Usage: section.ts <me|webhook|worker>; BENCH_DATABASE_URL, BENCH_SIZE (JSON) and BENCH_OUT set.
 */
const name = process.argv[2];
const databaseUrl = process.env.BENCH_DATABASE_URL ?? '';
const size = JSON.parse(process.env.BENCH_SIZE ?? '{}') as Record<string, number>;
const out = process.env.BENCH_OUT;
if (!out || !databaseUrl) throw new Error('BENCH_OUT and BENCH_DATABASE_URL are required');

const sections: Record<string, () => Promise<unknown>> = {
  me: () =>
    measureMe({ databaseUrl, requests: size.meRequests ?? 4000, firstSeenRequests: size.meFirstSeen ?? 150 }),
  'me-unnamed': () =>
    measureMe({
      databaseUrl,
      requests: size.meRequests ?? 4000,
      firstSeenRequests: size.meFirstSeen ?? 150,
      namedStatements: false,
    }),
  webhook: () => measureWebhook({ requests: size.webhookRequests ?? 2000 }),
  worker: () => measureWorker({ databaseUrl, batches: size.workerBatches ?? 400 }),
  pipeline: () => measurePipeline({ databaseUrl, batchesPerRun: size.pipelineBatches ?? 60 }),
};
const measure = name ? sections[name] : undefined;
if (!measure) throw new Error(`unknown section ${name}; one of ${Object.keys(sections).join(', ')}`);
writeFileSync(out, JSON.stringify(await measure()));
process.exit(0);
