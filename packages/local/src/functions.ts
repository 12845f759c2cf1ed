import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** `source`: each function's handler.ts; `bundles`: the index.mjs the CDK app would upload. */
export type FunctionsMode = 'source' | 'bundles';

export type FunctionLoader = {
  mode: FunctionsMode;
  /** The folder of this start's bundles (bundles mode). */
  dir: string | undefined;
  /** The `handler` export of functions/<fn>, from its source or its bundle. */
  load: <T>(fn: string) => Promise<T>;
  stop: () => Promise<void>;
};

/**
 * Loads functions either from source, or (bundles) from bundles built once for this start with the
 * CDK app's esbuild settings (infra/bundle.ts) into `.local/bundles/<run>/<fn>/index.mjs`. The
 * folder is inside the repository so the bundles resolve the AWS SDK the runtime would provide from
 * node_modules; it is removed on stop. Node's own loader imports them, as the Lambda runtime does
 * (vitest.config.ts keeps its transform away from that folder).
 */
export async function functionLoader(options: {
  bundles: boolean;
  functions: readonly string[];
  log?: (line: string) => void;
}): Promise<FunctionLoader> {
  if (!options.bundles) {
    return {
      mode: 'source',
      dir: undefined,
      load: async (fn) => (await import(`../../../functions/${fn}/handler.ts`)).handler,
      stop: async () => {},
    };
  }
  const started = performance.now();
  const { buildFunction } = await import('../../../infra/bundle');
  const parent = path.join(root, '.local', 'bundles');
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, 'run-'));
  try {
    await Promise.all([...new Set(options.functions)].map((fn) => buildFunction(fn, dir)));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  options.log?.(
    `functions  bundles built as the CDK app builds them (${path.relative(root, dir)}, ${seconds} s)`,
  );
  return {
    mode: 'bundles',
    dir,
    load: async <T>(fn: string) =>
      (await import(/* @vite-ignore */ pathToFileURL(path.join(dir, fn, 'index.mjs')).href)).handler as T,
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}
