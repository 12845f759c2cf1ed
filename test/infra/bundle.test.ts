import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFunction } from '../../infra/bundle';
import { AppFunction, repoRoot } from '../../infra/node-function';
import { httpEvent, lambdaContext } from '../support/events';

// Under the repository (gitignored .local/) so the bundle resolves the runtime-provided AWS SDK from node_modules.
const outdir = path.join(repoRoot, '.local', `cdk-bundle-test-${process.pid}`);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('house function bundle (real esbuild, no Docker)', () => {
  it('the webhook bundle stays under 350 KB: no WorkOS SDK, no AWS SDK', async () => {
    const { bytes, metafile } = await buildFunction('webhook', path.join(outdir, 'size'));
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((p) => /node_modules\/(@workos-inc|@aws-sdk|@smithy)\//.test(p))).toEqual([]);
    const imports = Object.values(metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => p.startsWith('@aws-sdk/'))).toEqual([]);
    expect(bytes).toBeLessThanOrEqual(350 * 1024);
  }, 60_000);

  it('the webhook bundle is one ESM file that loads on Node 22 and answers a bad signature with 401', async () => {
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Bundle');
    const fn = new AppFunction(stack, 'Webhook', {
      entry: 'functions/webhook/handler.ts',
      description: 'bundle test',
      timeout: Duration.seconds(10),
      logRetention: RetentionDays.ONE_DAY,
      logRemovalPolicy: RemovalPolicy.DESTROY,
    });
    const template = app.synth({ skipValidation: true }).getStackByName('Bundle').template;
    const assetDir = path.join(
      outdir,
      template.Resources[stack.getLogicalId(fn.node.defaultChild as never)].Metadata['aws:asset:path'],
    );
    const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');

    expect(code.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(true);
    // SQS over a SigV4-signed fetch: no AWS SDK, bundled or from the runtime.
    expect(code).not.toMatch(/from\s*"@aws-sdk\//);
    expect(code).toContain('application/x-amz-json-1.0');
    // Minified: long lines, not one statement per line.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    // The local stack's bundles mode and the benchmark build the very same file (infra/bundle.ts).
    const { outfile } = await buildFunction('webhook', path.join(outdir, 'shared-build'));
    expect(readFileSync(outfile, 'utf8') === code).toBe(true);

    Object.assign(process.env, {
      WORKOS_CLIENT_ID: 'client_bundle_test',
      WORKOS_WEBHOOK_SECRET: 'whsec_bundle_test',
      QUEUE_URL: 'http://127.0.0.1:9/000000000000/never-used',
      SQS_ENDPOINT: 'http://127.0.0.1:9',
      LOG_LEVEL: 'ERROR',
    });
    const { handler } = await import(pathToFileURL(path.join(assetDir, 'index.mjs')).href);
    const response = await handler(
      httpEvent({
        method: 'POST',
        path: '/webhooks/workos',
        routeKey: 'POST /webhooks/workos',
        headers: { 'content-type': 'application/json', 'workos-signature': 't=1, v1=00' },
        body: JSON.stringify({ id: 'event_01', event: 'user.created', data: {} }),
      }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe('INVALID_SIGNATURE');
  }, 120_000);
});
