import { describe, expect, it } from 'vitest';
import { logicalId, type Resource, resources, synth } from './synth';

const dev = synth();
const prod = synth({
  stage: 'prod',
  workosClientId: 'client_01TEST',
  appOrigins: 'https://app.example.com',
  alarmEmail: 'oncall@example.com',
});
const dbOf = (built: typeof dev) =>
  built.template.findResources('AWS::RDS::DBInstance')[
    logicalId(built.stack.database.instance, built.stack)
  ] as Resource & {
    DeletionPolicy: string;
    UpdateReplacePolicy: string;
  };

describe('RDS PostgreSQL', () => {
  it('is encrypted, not public, backed up, on PostgreSQL 17', () => {
    for (const built of [dev, prod]) {
      const { Properties: p } = dbOf(built);
      expect(p).toMatchObject({ Engine: 'postgres', StorageEncrypted: true, PubliclyAccessible: false });
      expect(p.EngineVersion).toMatch(/^17/);
      expect(p.BackupRetentionPeriod).toBeGreaterThanOrEqual(1);
    }
    expect(dbOf(prod).Properties.BackupRetentionPeriod).toBe(14);
  });

  it('lives in the isolated subnets', () => {
    const { template, stack } = dev;
    const [[, group]] = resources(template, 'AWS::RDS::DBSubnetGroup') as [[string, Resource]];
    const isolated = stack.network.vpc.isolatedSubnets.map((s) => ({ Ref: logicalId(s, stack) }));
    expect(isolated).toHaveLength(2);
    expect(group.Properties.SubnetIds).toEqual(isolated);
    // Isolated subnets have no route to the internet.
    const routes = resources(template, 'AWS::EC2::Route').filter(([id]) => id.includes('data'));
    expect(routes).toEqual([]);
  });

  it('admits only the functions security group on 5432', () => {
    const { template, stack } = dev;
    const ingress = resources(template, 'AWS::EC2::SecurityGroupIngress');
    expect(ingress).toHaveLength(1);
    expect(ingress[0]![1].Properties).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: {
        'Fn::GetAtt': [logicalId(stack.network.functionsSecurityGroup, stack), 'GroupId'],
      },
    });
    expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroup'))).not.toContain(
      '0.0.0.0/0","FromPort',
    );
  });

  it('dev: no deletion protection, deleted with the stack, single-AZ', () => {
    const db = dbOf(dev);
    expect(db.Properties.DeletionProtection).toBe(false);
    expect(db.DeletionPolicy).toBe('Delete');
    expect(db.Properties.MultiAZ).toBe(false);
  });

  it('prod: deletion protection, a snapshot on delete or replacement, Multi-AZ', () => {
    const db = dbOf(prod);
    expect(db.Properties.DeletionProtection).toBe(true);
    expect(db.DeletionPolicy).toBe('Snapshot');
    expect(db.UpdateReplacePolicy).toBe('Snapshot');
    expect(db.Properties.MultiAZ).toBe(true);
    expect(db.Properties.DBInstanceClass).toBe('db.t4g.medium');
  });

  it('takes its class and protection from context', () => {
    const custom = synth({
      dbInstanceClass: 'm7g.large',
      deletionProtection: 'true',
      removalPolicy: 'retain',
    });
    const db = dbOf(custom);
    expect(db.Properties.DBInstanceClass).toBe('db.m7g.large');
    expect(db.Properties.DeletionProtection).toBe(true);
    expect(db.DeletionPolicy).toBe('Retain');
  });

  it('its credentials are generated into Secrets Manager, never in the template', () => {
    const { template, stack } = dev;
    const { Properties: p } = dbOf(dev);
    const own = Object.values(stack.secrets.byValue).map((secret) => logicalId(secret, stack));
    const [secretId, secret] = resources(template, 'AWS::SecretsManager::Secret').find(
      ([id]) => !own.includes(id),
    )!;
    expect(JSON.stringify(p.MasterUserPassword)).toContain(`{{resolve:secretsmanager:`);
    expect(JSON.stringify(p.MasterUserPassword)).toContain(secretId);
    expect(secret.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'password' });
    expect(secret.Properties.SecretString).toBeUndefined();
    // The attachments add host, port and dbname, which resolveSecrets turns into DATABASE_URL: the
    // master's (migrate) and the app role's (the functions).
    template.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 2);
  });
});

