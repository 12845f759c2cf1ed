import { describe, expect, it } from 'vitest';
import { functionEnvs } from '../../infra/functions';
import { MAX_RECEIVE_COUNT } from '../../infra/queue';
import { secretArnVariables } from '../../packages/config/src/secrets';
import { type Cfn, houseFunctions, logicalId, type Resource, resources, synth } from './synth';

const { template, stack, settings } = synth({ cookieDomain: '.example.com' });
const fns = stack.functions;
const all = houseFunctions(stack);
const lambdaResources = new Map(resources(template, 'AWS::Lambda::Function'));
const resourceOf = (fn: (typeof all)[keyof typeof all]) => lambdaResources.get(logicalId(fn, stack))!;
const envOf = (fn: (typeof all)[keyof typeof all]) =>
  resourceOf(fn).Properties.Environment.Variables as Record<string, unknown>;
const policyOf = (fn: (typeof all)[keyof typeof all]) => {
  const roleId = logicalId(fn.role!, stack);
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, Cfn>[]);
};
const ref = (construct: unknown) => ({ Ref: logicalId(construct, stack) });
const apiKeyRef = ref(stack.secrets.workosApiKey);
const webhookSecretRef = ref(stack.secrets.webhookSecret);
const sessionSecretRef = ref(stack.secrets.session);
/** The functions connect as the app role (its secret), never as the master. */
const databaseSecretRef = { Ref: expect.stringMatching(/^DatabaseAppSecretAttachment/) };
const masterSecretRef = { Ref: expect.stringMatching(/^DatabasePostgresSecretAttachment/) };

describe('house function defaults', () => {
  it.each(Object.entries(all))(
    '%s: nodejs22.x on arm64, no X-Ray, source maps, its own log group',
    (_, fn) => {
      const { Properties: p } = resourceOf(fn);
      expect(p).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: ref(fn.logGroup) },
      });
      expect(p.TracingConfig).toBeUndefined();
      expect(p.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      const logGroup = template.findResources('AWS::Logs::LogGroup')[
        logicalId(fn.logGroup, stack)
      ] as Resource;
      expect(logGroup.Properties.RetentionInDays).toBe(settings.logRetentionDays);
    },
  );
});

