import { Duration, RemovalPolicy, type Resource } from 'aws-cdk-lib';
import { InstanceType, Port, SecurityGroup, SubnetType, type Vpc } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  CaCertificate,
  Credentials,
  DatabaseInstance,
  DatabaseInstanceEngine,
  PostgresEngineVersion,
  StorageType,
} from 'aws-cdk-lib/aws-rds';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Settings } from './settings';

export type DatabaseProps = {
  vpc: Vpc;
  /** The only group admitted on the database port. */
  clients: SecurityGroup;
  settings: Settings;
};

export const DATABASE_NAME = 'workos_auth';
export const POSTGRES_PORT = 5432;

/**
 * RDS PostgreSQL 17 in isolated subnets: encrypted, never public, backed up, TLS from the client
 * (the RDS secret becomes a `sslmode=require` DATABASE_URL). Credentials are generated into Secrets
 * Manager; functions receive the secret's ARN, never the password.
 */
export class Database extends Construct {
  readonly instance: DatabaseInstance;
  readonly secret: ISecret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { settings } = props;
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'PostgreSQL: admits only the functions security group',
      allowAllOutbound: false,
    });
    this.instance = new DatabaseInstance(this, 'Postgres', {
      engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_17 }),
      instanceType: new InstanceType(settings.dbInstanceClass),
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      publiclyAccessible: false,
      port: POSTGRES_PORT,
      credentials: Credentials.fromGeneratedSecret('workos_auth_admin'),
      databaseName: DATABASE_NAME,
      storageEncrypted: true,
      storageType: StorageType.GP3,
      allocatedStorage: settings.dbAllocatedStorageGiB,
      maxAllocatedStorage: settings.dbMaxAllocatedStorageGiB,
      multiAz: settings.dbMultiAz,
      backupRetention: Duration.days(settings.dbBackupRetentionDays),
      deleteAutomatedBackups: false,
      deletionProtection: settings.deletionProtection,
      removalPolicy: removalPolicyOf(settings),
      autoMinorVersionUpgrade: true,
      caCertificate: CaCertificate.RDS_CA_RSA2048_G1,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      cloudwatchLogsRetention: settings.logRetentionDays as RetentionDays,
      copyTagsToSnapshot: true,
    });
    this.instance.connections.allowFrom(
      props.clients,
      Port.tcp(POSTGRES_PORT),
      'PostgreSQL from the functions',
    );
    if (!this.instance.secret) throw new Error('the database secret was not generated');
    this.secret = this.instance.secret;
    // A kept database (snapshot or retain) keeps the credentials that open it.
    if (settings.removalPolicy !== 'destroy') {
      (this.instance.node.findChild('Secret') as Resource).applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }
}

/** destroy / snapshot / retain from the stage settings; only the database supports snapshot. */
export function removalPolicyOf(settings: Settings, { snapshot = true } = {}): RemovalPolicy {
  if (settings.removalPolicy === 'destroy') return RemovalPolicy.DESTROY;
  if (settings.removalPolicy === 'snapshot' && snapshot) return RemovalPolicy.SNAPSHOT;
  return RemovalPolicy.RETAIN;
}
