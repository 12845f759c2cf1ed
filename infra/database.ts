import { Duration, RemovalPolicy, type Resource } from 'aws-cdk-lib';
import { InstanceType, Port, SecurityGroup, SubnetType, type Vpc } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  CaCertificate,
  Credentials,
  DatabaseInstance,
  DatabaseInstanceEngine,
  type DatabaseProxy,
  DatabaseSecret,
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
/** The role the functions connect as: owns nothing, may read and write the app's tables. */
export const APP_DATABASE_USER = 'workos_auth_app';
/**
 * Where the Lambda Node.js runtime keeps the CA bundle with the RDS certificate authorities; Node
 * loads it through NODE_EXTRA_CA_CERTS so `sslmode=verify-full` can verify the instance.
 */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/**
 * RDS PostgreSQL 17 in isolated subnets: encrypted, never public, backed up, TLS verified by the
 * client (`sslmode=verify-full`). Two generated secrets: the master's (migrations only) and the app
 * role's (`workos_auth_app`, created by the migrate function), which the functions use. With
 * `dbProxy` (prod), the functions go through RDS Proxy instead: TLS required, IAM authentication,
 * the proxy itself logging in as the app role; the functions never see a password.
 */
export class Database extends Construct {
  readonly instance: DatabaseInstance;
  /** The master user's secret: the migrate function only. */
  readonly secret: ISecret;
  /** The app role's secret (host, port, dbname attached): functions that connect directly. */
  readonly appSecret: ISecret;
  readonly proxy: DatabaseProxy | undefined;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { settings } = props;
    this.instance = this.postgres(props);
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
    this.appSecret = this.appRoleSecret(settings);
    if (settings.dbProxy) this.proxy = this.addProxy(props);
  }

  /** The instance and its security group (which admits nobody yet). */
  private postgres({ settings, vpc }: DatabaseProps): DatabaseInstance {
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'PostgreSQL: admits only the functions security group',
      allowAllOutbound: false,
    });
    return new DatabaseInstance(this, 'Postgres', {
      engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_17 }),
      instanceType: new InstanceType(settings.dbInstanceClass),
      vpc,
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
  }

  /**
   * The app role's generated secret, with the instance's host, port and dbname attached. The migrate
   * function creates the role with this password.
   */
  private appRoleSecret(settings: Settings): ISecret {
    const appSecret = new DatabaseSecret(this, 'AppSecret', {
      username: APP_DATABASE_USER,
      masterSecret: this.secret,
      // Characters that need escaping in a URL or in SQL stay out of the generated password.
      excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
    });
    // Kept with a kept database, like the master's: the app role's password opens it too.
    if (settings.removalPolicy !== 'destroy') appSecret.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return appSecret.attach(this.instance);
  }

  /**
   * RDS Proxy between the functions and the instance (`dbProxy`): it logs in as the app role, the
   * functions authenticate with IAM over TLS. Admits the functions; the instance admits the proxy.
   */
  private addProxy({ settings, vpc, clients }: DatabaseProps): DatabaseProxy {
    const proxySecurityGroup = new SecurityGroup(this, 'ProxySecurityGroup', {
      vpc,
      description: 'RDS Proxy: admits only the functions security group',
      allowAllOutbound: false,
    });
    const proxy = this.instance.addProxy('Proxy', {
      secrets: [this.appSecret],
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [proxySecurityGroup],
      requireTLS: true,
      iamAuth: true,
      maxConnectionsPercent: settings.dbProxyMaxConnectionsPercent,
      // A request that cannot borrow a connection fails fast (503) instead of holding the Lambda.
      borrowTimeout: Duration.seconds(5),
    });
    proxy.connections.allowFrom(clients, Port.tcp(POSTGRES_PORT), 'PostgreSQL from the functions');
    this.instance.connections.allowFrom(proxy, Port.tcp(POSTGRES_PORT), 'PostgreSQL from RDS Proxy');
    return proxy;
  }
}

/** destroy / snapshot / retain from the stage settings; only the database supports snapshot. */
export function removalPolicyOf(settings: Settings, { snapshot = true } = {}): RemovalPolicy {
  if (settings.removalPolicy === 'destroy') return RemovalPolicy.DESTROY;
  if (settings.removalPolicy === 'snapshot' && snapshot) return RemovalPolicy.SNAPSHOT;
  return RemovalPolicy.RETAIN;
}