describe('app secrets', () => {
  const secretOf = (built: typeof dev, name: 'workosApiKey' | 'webhookSecret' | 'session') =>
    built.template.findResources('AWS::SecretsManager::Secret')[
      logicalId(built.stack.secrets[name], built.stack)
    ] as Resource & { DeletionPolicy: string };

  it('one secret per value; the ones ops fill start as the NOT_CONFIGURED placeholder, pinned', () => {
    // CloudFormation rewrites SecretString whenever this property changes, which would overwrite
    // the value ops entered: these strings must never change (see infra/secrets.ts).
    for (const built of [dev, prod]) {
      expect(secretOf(built, 'workosApiKey').Properties.SecretString).toBe(
        '{"WORKOS_API_KEY":"NOT_CONFIGURED"}',
      );
      expect(secretOf(built, 'webhookSecret').Properties.SecretString).toBe(
        '{"WORKOS_WEBHOOK_SECRET":"NOT_CONFIGURED"}',
      );
      for (const name of ['workosApiKey', 'webhookSecret'] as const) {
        expect(secretOf(built, name).Properties.GenerateSecretString).toBeUndefined();
      }
    }
  });

  it('the session secret is generated, and generation settings hold no value ops enter', () => {
    const generated = resources(dev.template, 'AWS::SecretsManager::Secret').filter(
      ([, r]) => r.Properties.GenerateSecretString,
    );
    // The session secret and the database credentials: a change to either's generation settings
    // regenerates only that secret, never the API key or the webhook secret.
    const ids = generated.map(([id]) => id);
    expect(ids).toContain(logicalId(dev.stack.secrets.session, dev.stack));
    expect(ids).not.toContain(logicalId(dev.stack.secrets.workosApiKey, dev.stack));
    expect(ids).not.toContain(logicalId(dev.stack.secrets.webhookSecret, dev.stack));
    const generate = secretOf(dev, 'session').Properties.GenerateSecretString;
    expect(JSON.parse(generate.SecretStringTemplate)).toEqual({});
    expect(generate.GenerateStringKey).toBe('SESSION_SECRET');
    expect(generate.PasswordLength).toBeGreaterThanOrEqual(32);
    for (const [, r] of generated) {
      expect(JSON.stringify(r.Properties.GenerateSecretString.SecretStringTemplate ?? '')).not.toMatch(
        /WORKOS_/,
      );
    }
  });

  it('every secret, the database credentials included, is kept when a production stack is deleted', () => {
    const secrets = resources(prod.template, 'AWS::SecretsManager::Secret') as [
      string,
      Resource & { DeletionPolicy?: string },
    ][];
    // API key, webhook secret, session secret, the master and the app role's database credentials.
    expect(secrets).toHaveLength(5);
    for (const [id, secret] of secrets) expect(secret.DeletionPolicy, id).toBe('Retain');
  });
});

describe('sync queues', () => {
  it('both queues are encrypted and refuse plain HTTP', () => {
    const { template, stack } = dev;
    for (const q of [stack.sync.queue, stack.sync.deadLetters]) {
      const queue = template.findResources('AWS::SQS::Queue')[logicalId(q, stack)] as Resource;
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
    const policies = resources(template, 'AWS::SQS::QueuePolicy');
    // The sync queue and the notifications queue, each with its dead-letter queue.
    expect(policies).toHaveLength(4);
    for (const [, policy] of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('the dead-letter queue keeps messages 14 days for a redrive', () => {
    const { template, stack } = dev;
    const dlq = template.findResources('AWS::SQS::Queue')[
      logicalId(stack.sync.deadLetters, stack)
    ] as Resource;
    expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });
});

describe('network', () => {
  it('two AZs, NAT gateways by stage, flow logs on', () => {
    dev.template.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.template.resourceCountIs('AWS::EC2::NatGateway', 2);
    dev.template.resourceCountIs('AWS::EC2::FlowLog', 1);
    expect(dev.stack.network.vpc.availabilityZones).toHaveLength(2);
  });
});
