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
import { env as authEnv } from '../functions/auth/env';
import { env as backfillEnv } from '../functions/backfill/env';
import { env as meEnv } from '../functions/me/env';
import { env as notificationsEnv } from '../functions/notifications/env';
import { env as notifierEnv } from '../functions/notifier/env';
import { env as organizationsEnv } from '../functions/organizations/env';
import { env as reconcileEnv } from '../functions/reconcile/env';
import { env as syncWorkerEnv } from '../functions/sync-worker/env';
import { env as webhookEnv } from '../functions/webhook/env';
import { HTTP_FUNCTION_TIMEOUT_MS } from '../packages/config/src/budget';
import { secretArnVariables } from '../packages/config/src/secrets';
import { type DatabaseFunction, databaseConcurrency, QUEUE_CAPPED } from './connections';
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
  /** The secret holding each secret value (infra/secrets.ts), by variable name. */
  secrets: Record<keyof typeof secretArnVariables, ISecret>;
  /** The database secret functions read when they connect directly (no proxy). */
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

/** Each function's env schema (functions/<name>/env.ts): what it reads is what it gets. */
export const functionEnvs = {
  auth: authEnv,
  me: meEnv,
  organizations: organizationsEnv,
  webhook: webhookEnv,
  'sync-worker': syncWorkerEnv,
  reconcile: reconcileEnv,
  backfill: backfillEnv,
  notifications: notificationsEnv,
  notifier: notifierEnv,
} satisfies Record<string, Record<string, unknown>>;

export type FunctionName = keyof typeof functionEnvs;

