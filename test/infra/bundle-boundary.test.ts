import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { functionNames } from '../../infra/bundle';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The npm packages an entry file's bundle pulls in (esbuild metafile, nothing written to disk).
 * `eager`: only what the entry chunk itself holds, i.e. what a cold start evaluates; code reached
 * only through a dynamic `import()` lands in other chunks.
 */
async function bundledPackages(fn: string, options: { eager?: boolean } = {}): Promise<Set<string>> {
  const result = await build({
    ...(options.eager ? { splitting: true, outdir: path.join(root, '.bundle-boundary') } : {}),
    absWorkingDir: root,
    entryPoints: [path.join(root, 'functions', fn, 'handler.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const packages = new Set<string>();
  const entry = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  const inputs = options.eager && entry ? Object.keys(entry.inputs) : Object.keys(result.metafile.inputs);
  for (const input of inputs) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match?.[1]) packages.add(match[1]);
  }
  return packages;
}

describe('function bundles', () => {
  it('me verifies and refreshes sessions without the WorkOS SDK', async () => {
    const packages = await bundledPackages('me');
    expect(packages).toContain('jose');
    expect(packages).not.toContain('@workos-inc/node');
  });

  it('no function but auth carries the WorkOS SDK (the others call WorkOS through @app/config/workos-api)', async () => {
    const carriers: string[] = [];
    for (const fn of functionNames()) {
      if ((await bundledPackages(fn)).has('@workos-inc/node')) carriers.push(fn);
    }
    // The webhook verifies signatures with the SDK until it has its own check.
    expect(carriers.filter((fn) => fn !== 'webhook')).toEqual(['auth']);
  });

  it('auth still carries the SDK for the login flows', async () => {
    expect(await bundledPackages('auth')).toContain('@workos-inc/node');
  });
});
