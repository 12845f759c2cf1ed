import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { DatabaseInstance } from 'aws-cdk-lib/aws-rds';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type MetricName, metricCatalogue } from '../packages/telemetry/src/catalogue';
import type { Api } from './api';
import { WEBHOOK_ROUTE } from './api';
import type { Settings } from './settings';

export type AlarmsProps = {
  settings: Settings;
  /** CloudWatch namespace of the functions' EMF metrics. */
  namespace: string;
  api: Api;
  queue: Queue;
  deadLetters: Queue;
  syncWorker: IFunction;
  webhook: IFunction;
  reconcile: IFunction;
  /** Every house function, for the throttle alarm. */
  functions: IFunction[];
  /** The HTTP functions by service name (POWERTOOLS_SERVICE_NAME), whose NotConfigured refusals are not errors. */
  httpServices: string[];
  database: DatabaseInstance;
  removalPolicy: RemovalPolicy;
};

/** Thresholds in one place, so the runbooks and the alarms agree. */
export const thresholds = {
  /** Oldest message in the sync queue, seconds: events are this late reaching the database. */
  queueOldestMessageSeconds: 15 * 60,
  /** Invalid webhook signatures per 5 minutes: a wrong secret after rotation, or someone probing. */
  webhookSignatureRejections: 10,
  /** Failed /auth/callback completions per 5 minutes. */
  callbackFailures: 10,
  /** API Gateway 5xx as a percentage of requests per 5 minutes, whole API (NOT_CONFIGURED excluded). */
  apiServerErrorPercent: 5,
  /** Below this many requests per 5 minutes the 5xx rate is not judged (one error in three is not an outage). */
  apiServerErrorMinRequests: 20,
  /** Requests API Gateway throttled (429) per 5 minutes: the stage or a route limit is too low, or a flood. */
  apiThrottled: 50,
  /** Reconcile runs every 5 minutes: no invocation in this long means its schedule or function is gone. */
  reconcileHeartbeatMinutes: 15,
  /** Seconds reconcile is behind the Events API head. */
  reconcileLagSeconds: 30 * 60,
  databaseCpuPercent: 80,
  /** Free storage floor, bytes (autoscaling grows storage, this catches hitting its maximum). */
  databaseFreeStorageBytes: 2 * 1024 ** 3,
};