describe('configuration reaches functions by ARN, never as secret values', () => {
  const forbidden = /(_API_KEY|_WEBHOOK_SECRET|^SESSION_SECRET|PASSWORD|^DATABASE_URL)$/;
  it.each(Object.entries(all))('%s has no secret in its environment', (_, fn) => {
    const env = envOf(fn);
    expect(Object.keys(env).filter((k) => forbidden.test(k))).toEqual([]);
    const text = JSON.stringify(env);
    expect(text).not.toMatch(/sk_(test|live)_|REPLACE_ME|password/i);
    expect(env.APP_ENV).toBe('aws');
  });

  it('session functions (auth, me, organizations): API key, session and database secrets by ARN, cookie settings', () => {
    for (const fn of [fns.auth, fns.me, fns.organizations]) {
      expect(envOf(fn)).toMatchObject({
        WORKOS_API_KEY_SECRET_ARN: apiKeyRef,
        SESSION_SECRET_ARN: sessionSecretRef,
        DATABASE_SECRET_ARN: databaseSecretRef,
        WORKOS_CLIENT_ID: settings.workosClientId,
        ALLOWED_REDIRECT_ORIGINS: 'http://localhost:3000',
        COOKIE_DOMAIN: '.example.com',
        LOG_LEVEL: 'INFO',
      });
      expect(envOf(fn)).not.toHaveProperty('QUEUE_URL');
      expect(envOf(fn)).not.toHaveProperty('WORKOS_WEBHOOK_SECRET_ARN');
    }
  });

  it('webhook: only the webhook secret and the queue URL (no API key, no session secret, no database)', () => {
    const env = envOf(fns.webhook);
    expect(env).toMatchObject({
      WORKOS_WEBHOOK_SECRET_ARN: webhookSecretRef,
      QUEUE_URL: ref(stack.sync.queue),
    });
    expect(Object.keys(env).filter((k) => k.endsWith('_SECRET_ARN'))).toEqual(['WORKOS_WEBHOOK_SECRET_ARN']);
  });

  it('sync-worker: database and WorkOS secrets, consumes the queue (no QUEUE_URL needed)', () => {
    const env = envOf(fns.syncWorker);
    expect(env).toMatchObject({
      WORKOS_API_KEY_SECRET_ARN: apiKeyRef,
      DATABASE_SECRET_ARN: databaseSecretRef,
    });
  });

  it('reconcile: database, WorkOS and the queue it feeds', () => {
    expect(envOf(fns.reconcile)).toMatchObject({
      WORKOS_API_KEY_SECRET_ARN: apiKeyRef,
      DATABASE_SECRET_ARN: databaseSecretRef,
      QUEUE_URL: ref(stack.sync.queue),
    });
  });

  it('backfill: database and WorkOS; it writes directly, so it may not send to the queue', () => {
    expect(envOf(fns.backfill)).toMatchObject({
      WORKOS_API_KEY_SECRET_ARN: apiKeyRef,
      DATABASE_SECRET_ARN: databaseSecretRef,
    });
    expect(envOf(fns.backfill)).not.toHaveProperty('QUEUE_URL');
    expect(JSON.stringify(policyOf(fns.backfill))).not.toContain('sqs:');
  });

  it('migrate: the master secret and the app role it creates, no MIGRATIONS_FOLDER (the bundle carries migrations/)', () => {
    const env = envOf(stack.migrations.function);
    expect(env).toMatchObject({
      DATABASE_SECRET_ARN: masterSecretRef,
      APP_DATABASE_SECRET_ARN: databaseSecretRef,
    });
    expect(
      Object.keys(env)
        .filter((k) => k.endsWith('_SECRET_ARN'))
        .sort(),
    ).toEqual(['APP_DATABASE_SECRET_ARN', 'DATABASE_SECRET_ARN']);
    expect(env).not.toHaveProperty('MIGRATIONS_FOLDER');
  });

  it('all functions share one metrics namespace, per stage', () => {
    const namespaces = new Set(
      Object.values(all)
        .filter((fn) => fn !== stack.migrations.function)
        .map((fn) => envOf(fn).POWERTOOLS_METRICS_NAMESPACE),
    );
    expect([...namespaces]).toEqual(['WorkOSAuth/dev']);
  });

  it('each function may read exactly the secrets it is given', () => {
    const reads = (fn: (typeof all)[keyof typeof all]) =>
      policyOf(fn)
        .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => [s.Resource].flat());
    const exactly = (refs: Cfn[], expected: Cfn[]) => {
      expect(refs).toHaveLength(expected.length);
      expect(refs).toEqual(expect.arrayContaining(expected));
    };
    exactly(reads(fns.auth), [databaseSecretRef, apiKeyRef, sessionSecretRef]);
    exactly(reads(fns.me), [databaseSecretRef, apiKeyRef, sessionSecretRef]);
    exactly(reads(fns.webhook), [webhookSecretRef]);
    exactly(reads(fns.syncWorker), [databaseSecretRef, apiKeyRef]);
    exactly(reads(stack.migrations.function), [databaseSecretRef, masterSecretRef]);
  });
});

describe('webhook function', () => {
  it('runs outside the VPC', () => {
    expect(resourceOf(fns.webhook).Properties.VpcConfig).toBeUndefined();
  });

  it('can only send to the sync queue and read its secret', () => {
    const statements = policyOf(fns.webhook).map((s) => ({
      Action: [s.Action].flat().sort(),
      Resource: s.Resource,
    }));
    expect(statements).toEqual([
      {
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: webhookSecretRef,
      },
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': [logicalId(stack.sync.queue, stack), 'Arn'] },
      },
    ]);
    const role = template.findResources('AWS::IAM::Role')[logicalId(fns.webhook.role!, stack)] as Resource;
    // No managed policies: its own log group only (infra/node-function.ts), and no VPC actions.
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(role.Properties.Policies)).not.toContain('ec2:');
  });
});

describe('database functions', () => {
  it.each([
    ['auth', fns.auth],
    ['me', fns.me],
    ['organizations', fns.organizations],
    ['sync-worker', fns.syncWorker],
    ['reconcile', fns.reconcile],
    ['backfill', fns.backfill],
    ['migrate', stack.migrations.function],
  ])('%s runs in the private subnets with the functions security group', (_, fn) => {
    const vpc = resourceOf(fn).Properties.VpcConfig;
    expect(vpc.SecurityGroupIds).toEqual([
      { 'Fn::GetAtt': [logicalId(stack.network.functionsSecurityGroup, stack), 'GroupId'] },
    ]);
    const privateSubnets = stack.network.vpc.privateSubnets.map((s) => ({ Ref: logicalId(s, stack) }));
    expect(vpc.SubnetIds).toEqual(privateSubnets);
  });
});

