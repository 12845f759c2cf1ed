import { App, Stack } from 'aws-cdk-lib';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { requireSecretsExtensionRegion } from '../../infra/node-function';
import { routeKey, routes } from '../../infra/routes';
import {
  type Cfn,
  cdkJsonContext,
  houseFunctions,
  logicalId,
  type Resource,
  resources,
  synth,
} from './synth';

/**
 * What CloudFormation and API Gateway check only at deploy time, asserted on the templates of every
 * stage in cdk.json (prod with the settings it requires).
 */
const stages = {
  dev: {},
  prod: {
    stage: 'prod',
    workosClientId: 'client_01TEST',
    appOrigins: 'https://app.example.com',
    alarmEmail: 'oncall@example.com',
  },
};

/** Every resource a resource depends on, directly or through a chain of DependsOn. */
function dependencies(all: Record<string, Resource>, id: string): Set<string> {
  const seen = new Set<string>();
  const walk = (current: string) => {
    for (const next of [all[current]?.DependsOn ?? []].flat()) {
      if (seen.has(next)) continue;
      seen.add(next);
      walk(next);
    }
  };
  walk(id);
  return seen;
}

describe.each(Object.entries(stages))('%s template', (_, context) => {
  const { template, stack, settings } = synth(context);
  const all = template.toJSON().Resources as Record<string, Resource>;

  it('every RouteSettings key names a Route the stage depends on, with explicit throttles', () => {
    const routeIdsByKey = new Map(
      resources(template, 'AWS::ApiGatewayV2::Route').map(([id, r]) => [r.Properties.RouteKey, id]),
    );
    const stages = resources(template, 'AWS::ApiGatewayV2::Stage');
    expect(stages.length).toBeGreaterThan(0);
    for (const [stageId, stage] of stages) {
      const deps = dependencies(all, stageId);
      const settingsByRoute = (stage.Properties.RouteSettings ?? {}) as Record<string, Cfn>;
      expect(Object.keys(settingsByRoute).length).toBeGreaterThan(0);
      for (const [key, routeSetting] of Object.entries(settingsByRoute)) {
        const routeId = routeIdsByKey.get(key);
        expect(routeId, `${key} is a route`).toBeDefined();
        expect(deps.has(routeId!), `${stageId} depends on ${key}`).toBe(true);
        expect(routeSetting.ThrottlingRateLimit, key).toEqual(expect.any(Number));
        expect(routeSetting.ThrottlingBurstLimit, key).toEqual(expect.any(Number));
      }
    }
  });

  it('gives each /auth/* route and the webhook their own throttle from the stage settings', () => {
    const [, stage] = resources(template, 'AWS::ApiGatewayV2::Stage')[0]!;
    const own = stage.Properties.RouteSettings as Record<string, Cfn>;
    for (const route of routes.filter((r) => r.path.startsWith('/auth/'))) {
      expect(own[routeKey(route)]).toMatchObject({
        ThrottlingRateLimit: settings.authRateLimit,
        ThrottlingBurstLimit: settings.authBurstLimit,
      });
    }
    expect(own['POST /webhooks/workos']).toEqual({
      ThrottlingRateLimit: settings.webhookRateLimit,
      ThrottlingBurstLimit: settings.webhookBurstLimit,
      DetailedMetricsEnabled: true,
    });
  });

  it('access logs carry the domain name and API Gateway’s own error message', () => {
    const [, stage] = resources(template, 'AWS::ApiGatewayV2::Stage')[0]!;
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(Object.values(format)).toEqual(
      expect.arrayContaining(['$context.domainName', '$context.error.message']),
    );
  });

  it('the functions security group lets out only HTTPS and the database port (instance, and proxy if any)', () => {
    const groupId = logicalId(stack.network.functionsSecurityGroup, stack);
    const group = all[groupId]!;
    const inline = (group.Properties.SecurityGroupEgress ?? []) as Cfn[];
    const separate = resources(template, 'AWS::EC2::SecurityGroupEgress')
      .filter(([, r]) => JSON.stringify(r.Properties.GroupId).includes(groupId))
      .map(([, r]) => r.Properties);
    const egress = [...inline, ...separate].map((e) => ({
      port: [e.FromPort, e.ToPort],
      protocol: e.IpProtocol,
      to: e.CidrIp ?? e.DestinationSecurityGroupId,
    }));
    const proxy = stack.database.proxy;
    expect(egress).toHaveLength(proxy ? 3 : 2);
    expect(egress).toContainEqual({ port: [443, 443], protocol: 'tcp', to: '0.0.0.0/0' });
    const db = egress.filter((e) => e.port[0] === 5432);
    for (const e of db) expect(e.port).toEqual([5432, 5432]);
    const targets = [stack.database.instance, ...(proxy ? [proxy] : [])].map((c) =>
      logicalId(c.connections.securityGroups[0]!, stack),
    );
    expect(db).toHaveLength(targets.length);
    for (const id of targets) expect(db.some((e) => JSON.stringify(e.to).includes(id))).toBe(true);
  });

  it('every KMS key policy statement for an AWS service is scoped to this account (aws:SourceAccount)', () => {
    const keys = resources(template, 'AWS::KMS::Key');
    expect(keys.length).toBeGreaterThan(0);
    let services = 0;
    for (const [, key] of keys) {
      for (const statement of key.Properties.KeyPolicy.Statement as Cfn[]) {
        if (!statement.Principal?.Service) continue;
        services++;
        expect(statement.Condition?.StringEquals?.['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
      }
    }
    expect(services).toBeGreaterThan(0);
  });

  it('reconcile is not retried by EventBridge (the next tick is the retry); backfill runs one at a time', () => {
    const [[, rule]] = resources(template, 'AWS::Events::Rule') as [[string, Resource]];
    expect(rule.Properties.Targets[0].RetryPolicy.MaximumRetryAttempts).toBe(0);
    expect(all[logicalId(stack.functions.backfill, stack)]!.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('no role of ours holds AWSLambdaBasicExecutionRole; each function writes only its own log group', () => {
    const basic = resources(template, 'AWS::IAM::Role')
      .filter(([, role]) =>
        JSON.stringify(role.Properties.ManagedPolicyArns ?? []).includes('AWSLambdaBasicExecutionRole'),
      )
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    // Only CDK's own deploy-time helpers (default security group lock-down, RDS log retention) keep it.
    expect(basic).toEqual([
      'CustomVpcRestrictDefaultSGCustomResourceProviderRole',
      'LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aServiceRole',
    ]);
    for (const [name, fn] of Object.entries(houseFunctions(stack))) {
      const role = all[logicalId(fn.role, stack)]!;
      const statements = (role.Properties.Policies as Cfn[]).flatMap(
        (p) => p.PolicyDocument.Statement as Cfn[],
      );
      const logs = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('logs:')));
      const logGroupId = (all[logicalId(fn, stack)]!.Properties.LoggingConfig.LogGroup as Cfn).Ref as string;
      expect(logs, name).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        },
      ]);
    }
  });

  it('X-Ray is off (no tracing config, no xray permissions)', () => {
    for (const [, fn] of resources(template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.TracingConfig?.Mode ?? 'PassThrough').toBe('PassThrough');
    }
    expect(JSON.stringify(template.toJSON().Resources)).not.toContain('xray:');
  });

  it('refuses, before creating anything, a region without the secrets extension layer', () => {
    const [mapName] = Object.keys(template.toJSON().Mappings);
    const mapped = Object.keys(template.toJSON().Mappings[mapName!]).sort();
    const rule = template.toJSON().Rules.SecretsExtensionRegion.Assertions[0];
    expect(rule.Assert).toEqual({ 'Fn::Contains': [mapped, { Ref: 'AWS::Region' }] });
    expect(rule.AssertDescription).toContain('eu-west-1');
  });
});

describe('deploy-time settings', () => {
  it('sets every feature flag a new `cdk init` app sets today', () => {
    const missing = Object.entries(CURRENTLY_RECOMMENDED_FLAGS)
      // Partitions: this app targets the commercial partition only (the secrets layer mapping).
      .filter(([flag]) => flag !== '@aws-cdk/core:target-partitions')
      .filter(([flag, value]) => JSON.stringify(cdkJsonContext[flag]) !== JSON.stringify(value))
      .map(([flag]) => flag);
    expect(missing).toEqual([]);
  });

  it('fails synth for a known region without the layer, naming the regions that work', () => {
    const app = new App();
    const inGap = new Stack(app, 'InGap', { env: { region: 'ap-southeast-7', account: '123456789012' } });
    expect(() => requireSecretsExtensionRegion(inGap)).toThrow(/ap-southeast-7 .*eu-west-1/);
    const covered = new Stack(app, 'Covered', { env: { region: 'eu-west-1', account: '123456789012' } });
    expect(() => requireSecretsExtensionRegion(covered)).not.toThrow();
  });
});
