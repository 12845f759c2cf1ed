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
import type { DatabaseInstance } from 'aws-cdk-lib/aws-rds';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
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
  /** API Gateway 5xx per 5 minutes, whole API. */
  apiServerErrors: 5,
  /** Seconds reconcile is behind the Events API head. */
  reconcileLagSeconds: 30 * 60,
  databaseCpuPercent: 80,
  /** Free storage floor, bytes (autoscaling grows storage, this catches hitting its maximum). */
  databaseFreeStorageBytes: 2 * 1024 ** 3,
};

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
    const { settings } = props;
    const key = new Key(this, 'TopicKey', {
      description: `Encrypts the alarm topic (${settings.stage})`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
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
    this.topic = new Topic(this, 'Topic', {
      displayName: `WorkOS auth alarms (${settings.stage})`,
      masterKey: key,
      enforceSSL: true,
    });
    if (settings.alarmEmail) this.topic.addSubscription(new EmailSubscription(settings.alarmEmail));
    this.action = new SnsAction(this.topic);

    const fiveMinutes = Duration.minutes(5);
    const { api, queue, deadLetters, database } = props;

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
      metric: queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: thresholds.queueOldestMessageSeconds,
    });
    this.add('SyncWorkerErrors', {
      description: 'The sync worker crashed or timed out on whole batches (not single poison messages).',
      metric: props.syncWorker.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    this.add('WebhookServerErrors', {
      description:
        'POST /webhooks/workos answers 5xx: events are not being enqueued (WorkOS retries ~3 days).',
      metric: new Metric({
        namespace: 'AWS/ApiGateway',
        metricName: '5xx',
        dimensionsMap: {
          ApiId: api.httpApi.apiId,
          Stage: '$default',
          Method: WEBHOOK_ROUTE.method,
          Resource: WEBHOOK_ROUTE.path,
        },
        period: fiveMinutes,
        statistic: 'Sum',
      }),
      threshold: 1,
    });
    this.add('WebhookErrors', {
      description: 'The webhook function crashed or timed out.',
      metric: props.webhook.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
    });
    this.add('WebhookSignatureRejections', {
      description:
        'Spike of webhooks with a bad signature (401): the webhook secret is wrong or stale. Runbook: docs/secret-rotation.md',
      metric: this.insights('WebhookRejected', "reason = 'signature'"),
      threshold: thresholds.webhookSignatureRejections,
    });
    this.add('AuthCallbackFailures', {
      description:
        'Sign-ins fail at /auth/callback (WorkOS errors, state or PKCE mismatches, bad client id).',
      metric: this.insights('CallbackFailed'),
      threshold: thresholds.callbackFailures,
    });
    this.add('ApiServerErrors', {
      description: 'The HTTP API answers 5xx (any route).',
      metric: api.httpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: thresholds.apiServerErrors,
    });
    this.add('ReconcileErrors', {
      description: 'Reconcile (the safety net behind webhooks) keeps failing. Runbook: docs/reconcile.md',
      metric: props.reconcile.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 2,
    });
    this.add('ReconcileLag', {
      description: 'Reconcile is far behind the WorkOS Events API. Runbook: docs/reconcile.md',
      metric: this.insights('ReconcileLagSeconds', undefined, 'MAX'),
      threshold: thresholds.reconcileLagSeconds,
    });
    this.add('DatabaseCpu', {
      description: 'PostgreSQL CPU high for 15 minutes: consider a larger dbInstanceClass.',
      metric: database.metricCPUUtilization({ period: fiveMinutes, statistic: 'Average' }),
      threshold: thresholds.databaseCpuPercent,
      evaluationPeriods: 3,
    });
    this.add('DatabaseFreeStorage', {
      description: 'PostgreSQL free storage is low (storage autoscaling may have reached its maximum).',
      metric: database.metricFreeStorageSpace({ period: fiveMinutes, statistic: 'Minimum' }),
      threshold: thresholds.databaseFreeStorageBytes,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    this.add('DatabaseConnections', {
      description:
        'PostgreSQL connections near the limit: too much Lambda concurrency for the instance class.',
      metric: database.metricDatabaseConnections({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: settings.dbConnectionsAlarmThreshold,
      evaluationPeriods: 2,
    });

    this.dashboard();
  }

  /** Sum (or another aggregate) of one EMF metric across every dimension set the code emits. */
  private insights(metricName: string, where?: string, aggregate = 'SUM', period = Duration.minutes(5)) {
    const from = `"${this.props.namespace}"`;
    return new MathExpression({
      expression: `SELECT ${aggregate}(${metricName}) FROM ${from}${where ? ` WHERE ${where}` : ''}`,
      period,
      label: metricName,
    });
  }

  private add(
    id: string,
    options: {
      description: string;
      metric: IMetric;
      threshold: number;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
      comparisonOperator?: ComparisonOperator;
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
      // No data means nothing happened (no errors, empty queue) for every alarm here.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }

  private dashboard() {
    const graph = (title: string, metrics: IMetric[]) => new GraphWidget({ title, left: metrics, width: 12 });
    const m = (name: string, aggregate = 'SUM') => this.insights(name, undefined, aggregate);
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
