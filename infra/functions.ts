import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { DatabaseProxy } from 'aws-cdk-lib/aws-rds';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IDependable } from 'constructs';
import { HTTP_FUNCTION_TIMEOUT_MS } from '../packages/config/src/budget';
import { type DatabaseFunction, databaseConcurrency } from './connections';
import { APP_DATABASE_USER, DATABASE_NAME, LAMBDA_CA_BUNDLE, POSTGRES_PORT } from './database';
import { AppFunction } from './node-function';
import type { HttpFunction } from './routes';
import type { Settings } from './settings';

/** The sync worker's limits; the queue's visibility timeout is derived from them. */
export const WORKER_TIMEOUT = Duration.seconds(60);
export const WORKER_BATCH_SIZE = 10;
export const WORKER_BATCHING_WINDOW = Duration.seconds(0);
export const RECONCILE_SCHEDULE = Schedule.rate(Duration.minutes(5));

/** One CloudWatch namespace per deployment, so two stages in one account never share an alarm. */
export const metricsNamespace = (stage: string) => `WorkOSAuth/${stage}`;

export type AppFunctionsProps = {
  settings: Settings;
  vpc: Vpc;
  functionsSecurityGroup: SecurityGroup;
  workosSecret: ISecret;
  /** The app role's secret (not the master's), for functions that connect directly. */
  databaseSecret: ISecret;
  /** With RDS Proxy the functions connect through it with IAM authentication instead. */
  databaseProxy?: DatabaseProxy | undefined;
  queue: Queue;
  /** Public base URL of the API (custom domain or execute-api), for WORKOS_REDIRECT_URI. */
  apiBaseUrl: string;
  /** Functions that use the database start only after this (the migrations) has run. */
  schemaReady: IDependable;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
};

type Needs = {
  /** WORKOS_SECRET_ARN (read) and WORKOS_CLIENT_ID. */
  workos?: boolean;
  /** DATABASE_SECRET_ARN (read), VPC placement, waits for the migrations. */
  database?: boolean;
  /** QUEUE_URL and sqs:SendMessage. */
  send?: boolean;
  /** Cookie session settings (auth, me, organizations). */
  session?: boolean;
};

/**
 * Every function of the app except migrate (see migrations.ts), each with exactly the configuration
 * and permissions it needs: secrets reach functions as ARNs, never as values.
 */
