import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { NOTIFIER_TIMEOUT } from '../../infra/notifications';
import { loadSettings } from '../../infra/settings';
import { type Cfn, cdkJsonContext, logicalId, type Resource, resources, synth } from './synth';

const configured = synth({ notificationsFrom: 'notify@mail.example.com', sesIdentity: 'mail.example.com' });
const bare = synth();

function statementsOf(built: ReturnType<typeof synth>, fn: { role?: unknown }) {
  const roleId = logicalId(fn.role, built.stack);
  return resources(built.template, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, Cfn>[]);
}
const envOf = (built: ReturnType<typeof synth>, fn: unknown) =>
  (built.template.findResources('AWS::Lambda::Function')[logicalId(fn, built.stack)] as Resource).Properties
    .Environment.Variables as Record<string, Cfn>;

describe('notifications infrastructure', () => {
  const { stack, template } = configured;
  const n = stack.notifications;

  it('the notifier consumes the notifications queue with batch item failures and at most two instances', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(n.queue, stack), 'Arn'] },
      FunctionName: { Ref: logicalId(n.notifier, stack) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('the queue hides a message for 6x the notifier timeout and dead-letters it after 5 receives', () => {
    const queue = template.findResources('AWS::SQS::Queue')[logicalId(n.queue, stack)] as Resource;
    expect(queue.Properties.VisibilityTimeout).toBe(NOTIFIER_TIMEOUT.toSeconds() * 6);
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(n.deadLetters, stack), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('the sweep runs the notifier every minute', () => {
    const rule = template.findResources('AWS::Events::Rule')[logicalId(n.sweepSchedule, stack)] as Resource;
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [logicalId(n.notifier, stack), 'Arn'] },
          Input: JSON.stringify({ sweep: true }),
        }),
      ],
    });
  });

  it('verifies the stage identity and lets the notifier send through it alone (ses:SendEmail, nothing else)', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.example.com' });
    const ses = statementsOf(configured, n.notifier).filter((s) => JSON.stringify(s.Action).includes('ses:'));
    expect(ses).toHaveLength(1);
    expect(ses[0]?.Action).toBe('ses:SendEmail');
    expect(JSON.stringify(ses[0]?.Resource)).toContain(':identity/');
    expect(JSON.stringify(ses[0]?.Resource)).toContain(logicalId(n.identity, stack));
    expect(envOf(configured, n.notifier)).toMatchObject({
      NOTIFICATIONS_FROM: 'notify@mail.example.com',
      NOTIFICATIONS_MAX_RECEIVES: '5',
      NOTIFICATIONS_QUEUE_URL: { Ref: logicalId(n.queue, stack) },
    });
    // No other function may send email.
    for (const [name, fn] of Object.entries({
      ...stack.functions.http,
      syncWorker: stack.functions.syncWorker,
    })) {
      expect(JSON.stringify(statementsOf(configured, fn)), name).not.toContain('ses:');
    }
  });

  it('the sync worker knows the queue and may send to it (the outbox after-commit step)', () => {
    expect(envOf(configured, stack.functions.syncWorker).NOTIFICATIONS_QUEUE_URL).toEqual({
      Ref: logicalId(n.queue, stack),
    });
    const sends = statementsOf(configured, stack.functions.syncWorker).filter(
      (s) =>
        [s.Action].flat().includes('sqs:SendMessage') &&
        JSON.stringify(s.Resource).includes(logicalId(n.queue, stack)),
    );
    expect(sends).toHaveLength(1);
  });

  it('alarms on the dead-letter queue, failed emails and a silent sweep', () => {
    const names = resources(template, 'AWS::CloudWatch::Alarm').map(
      ([, a]) => a.Properties.AlarmName as string,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'workos-auth-dev-NotificationsDeadLetters',
        'workos-auth-dev-NotificationEmailsFailed',
        'workos-auth-dev-OutboxSweepMissing',
      ]),
    );
  });

  it('without notificationsFrom: no identity, no SES permission, and synth says email is off', () => {
    expect(resources(bare.template, 'AWS::SES::EmailIdentity')).toEqual([]);
    expect(JSON.stringify(statementsOf(bare, bare.stack.notifications.notifier))).not.toContain('ses:');
    expect(envOf(bare, bare.stack.notifications.notifier)).not.toHaveProperty('NOTIFICATIONS_FROM');
    Annotations.fromStack(bare.stack).hasWarning('*', Match.stringLikeRegexp('notificationsFrom is not set'));
  });

  it('refuses a sender outside the SES identity', () => {
    const context = (values: Record<string, unknown>) => ({
      tryGetContext: (key: string) => ({ ...cdkJsonContext, ...values })[key],
    });
    expect(() =>
      loadSettings(context({ notificationsFrom: 'a@other.com', sesIdentity: 'example.com' })),
    ).toThrow(/notificationsFrom/);
    expect(
      loadSettings(context({ notificationsFrom: 'a@example.com', sesIdentity: 'example.com' }))
        .notificationsFrom,
    ).toBe('a@example.com');
  });
});