/** Variables only a local run sets (the emulators); in AWS their defaults are the real services. */
const LOCAL_ONLY = new Set([
  'WORKOS_API_HOSTNAME',
  'WORKOS_API_PORT',
  'WORKOS_API_HTTPS',
  'SQS_ENDPOINT',
  'SES_ENDPOINT',
]);
/** Variables whose schema default is what AWS wants. */
const SCHEMA_DEFAULT = new Set(['RECONCILE_LOOKBACK_HOURS']);
/** Variables infra/notifications.ts sets (with its grants) on the functions that use them. */
const SET_BY_NOTIFICATIONS = new Set([
  'NOTIFICATIONS_QUEUE_URL',
  'NOTIFICATIONS_FROM',
  'NOTIFICATIONS_MAX_RECEIVES',
  'NOTIFIER_LEASE_SECONDS',
  'SES_CONFIGURATION_SET',
]);

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
    this.auth = this.make('auth', 'Sign-in: login, callback, organization selection, switch, logout');
    this.me = this.make('me', 'GET/PATCH /me and /health');
    this.organizations = this.make('organizations', 'Organization API: list, read, update, members');
    this.notifications = this.make('notifications', "The signed-in user's in-app notifications");
    this.webhook = this.make('webhook', 'Verifies WorkOS webhooks and enqueues them (no VPC, no database)');
    this.syncWorker = this.make('sync-worker', 'Applies WorkOS events from the sync queue to PostgreSQL', {
      timeout: WORKER_TIMEOUT,
    });
    this.reconcile = this.make(
      'reconcile',
      'Reads the WorkOS Events API after the stored cursor and enqueues what webhooks missed',
      { timeout: Duration.minutes(2) },
    );
    this.backfill = this.make(
      'backfill',
      'Ops-invoked: imports every WorkOS organization, user and membership (resumable)',
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

  /** Every function of this construct by its folder name. */
  get all(): Record<Exclude<FunctionName, 'notifier'>, AppFunction> {
    return {
      auth: this.auth,
      me: this.me,
      notifications: this.notifications,
      organizations: this.organizations,
      webhook: this.webhook,
      'sync-worker': this.syncWorker,
      reconcile: this.reconcile,
      backfill: this.backfill,
    };
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

  /** A function whose environment and grants come from its env schema (other infra files add theirs through it). */
  make(
    name: FunctionName,
    description: string,
    options: { timeout?: Duration; memorySize?: number } = {},
  ): AppFunction {
    const { settings } = this.props;
    const { environment, grants, database } = this.environmentFor(name);
    const fn = new AppFunction(this, idOf(name), {
      entry: `functions/${name}/handler.ts`,
      description,
      timeout: options.timeout ?? Duration.millis(HTTP_FUNCTION_TIMEOUT_MS),
      memorySize: options.memorySize ?? 512,
      // Every database function has a known maximum concurrency, its connection budget (connections.ts);
      // the queue-driven ones' (worker, notifier) is their SQS event source's maximum concurrency.
      reservedConcurrentExecutions:
        database && !QUEUE_CAPPED.includes(name as DatabaseFunction)
          ? databaseConcurrency(settings)[name as DatabaseFunction]
          : undefined,
      environment,
      logRetention: this.props.logRetention,
      logRemovalPolicy: this.props.logRemovalPolicy,
      ...(database ? { vpc: this.props.vpc, securityGroups: [this.props.functionsSecurityGroup] } : {}),
    });
    for (const grant of grants) grant(fn);
    if (database) fn.node.addDependency(this.props.schemaReady);
    return fn;
  }

  /**
   * The environment of a function, derived from the variables its env schema names (and nothing
   * else): secrets as the ARN of their own secret plus a read grant, the database as its secret's
   * ARN plus VPC placement, the queue URL plus send permission, settings as values.
   */
  private environmentFor(name: FunctionName) {
    const { settings, queue, databaseSecret, secrets } = this.props;
    const environment: Record<string, string> = {
      APP_ENV: 'aws',
      LOG_LEVEL: settings.logLevel,
      POWERTOOLS_SERVICE_NAME: name,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(settings.stage),
    };
    const grants: ((fn: AppFunction) => void)[] = [];
    let database = false;
    const values: Record<string, string | undefined> = {
      WORKOS_CLIENT_ID: settings.workosClientId,
      WORKOS_REDIRECT_URI: `${this.props.apiBaseUrl}/auth/callback`,
      ALLOWED_REDIRECT_ORIGINS: settings.appOrigins.join(','),
      COOKIE_DOMAIN: settings.cookieDomain,
      TENANT_BASE_DOMAIN: settings.tenantBaseDomain,
    };
    for (const variable of Object.keys(functionEnvs[name])) {
      if (variable === 'APP_ENV' || LOCAL_ONLY.has(variable) || SCHEMA_DEFAULT.has(variable)) continue;
      if (SET_BY_NOTIFICATIONS.has(variable)) continue;
      if (variable in secretArnVariables) {
        const secret = secrets[variable as keyof typeof secretArnVariables];
        environment[secretArnVariables[variable as keyof typeof secretArnVariables]] = secret.secretArn;
        grants.push((fn) => secret.grantRead(fn));
      } else if (variable === 'DATABASE_URL') {
        // TLS verify-full: the RDS CAs come from the runtime's bundle (RDS Proxy's certificate is public).
        environment.NODE_EXTRA_CA_CERTS = LAMBDA_CA_BUNDLE;
        const proxy = this.props.databaseProxy;
        if (proxy) {
          // No password anywhere: the client signs an IAM token per connection (DATABASE_IAM_AUTH).
          environment.DATABASE_URL = `postgres://${APP_DATABASE_USER}@${proxy.endpoint}:${POSTGRES_PORT}/${DATABASE_NAME}?sslmode=verify-full`;
          environment.DATABASE_IAM_AUTH = 'true';
          grants.push((fn) => proxy.grantConnect(fn, APP_DATABASE_USER));
        } else {
          environment.DATABASE_SECRET_ARN = databaseSecret.secretArn;
          grants.push((fn) => databaseSecret.grantRead(fn));
        }
        database = true;
      } else if (variable === 'QUEUE_URL') {
        environment.QUEUE_URL = queue.queueUrl;
        grants.push((fn) => queue.grantSendMessages(fn));
      } else if (variable in values) {
        const value = values[variable];
        if (value !== undefined) environment[variable] = value;
      } else {
        throw new Error(
          `infra/functions.ts: ${name} reads ${variable}; say where its value comes from in AWS`,
        );
      }
    }
    return { environment, grants, database };
  }
}

/** `sync-worker` -> `SyncWorker`: construct ids (and so logical ids) stay readable. */
export const idOf = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase());
