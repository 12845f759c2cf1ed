import { describe, expect, it } from 'vitest';
import { connectionBudget, databaseConcurrency, MAX_CONNECTIONS } from '../../infra/connections';
import { LAMBDA_CA_BUNDLE } from '../../infra/database';
import { loadSettings } from '../../infra/settings';
import { type Cfn, cdkJsonContext, resources, synth } from './synth';

const stages = Object.keys(cdkJsonContext.stages as Record<string, unknown>);
const settingsOf = (stage: string, extra: Record<string, unknown> = {}) =>
  loadSettings({
    tryGetContext: (key: string) =>
      ({ ...cdkJsonContext, stage, workosClientId: 'client_TEST', alarmEmail: 'ops@example.com', ...extra })[
        key
      ],
  });

describe('connection budget', () => {
  it.each(stages)('%s: every database function at its cap, migrate and the ops reserve fit', (stage) => {
    const budget = connectionBudget(settingsOf(stage));
    expect(budget.problems).toEqual([]);
    expect(budget.maxConnections).toBeDefined();
    expect(budget.total).toBeLessThanOrEqual(budget.maxConnections as number);
    if (budget.via === 'proxy')
      expect(budget.functionsTotal).toBeLessThanOrEqual(budget.proxyShare as number);
  });

  it('fails a stage whose caps exceed its instance class, or whose class is unknown', () => {
    expect(connectionBudget(settingsOf('dev', { meConcurrency: 100 })).problems).toEqual([
      expect.stringContaining('exceed max_connections 81 of t4g.micro'),
    ]);
    expect(connectionBudget(settingsOf('dev', { dbInstanceClass: 'x9g.huge' })).problems).toEqual([
      expect.stringContaining('add it to MAX_CONNECTIONS'),
    ]);
    expect(connectionBudget(settingsOf('prod', { meConcurrency: 400 })).problems).toContainEqual(
      expect.stringContaining("exceed the proxy's"),
    );
  });

  it('knows the classes the stages use', () => {
    for (const stage of stages) expect(MAX_CONNECTIONS[settingsOf(stage).dbInstanceClass]).toBeGreaterThan(0);
  });
});

describe.each(stages)('%s template: the caps the budget counts on', (stage) => {
  const settings = settingsOf(stage);
  const { template, stack } = synth({ stage, workosClientId: 'client_TEST', alarmEmail: 'ops@example.com' });
  const fns = stack.functions;
  const caps = databaseConcurrency(settings);
  const propsOf = (fn: typeof fns.me) =>
    template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)].Properties as Cfn;

  it('reserved concurrency on every HTTP and scheduled database function, max concurrency on the worker', () => {
    expect(propsOf(fns.auth).ReservedConcurrentExecutions).toBe(caps.auth);
    expect(propsOf(fns.me).ReservedConcurrentExecutions).toBe(caps.me);
    expect(propsOf(fns.organizations).ReservedConcurrentExecutions).toBe(caps.organizations);
    expect(propsOf(fns.reconcile).ReservedConcurrentExecutions).toBe(caps.reconcile);
    expect(propsOf(fns.backfill).ReservedConcurrentExecutions).toBe(caps.backfill);
    const [[, mapping]] = resources(template, 'AWS::Lambda::EventSourceMapping') as [[string, Cfn]];
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: caps['sync-worker'] });
  });

  it('TLS verifies the server: the runtime CA bundle on every database function, verify-full URLs', () => {
    for (const fn of [fns.auth, fns.me, fns.organizations, fns.syncWorker, fns.reconcile, fns.backfill]) {
      const env = propsOf(fn).Environment.Variables;
      expect(env.NODE_EXTRA_CA_CERTS).toBe(LAMBDA_CA_BUNDLE);
      if (settings.dbProxy) expect(JSON.stringify(env.DATABASE_URL)).toContain('sslmode=verify-full');
    }
    expect(propsOf(stack.migrations.function).Environment.Variables.NODE_EXTRA_CA_CERTS).toBe(
      LAMBDA_CA_BUNDLE,
    );
    expect(JSON.stringify(template.toJSON())).not.toContain('rejectUnauthorized');
  });

  if (settings.dbProxy) {
    it('RDS Proxy: TLS required, IAM authentication, logs in as the app role (not the master)', () => {
      const [[, proxy]] = resources(template, 'AWS::RDS::DBProxy') as [[string, Cfn]];
      expect(proxy.Properties.RequireTLS).toBe(true);
      expect(proxy.Properties.Auth).toEqual([
        expect.objectContaining({ AuthScheme: 'SECRETS', IAMAuth: 'REQUIRED', SecretArn: expect.anything() }),
      ]);
      expect(JSON.stringify(proxy.Properties.Auth)).toContain('DatabaseAppSecretAttachment');
      const [[, group]] = resources(template, 'AWS::RDS::DBProxyTargetGroup') as [[string, Cfn]];
      expect(group.Properties.ConnectionPoolConfigurationInfo.MaxConnectionsPercent).toBe(
        settings.dbProxyMaxConnectionsPercent,
      );
      // The functions reach it with rds-db:connect as the app role, and hold no database password.
      const env = propsOf(fns.me).Environment.Variables;
      expect(env.DATABASE_IAM_AUTH).toBe('true');
      expect(env).not.toHaveProperty('DATABASE_SECRET_ARN');
      expect(JSON.stringify(template.toJSON())).toContain('rds-db:connect');
    });
  } else {
    it('no proxy: the functions connect directly as the app role', () => {
      template.resourceCountIs('AWS::RDS::DBProxy', 0);
      expect(JSON.stringify(propsOf(fns.me).Environment.Variables.DATABASE_SECRET_ARN)).toContain(
        'DatabaseAppSecretAttachment',
      );
    });
  }
});
