import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { bundlingOptions, repoRoot } from './node-function';

/** functions/<name>/handler.ts, in a stable order. */
export function functionNames(): string[] {
  const dir = path.join(repoRoot, 'functions');
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, 'handler.ts')))
    .sort();
}

/**
 * Builds one function the way `cdk synth` does (the house esbuild settings of infra/node-function.ts,
 * esbuild's JS API instead of its CLI) into `<outDir>/<fn>/index.mjs`: the file CloudFormation
 * uploads. The benchmark and the local stack's bundles mode both build with it.
 */
export async function buildFunction(fn: string, outDir: string) {
  const o = bundlingOptions;
  const entry = `functions/${fn}/handler.ts`;
  const outfile = path.join(outDir, fn, 'index.mjs');
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: [path.join(repoRoot, entry)],
    bundle: true,
    platform: 'node',
    format: o.format,
    target: o.target,
    outfile,
    minify: o.minify,
    sourcemap: o.sourceMap,
    sourcesContent: o.sourcesContent,
    external: o.externalModules,
    banner: { js: o.banner },
    mainFields: o.mainFields,
    logLevel: o.logLevel,
    metafile: true,
  });
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}
