import { Annotations, Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NOTIFIER_MAX_CONCURRENCY } from './connections';
import type { AppFunctions } from './functions';
import type { AppFunction } from './node-function';
import { MAX_RECEIVE_COUNT, queueWithDeadLetters } from './queue';
import type { Settings } from './settings';

export const NOTIFIER_TIMEOUT = Duration.seconds(30);
/** The sweep re-queues outbox rows left PENDING for a minute, so it runs every minute. */
export { NOTIFIER_MAX_CONCURRENCY };
export const SWEEP_SCHEDULE = Schedule.rate(Duration.minutes(1));

export const notificationThresholds = {
  /** FAILED emails per 15 minutes: a rejected sender identity, the sandbox, or a bad address list. */
  failedEmails: 5,
};

export type NotificationsProps = {
  settings: Settings;
  functions: AppFunctions;
  /** CloudWatch namespace of the functions' EMF metrics. */
  namespace: string;
  alarmTopic: ITopic;
};

/** The SES identity mail is sent from: `sesIdentity` (a domain or an address), else the sender address. */
export const sesIdentityOf = (settings: Settings) => settings.sesIdentity ?? settings.notificationsFrom;

/**
 * Notifications: the queue the outbox feeds (and its DLQ), the notifier (SES v2 sends, batch item
 * failures), the sweep schedule, the stage's SES identity with ses:SendEmail on it alone, and the
 * alarms (DLQ, FAILED emails, sweep heartbeat). Without `notificationsFrom` the stage sends no
 * email: the notifier cancels email rows and in-app notifications work as usual.
 */
export class Notifications extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly notifier: AppFunction;
  readonly sweepSchedule: Rule;
  readonly identity: EmailIdentity | undefined;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { settings, functions } = props;
    const { queue, deadLetters } = queueWithDeadLetters(this, 'Queue', {
      visibilityTimeout: Duration.seconds(NOTIFIER_TIMEOUT.toSeconds() * 6),
    });
    this.queue = queue;
    this.deadLetters = deadLetters;

    this.notifier = functions.make(
      'notifier',
      'Sends notification emails through SES from the notifications queue; sweeps the outbox every minute',
      { timeout: NOTIFIER_TIMEOUT },
    );
    this.notifier.addEnvironment('NOTIFICATIONS_QUEUE_URL', this.queue.queueUrl);
    this.notifier.addEnvironment('NOTIFICATIONS_MAX_RECEIVES', String(MAX_RECEIVE_COUNT));
    this.notifier.addEnvironment('NOTIFIER_LEASE_SECONDS', String(NOTIFIER_TIMEOUT.toSeconds()));
    this.queue.grantSendMessages(this.notifier);
    this.queue.grantConsumeMessages(this.notifier);
    this.notifier.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: NOTIFIER_MAX_CONCURRENCY,
      }),
    );
    this.sweepSchedule = new Rule(this, 'SweepSchedule', {
      description: 'Re-queues notification emails left PENDING (a crash between commit and enqueue)',
      schedule: SWEEP_SCHEDULE,
      targets: [
        new LambdaFunction(this.notifier, {
          event: RuleTargetInput.fromObject({ sweep: true }),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });

    // The outbox's writers (the sync worker, the management routes) enqueue the ids they wrote after COMMIT.
    for (const writer of [functions.syncWorker, functions.organizations]) {
      writer.addEnvironment('NOTIFICATIONS_QUEUE_URL', this.queue.queueUrl);
      this.queue.grantSendMessages(writer);
    }

    const identity = sesIdentityOf(settings);
    if (identity && settings.notificationsFrom) {
      this.identity = new EmailIdentity(this, 'Identity', {
        identity: identity.includes('@') ? Identity.email(identity) : Identity.domain(identity),
      });
      this.notifier.addEnvironment('NOTIFICATIONS_FROM', settings.notificationsFrom);
      // SendEmail on this identity only (no SendRawEmail, no other identity).
      this.identity.grant(this.notifier, 'ses:SendEmail');
    } else {
      Annotations.of(this).addWarningV2(
        'app:notificationsFrom',
        'notificationsFrom is not set: notification emails are cancelled (in-app notifications still work). See docs/first-deploy.md.',
      );
    }

    this.alarmsOn(props);
  }

  private alarmsOn(props: NotificationsProps) {
    const action = new SnsAction(props.alarmTopic);
    const add = (
      id: string,
      options: Omit<ConstructorParameters<typeof Alarm>[2], 'alarmName' | 'evaluationPeriods'> & {
        evaluationPeriods?: number;
      },
    ) => {
      const alarm = new Alarm(this, id, {
        alarmName: `workos-auth-${props.settings.stage}-${id}`,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        ...options,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    const insights = (expression: string, period: Duration, label: string) =>
      new MathExpression({ expression, period, label });
    const from = `"${props.namespace}"`;

    add('NotificationsDeadLetters', {
      alarmDescription:
        'Notification messages the notifier could not handle 5 times sit in the dead-letter queue. Runbook: docs/notifications.md',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
    });
    add('NotificationEmailsFailed', {
      alarmDescription:
        'Notification emails are being FAILED (SES rejected them or gave up). Runbook: docs/notifications.md',
      metric: insights(
        `SELECT SUM(NotificationsFailed) FROM ${from}`,
        Duration.minutes(15),
        'NotificationsFailed',
      ),
      threshold: notificationThresholds.failedEmails,
    });
    add('OutboxSweepMissing', {
      alarmDescription:
        'The outbox sweep has not reported for 15 minutes: PENDING notification emails are not being recovered.',
      metric: insights(`SELECT COUNT(OutboxSwept) FROM ${from}`, Duration.minutes(15), 'OutboxSwept runs'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data is exactly what a dead sweep looks like.
      treatMissingData: TreatMissingData.BREACHING,
    });
  }
}
