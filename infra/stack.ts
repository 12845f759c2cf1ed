import {
  Annotations,
  App,
  CfnOutput,
  type RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { Alarms } from './alarms';
import { Api } from './api';
import { Database, removalPolicyOf } from './database';
import { Edge } from './edge';
import { AppFunctions, metricsNamespace, WORKER_BATCHING_WINDOW, WORKER_TIMEOUT } from './functions';
import { Migrations } from './migrations';
import { acknowledgeFindings } from './nag';
import { Network } from './network';
import { Notifications } from './notifications';
import { SyncQueue } from './queue';
import { AppSecrets } from './secrets';
import { loadSettings, PLACEHOLDER_CLIENT_ID, type Settings } from './settings';

export type AuthStackProps = StackProps & { settings: Settings };

/** Retention and removal of the log groups the stack's constructs create. */
type LogSettings = { logRetention: RetentionDays; logRemovalPolicy: RemovalPolicy };

/** The whole deployment: one stack per stage (`WorkOSAuth-<stage>`). */
export class AuthStack extends Stack {
  readonly network: Network;
  readonly database: Database;
  readonly secrets: AppSecrets;
  readonly sync: SyncQueue;
  readonly api: Api;
  /** CloudFront + AWS WAF in front of the API, when the stage has `edge` on. */
  readonly edge: Edge | undefined;
  readonly migrations: Migrations;
  readonly functions: AppFunctions;
  readonly alarms: Alarms;
  readonly notifications: Notifications;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const logRetention = settings.logRetentionDays as RetentionDays;
    const removalPolicy = removalPolicyOf(settings, { snapshot: false });
    const logs: LogSettings = { logRetention, logRemovalPolicy: removalPolicy };
    this.warnWithoutClientId(settings);

    this.network = new Network(this, 'Network', {
      natGateways: settings.natGateways,
      logRetention,
      removalPolicy,
    });
    this.secrets = new AppSecrets(this, 'Secrets', { stage: settings.stage, removalPolicy });
    this.database = new Database(this, 'Database', {
      vpc: this.network.vpc,
      clients: this.network.functionsSecurityGroup,
      settings,
    });
    this.sync = new SyncQueue(this, 'Sync', {
      workerTimeout: WORKER_TIMEOUT,
      maxBatchingWindow: WORKER_BATCHING_WINDOW,
    });
    this.api = new Api(this, 'Api', { settings, ...logs });
    this.migrations = new Migrations(this, 'Migrations', {
      vpc: this.network.vpc,
      functionsSecurityGroup: this.network.functionsSecurityGroup,
      databaseSecret: this.database.secret,
      appDatabaseSecret: this.database.appSecret,
      database: this.database.instance,
      ...logs,
    });
    this.functions = this.appFunctions(settings, logs);
    this.api.addRoutes(this.functions.http);
    if (settings.edge) {
      this.edge = new Edge(this, 'Edge', {
        settings,
        apiEndpoint: this.api.httpApi.apiEndpoint,
        apiDomainTarget: this.api.apiDomainTarget,
      });
    }
    this.alarms = this.appAlarms(settings, removalPolicy);
    this.notifications = new Notifications(this, 'Notifications', {
      settings,
      functions: this.functions,
      namespace: metricsNamespace(settings.stage),
      alarmTopic: this.alarms.topic,
    });

    this.addOutputs(settings);
    acknowledgeFindings(this, settings);
  }

  /** A synth with the placeholder WorkOS client id works, but says sign-in will not. */
  private warnWithoutClientId(settings: Settings) {
    if (settings.workosClientId === PLACEHOLDER_CLIENT_ID) {
      Annotations.of(this).addWarningV2(
        'app:workosClientId',
        'workosClientId is not set: sign-in will not work until you deploy with -c workosClientId=client_...',
      );
    }
  }

  /** Every Lambda function of the app, wired to the network, secrets, database, queue and API URL. */
  private appFunctions(settings: Settings, logs: LogSettings) {
    return new AppFunctions(this, 'Functions', {
      settings,
      vpc: this.network.vpc,
      functionsSecurityGroup: this.network.functionsSecurityGroup,
      secrets: this.secrets.byValue,
      databaseSecret: this.database.appSecret,
      databaseProxy: this.database.proxy,
      queue: this.sync.queue,
      apiBaseUrl: this.api.baseUrl,
      schemaReady: this.migrations.resource,
      ...logs,
    });
  }

  /** The alarms (and their topic) on the API, the queues, the functions and the database. */
  private appAlarms(settings: Settings, removalPolicy: RemovalPolicy) {
    return new Alarms(this, 'Alarms', {
      settings,
      namespace: metricsNamespace(settings.stage),
      api: this.api,
      queue: this.sync.queue,
      deadLetters: this.sync.deadLetters,
      syncWorker: this.functions.syncWorker,
      webhook: this.functions.webhook,
      reconcile: this.functions.reconcile,
      functions: Object.values(this.functions.all),
      httpServices: Object.keys(this.functions.http),
      database: this.database.instance,
      removalPolicy,
    });
  }

  /** The stack outputs: what to paste into the WorkOS dashboard, which secrets to set, what ops use. */
  private addOutputs(settings: Settings) {
    const { api, secrets, database, sync, functions, alarms } = this;
    const outputs: Record<string, [value: string, description: string]> = {
      ApiUrl: [api.baseUrl, 'Base URL of the HTTP API'],
      RedirectUri: [`${api.baseUrl}/auth/callback`, 'WorkOS dashboard: add as a Redirect URI'],
      WebhookUrl: [`${api.baseUrl}/webhooks/workos`, 'WorkOS dashboard: webhook endpoint URL'],
      WorkOSApiKeySecretArn: [secrets.workosApiKey.secretArn, 'Set WORKOS_API_KEY (docs/first-deploy.md)'],
      WebhookSecretArn: [secrets.webhookSecret.secretArn, 'Set WORKOS_WEBHOOK_SECRET (docs/first-deploy.md)'],
      DatabaseSecretArn: [database.secret.secretArn, 'RDS credentials (generated)'],
      QueueUrl: [sync.queue.queueUrl, 'Sync queue'],
      DeadLetterQueueUrl: [sync.deadLetters.queueUrl, 'Sync dead-letter queue'],
      DeadLetterQueueArn: [sync.deadLetters.queueArn, 'Sync dead-letter queue (redrive source)'],
      BackfillFunctionName: [functions.backfill.functionName, 'aws lambda invoke --function-name ...'],
      ReconcileFunctionName: [functions.reconcile.functionName, 'Runs every 5 minutes'],
      AlarmTopicArn: [alarms.topic.topicArn, 'Subscribe on-call here'],
      MetricsNamespace: [metricsNamespace(settings.stage), 'CloudWatch namespace of the app metrics'],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }
}

/** The app with its one stack for the stage in context, checked by cdk-nag AwsSolutions. */
export function buildApp(app: App = new App()) {
  const settings = loadSettings(app.node);
  const stack = new AuthStack(app, `WorkOSAuth-${settings.stage}`, {
    settings,
    description: `WorkOS authentication on API Gateway, Lambda, SQS and RDS PostgreSQL (${settings.stage})`,
    tags: { app: 'workos-auth', stage: settings.stage },
  });
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  return { app, stack, settings, nag };
}