/** The evaluation period of most alarms. */
const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on what breaks users or loses data, all notifying one SNS topic (encrypted, TLS only), plus
 * a dashboard of the functions' own metrics. AWS-native metrics where they exist; the EMF metrics for
 * what only the code knows (signature rejections, callback failures, reconcile lag). EMF metrics are
 * read with Metrics Insights queries, so an alarm holds whatever extra dimensions the code adds.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AlarmsProps,
  ) {
    super(scope, id);
    this.topic = this.alarmTopic();
    this.action = new SnsAction(this.topic);
    this.queueAlarms();
    this.webhookAlarms();
    this.signInAlarms();
    this.apiAlarms();
    this.functionThrottlesAlarm();
    this.reconcileAlarms();
    this.databaseAlarms();
    this.dashboard();
  }

  /**
   * The topic every alarm notifies: KMS-encrypted, TLS only, with the stage's alarm email subscribed.
   * The key lets CloudWatch (this account's alarms only) publish to it.
   */
  private alarmTopic(): Topic {
    const { settings } = this.props;
    const key = new Key(this, 'TopicKey', {
      description: `Encrypts the alarm topic (${settings.stage})`,
      enableKeyRotation: true,
      removalPolicy: this.props.removalPolicy,
    });
    // CloudWatch must be able to publish to the encrypted topic: this account's alarms only.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const topic = new Topic(this, 'Topic', {
      displayName: `WorkOS auth alarms (${settings.stage})`,
      masterKey: key,
      enforceSSL: true,
    });
    if (settings.alarmEmail) topic.addSubscription(new EmailSubscription(settings.alarmEmail));
    return topic;
  }

  /** Sync events that are stuck: dead letters, a growing queue age, a worker failing whole batches. */
  private queueAlarms() {
    const { queue, deadLetters, syncWorker } = this.props;
    this.add('DeadLettersNotEmpty', {
      description:
        'Sync events failed 5 times and sit in the dead-letter queue. Runbook: docs/dlq-redrive.md',
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
    });
    this.add('QueueOldestMessageAge', {
      description: 'Sync events wait too long in the queue: the worker is failing, throttled or capped.',
      metric: queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: thresholds.queueOldestMessageSeconds,
    });
    this.add('SyncWorkerErrors', {
      description: 'The sync worker crashed or timed out on whole batches (not single poison messages).',
      metric: syncWorker.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
  }

  /** POST /webhooks/workos: events not enqueued (5xx, crashes) or refused for a bad signature. */
  private webhookAlarms() {
    const { api, webhook } = this.props;
    this.add('WebhookServerErrors', {
      description:
        'POST /webhooks/workos answers 5xx: events are not being enqueued (WorkOS retries ~3 days).',
      // Not counting the 503 NOT_CONFIGURED answers before ops set the webhook secret (expected).
      metric: new MathExpression({
        expression: 'FILL(e, 0) - FILL(nc, 0)',
        usingMetrics: {
          e: new Metric({
            namespace: 'AWS/ApiGateway',
            metricName: '5xx',
            dimensionsMap: {
              ApiId: api.httpApi.apiId,
              Stage: '$default',
              Method: WEBHOOK_ROUTE.method,
              Resource: WEBHOOK_ROUTE.path,
            },
            statistic: 'Sum',
          }),
          nc: this.serviceMetric('NotConfigured', 'webhook'),
        },
        period: FIVE_MINUTES,
        label: 'webhook 5xx (not NOT_CONFIGURED)',
      }),
      threshold: 1,
    });
    this.add('WebhookErrors', {
      description: 'The webhook function crashed or timed out.',
      metric: webhook.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
    });
    this.add('WebhookSignatureRejections', {
      description:
        'Spike of webhooks with a bad signature (401): the webhook secret is wrong or stale. Runbook: docs/secret-rotation.md',
      metric: this.insights('WebhookRejected', "reason = 'signature'"),
      threshold: thresholds.webhookSignatureRejections,
    });
  }

  /** Sign-ins failing at /auth/callback (an EMF metric: only the code knows why). */
  private signInAlarms() {
    this.add('AuthCallbackFailures', {
      description:
        'Sign-ins fail at /auth/callback (WorkOS errors, state or PKCE mismatches, bad client id).',
      metric: this.insights('CallbackFailed'),
      threshold: thresholds.callbackFailures,
    });
  }

  /**
   * The whole HTTP API: its 5xx rate (NOT_CONFIGURED refusals left out) and the requests API Gateway
   * throttles, counted from the access logs (status 429) by a metric filter.
   */
  private apiAlarms() {
    const { api, httpServices, namespace } = this.props;
    const notConfigured = Object.fromEntries(
      httpServices.map((service, i) => [`nc${i}`, this.serviceMetric('NotConfigured', service)]),
    );
    const refused = Object.keys(notConfigured)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + ');
    this.add('ApiServerErrors', {
      description: `The HTTP API answers 5xx to more than ${thresholds.apiServerErrorPercent}% of requests (any route; NOT_CONFIGURED not counted; judged from ${thresholds.apiServerErrorMinRequests} requests per 5 minutes).`,
      metric: new MathExpression({
        expression: `IF(n >= ${thresholds.apiServerErrorMinRequests}, 100 * (FILL(e, 0) - (${refused})) / n, 0)`,
        usingMetrics: {
          n: api.httpApi.metricCount({ statistic: 'Sum' }),
          e: api.httpApi.metricServerError({ statistic: 'Sum' }),
          ...notConfigured,
        },
        period: FIVE_MINUTES,
        label: 'API 5xx %',
      }),
      threshold: thresholds.apiServerErrorPercent,
    });
    new MetricFilter(this, 'ApiThrottledFilter', {
      logGroup: api.accessLogs,
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: namespace,
      metricName: 'ApiThrottled' satisfies MetricName,
      metricValue: '1',
      unit: metricCatalogue.ApiThrottled.unit as never,
    });
    this.add('ApiThrottled', {
      description:
        'API Gateway throttles requests (429): a stage or route limit (apiRateLimit, authRateLimit, webhookRateLimit) is too low, or a flood.',
      metric: new Metric({
        namespace,
        metricName: 'ApiThrottled' satisfies MetricName,
        period: FIVE_MINUTES,
        statistic: 'Sum',
      }),
      threshold: thresholds.apiThrottled,
    });
  }

  /** Lambda throttling any house function, summed into one alarm. */
  private functionThrottlesAlarm() {
    const throttles = Object.fromEntries(
      this.props.functions.map((fn, i) => [`t${i}`, fn.metricThrottles({ statistic: 'Sum' })]),
    );
    this.add('FunctionThrottles', {
      description:
        'Lambda throttled a function (account concurrency, reserved concurrency, or backfill invoked twice): requests fail or wait.',
      metric: new MathExpression({
        expression: Object.keys(throttles)
          .map((id) => `FILL(${id}, 0)`)
          .join(' + '),
        usingMetrics: throttles,
        period: FIVE_MINUTES,
        label: 'Lambda throttles',
      }),
      threshold: 1,
    });
  }

  /** Reconcile, the safety net behind webhooks: stopped (heartbeat), failing, or falling behind. */
  private reconcileAlarms() {
    const { reconcile } = this.props;
    this.add('ReconcileHeartbeat', {
      description: `Reconcile has not run for ${thresholds.reconcileHeartbeatMinutes} minutes (its schedule runs every 5): the safety net behind webhooks is off. Runbook: docs/reconcile.md`,
      metric: reconcile.metricInvocations({
        period: Duration.minutes(thresholds.reconcileHeartbeatMinutes),
        statistic: 'Sum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data is exactly what a stopped schedule looks like.
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.add('ReconcileErrors', {
      description: 'Reconcile (the safety net behind webhooks) keeps failing. Runbook: docs/reconcile.md',
      metric: reconcile.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 2,
    });
    this.add('ReconcileLag', {
      description: 'Reconcile is far behind the WorkOS Events API. Runbook: docs/reconcile.md',
      metric: this.insights('ReconcileLagSeconds', undefined, 'MAX'),
      threshold: thresholds.reconcileLagSeconds,
    });
  }

  /** PostgreSQL running out of CPU, storage or connections. */
  private databaseAlarms() {
    const { database, settings } = this.props;
    this.add('DatabaseCpu', {
      description: 'PostgreSQL CPU high for 15 minutes: consider a larger dbInstanceClass.',
      metric: database.metricCPUUtilization({ period: FIVE_MINUTES, statistic: 'Average' }),
      threshold: thresholds.databaseCpuPercent,
      evaluationPeriods: 3,
    });
    this.add('DatabaseFreeStorage', {
      description: 'PostgreSQL free storage is low (storage autoscaling may have reached its maximum).',
      metric: database.metricFreeStorageSpace({ period: FIVE_MINUTES, statistic: 'Minimum' }),
      threshold: thresholds.databaseFreeStorageBytes,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    this.add('DatabaseConnections', {
      description:
        'PostgreSQL connections near the limit: too much Lambda concurrency for the instance class.',
      metric: database.metricDatabaseConnections({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: settings.dbConnectionsAlarmThreshold,
      evaluationPeriods: 2,
    });
  }

  /** A catalogued EMF metric of one function (Powertools adds the `service` dimension). */
  private serviceMetric(metricName: MetricName, service: string) {
    return new Metric({
      namespace: this.props.namespace,
      metricName,
      dimensionsMap: { service },
      statistic: 'Sum',
    });
  }

  /** Sum (or another aggregate) of one EMF metric across every dimension set the code emits. */
  private insights(metricName: MetricName, where?: string, aggregate = 'SUM', period = Duration.minutes(5)) {
    const from = `"${this.props.namespace}"`;
    return new MathExpression({
      expression: `SELECT ${aggregate}(${metricName}) FROM ${from}${where ? ` WHERE ${where}` : ''}`,
      period,
      label: metricName,
    });
  }

  /** One alarm named `workos-auth-<stage>-<id>`, notifying the topic when it fires and when it clears. */
  private add(
    id: string,
    options: {
      description: string;
      metric: IMetric;
      threshold: number;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
    },
  ) {
    const alarm = new Alarm(this, id, {
      alarmName: `workos-auth-${this.props.settings.stage}-${id}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.datapointsToAlarm,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened (no errors, empty queue) for every alarm but the heartbeat.
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }

  /** The dashboard of the functions' EMF metrics, with the queue depths and the API's 4xx and 5xx. */
  private dashboard() {
    const graph = (title: string, metrics: IMetric[]) => new GraphWidget({ title, left: metrics, width: 12 });
    const m = (name: MetricName, aggregate = 'SUM') => this.insights(name, undefined, aggregate);
    new Dashboard(this, 'Dashboard', {
      dashboardName: `workos-auth-${this.props.settings.stage}`,
      widgets: [
        [
          graph('Webhooks', [m('WebhookAccepted'), m('WebhookRejected')]),
          graph('Sync events', [
            m('EventsApplied'),
            m('EventsSkipped'),
            m('EventsFailed'),
            m('ParentsFetched'),
          ]),
        ],
        [
          graph('Sessions', [m('CallbackFailed'), m('RefreshOutcome')]),
          graph('Reconcile and backfill', [
            m('ReconcileLagSeconds', 'MAX'),
            m('ReconcileEventsEnqueued'),
            m('ReconcileRetries'),
            m('BackfillApplied'),
            m('BackfillTombstoned'),
          ]),
        ],
        [
          graph('Queue', [
            this.props.queue.metricApproximateNumberOfMessagesVisible(),
            this.props.deadLetters.metricApproximateNumberOfMessagesVisible(),
          ]),
          graph('API', [
            this.props.api.httpApi.metricClientError(),
            this.props.api.httpApi.metricServerError(),
          ]),
        ],
      ],
    });
  }
}
