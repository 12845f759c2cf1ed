import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, Migrations, migrationsDigest } from '../../infra/migrations';
import { Network } from '../../infra/network';
import { logicalId, type Resource, resources, synth } from './synth';

const { template, stack } = synth();
const migrationsId = logicalId(stack.migrations.resource, stack);

describe('migrations custom resource', () => {
  it('runs the migrate function through the provider framework, keyed by the migrations digest', () => {
    const [[, resource]] = resources(template, 'Custom::DatabaseMigrations') as [[string, Resource]];
    expect(resource.Properties.MigrationsDigest).toBe(migrationsDigest());
    expect(resource.Properties.MigrationsDigest).toMatch(/^[0-9a-f]{64}$/);
    const providerFn = resources(template, 'AWS::Lambda::Function').find(([id]) =>
      id.includes('ProviderframeworkonEvent'),
    );
    expect(resource.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [providerFn![0], 'Arn'] });
    expect(JSON.stringify(providerFn![1].Properties.Environment)).toContain(
      logicalId(stack.migrations.function, stack),
    );
  });

  it('runs after the database exists', () => {
    const resource = template.findResources('Custom::DatabaseMigrations')[migrationsId] as Resource;
    expect(resource.DependsOn).toEqual(expect.arrayContaining([logicalId(stack.database.instance, stack)]));
  });

  it('runs before every function that uses the database is created or updated', () => {
    const fns = stack.functions;
    for (const fn of [fns.auth, fns.me, fns.organizations, fns.syncWorker, fns.reconcile, fns.backfill]) {
      const resource = template.findResources('AWS::Lambda::Function')[logicalId(fn, stack)] as Resource;
      expect(resource.DependsOn, fn.node.path).toContain(migrationsId);
    }
    // The webhook touches no database, so a slow migration never delays it.
    const webhook = template.findResources('AWS::Lambda::Function')[
      logicalId(fns.webhook, stack)
    ] as Resource;
    expect(webhook.DependsOn ?? []).not.toContain(migrationsId);
  });
});

describe('migrationsDigest', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'migrations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('changes when a migration is added, so the next deploy runs the migrations again', () => {
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const before = migrationsDigest(dir);
    expect(before).toBe(migrationsDigest(MIGRATIONS_DIR));
    writeFileSync(path.join(dir, '0099_next.sql'), 'ALTER TABLE users ADD COLUMN nickname text;');
    expect(migrationsDigest(dir)).not.toBe(before);
  });
});

describe('migrate bundle', () => {
  it('carries migrations/ at its root next to index.mjs (real esbuild bundling, no Docker)', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-migrate-'));
    try {
      const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
      const bundled = new Stack(app, 'MigrateBundle');
      const network = new Network(bundled, 'Network', {
        natGateways: 1,
        logRetention: RetentionDays.ONE_DAY,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const migrations = new Migrations(bundled, 'Migrations', {
        vpc: network.vpc,
        functionsSecurityGroup: network.functionsSecurityGroup,
        databaseSecret: new Secret(bundled, 'DbSecret'),
        appDatabaseSecret: new Secret(bundled, 'AppDbSecret'),
        database: network.vpc,
        logRetention: RetentionDays.ONE_DAY,
        logRemovalPolicy: RemovalPolicy.DESTROY,
      });
      const assembly = app.synth({ skipValidation: true });
      const fn =
        assembly.getStackByName('MigrateBundle').template.Resources[logicalId(migrations.function, bundled)];
      const assetDir = path.join(outdir, fn.Metadata['aws:asset:path']);
      expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map', 'migrations']);
      expect(readdirSync(path.join(assetDir, 'migrations')).sort()).toEqual(
        readdirSync(MIGRATIONS_DIR).sort(),
      );
      expect(existsSync(path.join(assetDir, 'migrations/meta/_journal.json'))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
