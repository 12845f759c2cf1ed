import { parseArgs } from 'node:util';
import { prepareDatabase } from './database';
import { measureWorker } from './worker';

/**
 * The sync worker section alone, for tuning it: a fresh database, the same history and batches as
 * `npm run bench`, the seed's way alternating with it. Prints events/s, statements per event and
 * the ratio to the baseline on stderr (stdout carries the worker's logs and metrics, as in Lambda).
 * Usage: npx tsx bench/worker-probe.ts [--batches 200] [--runs 2] > /dev/null
 */
const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '200' },
    runs: { type: 'string', default: '1' },
  },
});

for (let run = 1; run <= Number(args.runs); run++) {
  // A fresh database each run: the event ids repeat, so a reused one would only see duplicates.
  const database = await prepareDatabase(`${import.meta.dirname}/.work`);
  try {
    const result = await measureWorker({ databaseUrl: database.url, batches: Number(args.batches) });
    const { worker: w, baseline: b } = result;
    process.stderr.write(
      `run ${run}: worker ${w.eventsPerSec} events/s, ${w.statementsPerEvent} statements/event, ` +
        `batch p50 ${w.batchP50Ms} ms p99 ${w.batchP99Ms} ms | seed ${b.eventsPerSec} events/s, ` +
        `${b.statementsPerEvent} statements/event | x${result.speedup} | ${JSON.stringify(w.outcomes)}\n`,
    );
  } finally {
    await database.drop();
  }
}
