import path from 'node:path';
import { CustomResource, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import { migrationsDigest as digestOf } from '../packages/db/src/migrate';
import { LAMBDA_CA_BUNDLE } from './database';
import { AppFunction, executionRole, repoRoot } from './node-function';

export const MIGRATIONS_DIR = path.join(repoRoot, 'migrations');

/** The digest the migrate function compares with its own bundle's (packages/db/src/migrate.ts). */
export const migrationsDigest = (dir = MIGRATIONS_DIR) => digestOf(dir);

export type MigrationsProps = {
  vpc: Vpc;
  functionsSecurityGroup: SecurityGroup;
  databaseSecret: ISecret;
  /** The app role's secret: the migrate function creates the role and keeps its password in step. */
  appDatabaseSecret: ISecret;
  /** The database itself: the migrations run once it is available. */
  database: IDependable;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
};

/**
 * Runs the committed migrations on every deploy that changes them, before any function that uses
 * the database is created or updated (those functions depend on `this.resource`).
 *
 * functions/migrate/handler.ts is the custom resource's onEvent handler (CDK provider framework):
 * Create and Update run the migrations and return `{ PhysicalResourceId }`; Delete does nothing; a
 * thrown error fails the deploy and CloudFormation rolls back. Its bundle carries `migrations/` at the
 * root, next to the handler (no MIGRATIONS_FOLDER needed).
 */
export class Migrations extends Construct {
  readonly function: AppFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: MigrationsProps) {
    super(scope, id);
    this.function = new AppFunction(this, 'Migrate', {
      entry: 'functions/migrate/handler.ts',
      description: 'Applies the committed database migrations (CloudFormation custom resource)',
      timeout: Duration.minutes(5),
      environment: {
        APP_ENV: 'aws',
        LOG_LEVEL: 'INFO',
        POWERTOOLS_SERVICE_NAME: 'migrate',
        DATABASE_SECRET_ARN: props.databaseSecret.secretArn,
        APP_DATABASE_SECRET_ARN: props.appDatabaseSecret.secretArn,
        NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
      },
      vpc: props.vpc,
      securityGroups: [props.functionsSecurityGroup],
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      afterBundling: (inputDir, outputDir) => [`cp -r "${inputDir}/migrations" "${outputDir}/migrations"`],
    });
    props.databaseSecret.grantRead(this.function);
    props.appDatabaseSecret.grantRead(this.function);

    const providerLogs = new LogGroup(this, 'ProviderLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: providerLogs,
      // Writes its own log group only (the default role carries AWSLambdaBasicExecutionRole: logs on *).
      frameworkOnEventRole: executionRole(this, 'ProviderRole', providerLogs, false),
    });
    this.resource = new CustomResource(this, 'Run', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::DatabaseMigrations',
      properties: { MigrationsDigest: migrationsDigest() },
    });
    this.resource.node.addDependency(props.database);
  }
}