export class AppFunctions extends Construct {
  readonly auth: AppFunction;
  readonly me: AppFunction;
  readonly organizations: AppFunction;
  readonly notifications: AppFunction;
  readonly webhook: AppFunction;
  readonly syncWorker: AppFunction;
  readonly reconcile: AppFunction;
  readonly backfill: AppFunction;
  readonly reconcileSchedule: Rule;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AppFunctionsProps,
  ) {
    super(scope, id);
    const session = { workos: true, database: true, session: true };
    this.auth = this.make(
      'auth',
      'Sign-in: login, callback, organization selection, switch, logout',
      session,
    );
    this.me = this.make('me', 'GET/PATCH /me and /health', session);
    this.organizations = this.make('organizations', 'Organization API: list, read, update, members', session);
    this.notifications = this.make('notifications', "The signed-in user's in-app notifications", session);
    this.webhook = this.make('webhook', 'Verifies WorkOS webhooks and enqueues them (no VPC, no database)', {
      workos: true,
      send: true,
    });
    this.syncWorker = this.make(
      'sync-worker',
      'Applies WorkOS events from the sync queue to PostgreSQL',
      { workos: true, database: true },
      { timeout: WORKER_TIMEOUT },
    );
    this.reconcile = this.make(
      'reconcile',
      'Reads the WorkOS Events API after the stored cursor and enqueues what webhooks missed',
      { workos: true, database: true, send: true },
      { timeout: Duration.minutes(2) },
    );
    this.backfill = this.make(
      'backfill',
      'Ops-invoked: imports every WorkOS organization, user and membership (resumable)',
      { workos: true, database: true },
      // One at a time (SINGLETON_CONCURRENCY in connections.ts): two imports would race on the same
      // resume cursor.
      { timeout: Duration.minutes(15), memorySize: 1024 },
    );

    this.syncWorker.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: WORKER_BATCH_SIZE,
        maxBatchingWindow: WORKER_BATCHING_WINDOW.toSeconds() > 0 ? WORKER_BATCHING_WINDOW : undefined,
        reportBatchItemFailures: true,
        // Caps the worker (and its database connections) without reserving account concurrency.
        maxConcurrency: props.settings.workerMaxConcurrency,
      }),
    );

    this.reconcileSchedule = new Rule(this, 'ReconcileSchedule', {
      description: 'Runs reconcile: the Events API safety net behind webhooks',
      schedule: RECONCILE_SCHEDULE,
      // No retries: the next tick (5 minutes) is the retry, and two runs never overlap on the cursor.
      targets: [new LambdaFunction(this.reconcile, { retryAttempts: 0, maxEventAge: Duration.minutes(4) })],
    });
  }

  /** The HTTP functions by the names infra/routes.ts uses. */
  get http(): Record<HttpFunction, AppFunction> {
    return {
      auth: this.auth,
      me: this.me,
      organizations: this.organizations,
      notifications: this.notifications,
      webhook: this.webhook,
    };
  }

  /** A function with exactly what `needs` says (other infra files add theirs through it). */
  make(
    name: string,
    description: string,
    needs: Needs,
    options: { timeout?: Duration; memorySize?: number } = {},
  ): AppFunction {
    const { settings } = this.props;
    const environment: Record<string, string> = {
      APP_ENV: 'aws',
      LOG_LEVEL: settings.logLevel,
      POWERTOOLS_SERVICE_NAME: name,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(settings.stage),
    };
    if (needs.workos) {
      environment.WORKOS_SECRET_ARN = this.props.workosSecret.secretArn;
      environment.WORKOS_CLIENT_ID = settings.workosClientId;
    }
    const proxy = this.props.databaseProxy;
    if (needs.database) {
      // TLS verify-full: the RDS CAs come from the runtime's bundle (RDS Proxy's certificate is public).
      environment.NODE_EXTRA_CA_CERTS = LAMBDA_CA_BUNDLE;
      if (proxy) {
        // No password anywhere: the client signs an IAM token per connection (DATABASE_IAM_AUTH).
        environment.DATABASE_URL = `postgres://${APP_DATABASE_USER}@${proxy.endpoint}:${POSTGRES_PORT}/${DATABASE_NAME}?sslmode=verify-full`;
        environment.DATABASE_IAM_AUTH = 'true';
      } else {
        environment.DATABASE_SECRET_ARN = this.props.databaseSecret.secretArn;
      }
    }
    if (needs.send) environment.QUEUE_URL = this.props.queue.queueUrl;
    if (needs.session) {
      environment.WORKOS_REDIRECT_URI = `${this.props.apiBaseUrl}/auth/callback`;
      environment.ALLOWED_REDIRECT_ORIGINS = settings.appOrigins.join(',');
      if (settings.cookieDomain) environment.COOKIE_DOMAIN = settings.cookieDomain;
      if (settings.tenantBaseDomain) environment.TENANT_BASE_DOMAIN = settings.tenantBaseDomain;
    }
    const fn = new AppFunction(this, idOf(name), {
      entry: `functions/${name}/handler.ts`,
      description,
      timeout: options.timeout ?? Duration.millis(HTTP_FUNCTION_TIMEOUT_MS),
      memorySize: options.memorySize ?? 512,
      // Every database function has a known maximum concurrency, its connection budget (connections.ts);
      // the worker's is its SQS event source's maximum concurrency instead.
      reservedConcurrentExecutions:
        needs.database && name !== 'sync-worker'
          ? databaseConcurrency(settings)[name as DatabaseFunction]
          : undefined,
      environment,
      logRetention: this.props.logRetention,
      logRemovalPolicy: this.props.logRemovalPolicy,
      ...(needs.database ? { vpc: this.props.vpc, securityGroups: [this.props.functionsSecurityGroup] } : {}),
    });
    if (needs.workos) this.props.workosSecret.grantRead(fn);
    if (needs.database) {
      if (proxy) proxy.grantConnect(fn, APP_DATABASE_USER);
      else this.props.databaseSecret.grantRead(fn);
      fn.node.addDependency(this.props.schemaReady);
    }
    if (needs.send) this.props.queue.grantSendMessages(fn);
    return fn;
  }
}

/** `sync-worker` -> `SyncWorker`: construct ids (and so logical ids) stay readable. */
export const idOf = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase());
