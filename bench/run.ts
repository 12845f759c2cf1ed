import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureBundles } from './bundles';
import { prepareDatabase } from './database';
import type { MeResult } from './me';
import type { PipelineResult } from './pipeline';
import { newestProfile, type ProfileShare, summarizeProfile } from './profile';
import { checkTargets, type Results, renderTable } from './report';
import { round } from './stats';
import type { WebhookResult } from './webhook';
import type { WorkerResult } from './worker';

/**
 * `npm run bench`: bundle size and cold import of every function, warm GET /me and webhook
 * handlers, the sync worker, each against the seed's way where there is one. Prints a table and
 * writes bench/results.json. `--quick` runs a smaller version (a smoke test, not for publishing);
 * `--profile` also records V8 CPU profiles (bench/.work/profiles) and prints where the time goes.
 * Neither overwrites bench/results.json.
 */
const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false } },
});
const started = performance.now();
const benchDir = import.meta.dirname;
const workDir = path.join(benchDir, '.work');
mkdirSync(workDir, { recursive: true });

const settings = args.quick
  ? {
      coldImportRuns: 3,
      meRequests: 400,
      meFirstSeen: 20,
      webhookRequests: 200,
      workerBatches: 40,
      pipelineBatches: 10,
    }
  : {
      coldImportRuns: 15,
      meRequests: 4000,
      meFirstSeen: 150,
      webhookRequests: 2000,
      workerBatches: 400,
      pipelineBatches: 60,
    };

const step = (text: string) => process.stderr.write(`bench: ${text}\n`);
const profileDir = path.join(workDir, 'profiles');
if (args.profile) rmSync(profileDir, { recursive: true, force: true });

/** Runs one section (section.ts) in its own Node process and reads what it measured. */
async function section<T>(name: string, databaseUrl: string): Promise<T> {
  const out = path.join(workDir, `${name}-${process.pid}.json`);
  const child = spawn(
    process.execPath,
    [
      ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`] : []),
      '--import',
      'tsx',
      '--disable-warning=ExperimentalWarning',
      path.join(benchDir, 'section.ts'),
      name,
    ],
    {
      cwd: path.resolve(benchDir, '..'),
      env: {
        ...process.env,
        BENCH_DATABASE_URL: databaseUrl,
        BENCH_OUT: out,
        BENCH_SIZE: JSON.stringify({
          meRequests: settings.meRequests,
          meFirstSeen: settings.meFirstSeen,
          webhookRequests: settings.webhookRequests,
          workerBatches: settings.workerBatches,
          pipelineBatches: settings.pipelineBatches,
        }),
      },
      // The functions' JSON logs and EMF metrics go to stdout, as in Lambda: discarded here.
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`section ${name} failed (exit ${code})`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as T;
  rmSync(out, { force: true });
  return result;
}

const loadAtStart = round(loadavg()[0] ?? 0, 2);
step('preparing a fresh database');
const database = await prepareDatabase(workDir);
let measured: Pick<Results, 'bundles' | 'me' | 'meUnnamed' | 'webhook' | 'worker' | 'pipeline'>;
try {
  step(`building every function and importing each in ${settings.coldImportRuns} fresh processes`);
  const bundles = await measureBundles({
    outDir: path.join(workDir, 'bundles'),
    databaseUrl: database.url,
    runs: settings.coldImportRuns,
    ...(args.profile ? { profileDir } : {}),
  });
  step('GET /me');
  const me = await section<MeResult>('me', database.url);
  step('GET /me with unnamed statements (what RDS Proxy multiplexes without pinning)');
  const meUnnamed = await section<MeResult>('me-unnamed', database.url);
  step('POST /webhooks/workos');
  const webhook = await section<WebhookResult>('webhook', database.url);
  step('sync worker');
  const worker = await section<WorkerResult>('worker', database.url);
  step('pipeline: webhook -> SQS -> 1, 2, 5, 10 worker instances');
  const pipeline = await section<PipelineResult>('pipeline', database.url);
  measured = { bundles, me, meUnnamed, webhook, worker, pipeline };
} finally {
  await database.drop();
}

const cpu = cpus();
const partial: Omit<Results, 'targets'> = {
  date: new Date().toISOString(),
  machine: {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: loadAtStart,
  },
  database: { source: database.source, serverVersion: database.serverVersion },
  durationSeconds: Math.round((performance.now() - started) / 1000),
  settings: {
    coldImportRuns: settings.coldImportRuns,
    meRequests: settings.meRequests,
    webhookRequests: settings.webhookRequests,
    workerBatches: settings.workerBatches,
  },
  ...measured,
};
const results: Results = { ...partial, targets: checkTargets(partial) };
const published = !args.quick && !args.profile;
const resultsFile = published
  ? path.join(benchDir, 'results.json')
  : path.join(workDir, 'results-trial.json');
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
// The committed file in the project's format, so `npm run lint` stays clean (the figures are unchanged).
if (published) {
  spawnSync(
    process.execPath,
    [createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome'), 'format', '--write', resultsFile],
    {
      stdio: 'ignore',
    },
  );
}
process.stdout.write(`${renderTable(results)}\n`);

if (args.profile) {
  // Self time by package or file; `(idle)` is time spent waiting for PostgreSQL, SQS or WorkOS.
  const summaries: Record<string, ProfileShare[]> = {};
  for (const dir of readdirSync(profileDir).sort()) {
    const file = newestProfile(path.join(profileDir, dir));
    if (file) summaries[dir] = summarizeProfile(file);
  }
  writeFileSync(path.join(workDir, 'profile-summary.json'), `${JSON.stringify(summaries, null, 2)}\n`);
  for (const [name, shares] of Object.entries(summaries)) {
    process.stdout.write(`\nwhere the time goes: ${name} (self time, whole process)\n`);
    for (const s of shares) {
      process.stdout.write(
        `  ${String(s.percent).padStart(5)}%  ${String(s.ms).padStart(6)} ms  ${s.where}\n`,
      );
    }
  }
}
