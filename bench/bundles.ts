import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { buildFunction, functionNames } from '../infra/bundle';
import { routes } from '../infra/routes';
import { median, round } from './stats';

export type BundleResult = {
  fn: string;
  /** Served by API Gateway (a route in infra/routes.ts): the size and cold-import targets apply. */
  http: boolean;
  kb: number;
  /** The three packages (or `app` for this repository's code) that weigh most in the bundle. */
  largest: { name: string; kb: number }[];
  /** AWS SDK clients the bundle imports from the runtime at load (not bundled, not counted in kb). */
  runtimeSdk: string[];
  coldImportMs: number | null;
  coldProcessMs: number | null;
  runs: number;
  error?: string;
};

const httpFunctions = new Set<string>(routes.map((r) => r.fn));

/** Bytes per npm package (or `app`) in the output, largest first. */
function largestInputs(metafile: Metafile, top = 3) {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match?.[1] ?? 'app';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => ({ name, kb: round(bytes / 1024, 1) }));
}

/** Packages the output imports at run time (externals), e.g. `@aws-sdk/client-sqs`. */
function runtimeImports(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports)
      if (imported.external && imported.path.startsWith('@aws-sdk/')) names.add(imported.path);
  }
  return [...names].sort();
}

/** Environment a deployed function would have: dummy but valid values, no AWS calls at import. */
export function lambdaLikeEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // As the CDK app sets it on every function.
    NODE_OPTIONS: '--enable-source-maps',
    AWS_REGION: 'us-east-1',
    WORKOS_API_KEY: 'sk_test_bench',
    WORKOS_CLIENT_ID: 'client_bench',
    WORKOS_WEBHOOK_SECRET: 'whsec_bench',
    WORKOS_REDIRECT_URI: 'https://api.example.com/auth/callback',
    SESSION_SECRET: 'bench-session-secret-0123456789-abcdefghij',
    DATABASE_URL: databaseUrl,
    QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/sync-queue',
    NOTIFICATIONS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications',
    COOKIE_DOMAIN: '.example.com',
    ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com',
    TENANT_BASE_DOMAIN: 'example.com',
    APP_ENV: 'aws',
    LOG_LEVEL: 'INFO',
  };
}

type ColdRun = { importMs: number; processMs: number } | { error: string };

/** One fresh Node process importing the bundle: the import time it measured and its whole lifetime. */
function coldImport(outfile: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ColdRun {
  const child = path.join(import.meta.dirname, 'cold-import.mjs');
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [...nodeArgs, child, pathToFileURL(outfile).href], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const processMs = performance.now() - t0;
  if (run.status !== 0) {
    const detail = (run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n').slice(-3);
    return { error: detail.join(' | ').slice(0, 300) };
  }
  const { importMs } = JSON.parse(run.stdout) as { importMs: number };
  return { importMs, processMs };
}

/**
 * Every function: bundle size, then `runs` cold imports each, round-robin across functions so a
 * burst of load on the machine does not land on one function only.
 */
export async function measureBundles(options: {
  outDir: string;
  databaseUrl: string;
  runs: number;
  /** Also import each HTTP function once under `node --cpu-prof`, into `<profileDir>/cold-<fn>`. */
  profileDir?: string;
}): Promise<BundleResult[]> {
  const env = lambdaLikeEnv(options.databaseUrl);
  const built: { fn: string; outfile: string; result: BundleResult }[] = [];
  for (const fn of functionNames()) {
    const result: BundleResult = {
      fn,
      http: httpFunctions.has(fn),
      kb: 0,
      largest: [],
      runtimeSdk: [],
      coldImportMs: null,
      coldProcessMs: null,
      runs: 0,
    };
    try {
      const { outfile, bytes, metafile } = await buildFunction(fn, options.outDir);
      result.kb = round(bytes / 1024, 1);
      result.largest = largestInputs(metafile);
      result.runtimeSdk = runtimeImports(metafile);
      built.push({ fn, outfile, result });
    } catch (error) {
      result.error = `build failed: ${(error as Error).message.split('\n')[0]}`;
      built.push({ fn, outfile: '', result });
    }
  }
  const samples = new Map(built.map((b) => [b.fn, { importMs: [] as number[], processMs: [] as number[] }]));
  for (let round = 0; round < options.runs; round++) {
    for (const b of built) {
      if (b.result.error) continue;
      const run = coldImport(b.outfile, env);
      if ('error' in run) {
        b.result.error = `import failed: ${run.error}`;
        continue;
      }
      samples.get(b.fn)?.importMs.push(run.importMs);
      samples.get(b.fn)?.processMs.push(run.processMs);
    }
  }
  if (options.profileDir) {
    for (const b of built.filter((x) => x.result.http && !x.result.error)) {
      coldImport(b.outfile, env, [
        '--cpu-prof',
        `--cpu-prof-dir=${path.join(options.profileDir, `cold-${b.fn}`)}`,
      ]);
    }
  }
  for (const b of built) {
    const s = samples.get(b.fn);
    if (b.result.error || !s?.importMs.length) continue;
    b.result.coldImportMs = round(median(s.importMs), 1);
    b.result.coldProcessMs = round(median(s.processMs), 1);
    b.result.runs = s.importMs.length;
  }
  return built.map((b) => b.result);
}
