import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** The npm packages an entry file's bundle pulls in (esbuild metafile, nothing written to disk). */
async function bundledPackages(fn: string): Promise<Set<string>> {
  const result = await build({
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
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match?.[1]) packages.add(match[1]);
  }
  return packages;
}

describe('function bundles', () => {
  it.each(['me', 'organizations'])(
    '%s verifies and refreshes sessions without the WorkOS SDK',
    async (fn) => {
      const packages = await bundledPackages(fn);
      expect(packages).toContain('jose');
      expect(packages).not.toContain('@workos-inc/node');
    },
  );

  it('auth still carries the SDK for the login flows', async () => {
    expect(await bundledPackages('auth')).toContain('@workos-inc/node');
  });
});