describe('sync worker', () => {
  const [[, mapping]] = resources(template, 'AWS::Lambda::EventSourceMapping') as [[string, Resource]];

  it('consumes the sync queue, reporting batch item failures, with capped concurrency', () => {
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.sync.queue, stack), 'Arn'] },
      FunctionName: ref(fns.syncWorker),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: settings.workerMaxConcurrency },
    });
  });

  it('the queue hides a message for at least 6x the worker timeout', () => {
    const queue = template.findResources('AWS::SQS::Queue')[logicalId(stack.sync.queue, stack)] as Resource;
    const timeout = resourceOf(fns.syncWorker).Properties.Timeout as number;
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('the dead-letter queue takes a message after 5 receives', () => {
    const queue = template.findResources('AWS::SQS::Queue')[logicalId(stack.sync.queue, stack)] as Resource;
    expect(MAX_RECEIVE_COUNT).toBe(5);
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.sync.deadLetters, stack), 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('honours a stage cap on concurrency given on the command line', () => {
    const capped = synth({ workerMaxConcurrency: '3' });
    capped.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });
});

describe('reconcile and backfill', () => {
  it('reconcile runs on an EventBridge schedule every 5 minutes', () => {
    const rules = resources(template, 'AWS::Events::Rule').filter(
      ([id]) => id === logicalId(stack.functions.reconcileSchedule, stack),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(fns.reconcile, stack), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalId(fns.reconcile, stack), 'Arn'] },
    });
  });

  it('backfill has no trigger (ops invoke it) and a long timeout', () => {
    const backfillArn = { 'Fn::GetAtt': [logicalId(fns.backfill, stack), 'Arn'] };
    const permissions = resources(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(backfillArn),
    );
    expect(permissions).toEqual([]);
    expect(JSON.stringify(template.findResources('AWS::Lambda::EventSourceMapping'))).not.toContain(
      logicalId(fns.backfill, stack),
    );
    expect(resourceOf(fns.backfill).Properties.Timeout).toBe(900);
    template.hasOutput('BackfillFunctionName', { Value: ref(fns.backfill) });
  });
});

describe('each function gets exactly the variables its env schema names', () => {
  it.each(Object.entries(functionEnvs))('%s', (name, schema) => {
    const fn = all[name as keyof typeof all];
    const env = envOf(fn);
    const arnOf: Record<string, string> = { ...secretArnVariables, DATABASE_URL: 'DATABASE_SECRET_ARN' };
    const expected = Object.keys(schema)
      .filter(
        (v) =>
          ![
            'WORKOS_API_HOSTNAME',
            'WORKOS_API_PORT',
            'WORKOS_API_HTTPS',
            'SQS_ENDPOINT',
            'SES_ENDPOINT',
          ].includes(v),
      )
      .filter((v) => v !== 'RECONCILE_LOOKBACK_HOURS' && v !== 'APP_ENV')
      // Set by infra/notifications.ts only with an SES identity (not in this stage).
      .filter((v) => v !== 'NOTIFICATIONS_FROM' && v !== 'SES_CONFIGURATION_SET')
      .map((v) => arnOf[v] ?? v);
    const infraOwn = [
      'APP_ENV',
      'LOG_LEVEL',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'NODE_OPTIONS',
      // Database functions verify the server certificate against the runtime's CA bundle.
      'NODE_EXTRA_CA_CERTS',
    ];
    const set = Object.keys(env).filter(
      (k) =>
        !infraOwn.includes(k) &&
        !k.startsWith('PARAMETERS_SECRETS_') &&
        !k.startsWith('SECRETS_MANAGER_') &&
        !k.startsWith('SSM_') &&
        k !== 'SSM_PARAMETER_STORE_TTL' &&
        k !== 'SECRETS_MANAGER_TTL',
    );
    // TENANT_BASE_DOMAIN is optional and unset in this stage.
    expect(set.sort()).toEqual(expected.filter((v) => v !== 'TENANT_BASE_DOMAIN').sort());
  });
});
