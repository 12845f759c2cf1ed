import { describe, expect, it } from 'vitest';
import { thresholds } from '../../infra/alarms';
import { type Cfn, logicalId, type Resource, resources, synth } from './synth';

const { template, stack } = synth({ alarmEmail: 'oncall@example.com' });
const topicRef = { Ref: logicalId(stack.alarms.topic, stack) };
const alarms = new Map(
  resources(template, 'AWS::CloudWatch::Alarm').map(([, a]) => [
    (a.Properties.AlarmName as string).replace('workos-auth-dev-', ''),
    a.Properties,
  ]),
);
const alarm = (name: string) => {
  const found = alarms.get(name);
  if (!found) throw new Error(`no alarm ${name}; have ${[...alarms.keys()].join(', ')}`);
  return found;
};
const dimensions = (a: Record<string, Cfn>) =>
  Object.fromEntries((a.Dimensions ?? []).map((d: { Name: string; Value: unknown }) => [d.Name, d.Value]));
const ref = (c: unknown) => ({ Ref: logicalId(c, stack) });
const getAtt = (c: unknown, attr: string) => ({ 'Fn::GetAtt': [logicalId(c, stack), attr] });

describe('alarms', () => {
  it('every alarm notifies the SNS topic on alarm and on recovery', () => {
    expect(alarms.size).toBeGreaterThanOrEqual(12);
    for (const [name, a] of alarms) {
      expect(a.AlarmActions, name).toEqual([topicRef]);
      expect(a.OKActions, name).toEqual([topicRef]);
      expect(a.AlarmDescription.length, name).toBeGreaterThan(30);
    }
  });

  it('the topic is encrypted with a rotating key CloudWatch may use, TLS only, mailed to on-call', () => {
    const topic = template.findResources('AWS::SNS::Topic')[logicalId(stack.alarms.topic, stack)] as Resource;
    expect(topic.Properties.KmsMasterKeyId).toEqual(
      expect.objectContaining({ 'Fn::GetAtt': expect.any(Array) }),
    );
    const [[, key]] = resources(template, 'AWS::KMS::Key') as [[string, Resource]];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    const [[, policy]] = resources(template, 'AWS::SNS::TopicPolicy') as [[string, Resource]];
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
  });

  it('DLQ not empty', () => {
    const a = alarm('DeadLettersNotEmpty');
    expect(a).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    expect(dimensions(a)).toEqual({ QueueName: getAtt(stack.sync.deadLetters, 'QueueName') });
  });

  it('oldest message age on the sync queue', () => {
    const a = alarm('QueueOldestMessageAge');
    expect(a).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: thresholds.queueOldestMessageSeconds,
    });
    expect(dimensions(a)).toEqual({ QueueName: getAtt(stack.sync.queue, 'QueueName') });
  });

  it('worker errors', () => {
    const a = alarm('SyncWorkerErrors');
    expect(a).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(dimensions(a)).toEqual({ FunctionName: ref(stack.functions.syncWorker) });
  });

  it('webhook 5xx on its route (route-level metrics are on for that route)', () => {
    const a = alarm('WebhookServerErrors');
    expect(a).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Threshold: 1 });
    expect(dimensions(a)).toEqual({
      ApiId: ref(stack.api.httpApi),
      Stage: '$default',
      Method: 'POST',
      Resource: '/webhooks/workos',
    });
    expect(dimensions(alarm('WebhookErrors'))).toEqual({ FunctionName: ref(stack.functions.webhook) });
  });

  it('webhook 401 spikes, from the WebhookRejected metric with reason=signature', () => {
    const a = alarm('WebhookSignatureRejections');
    expect(a.Metrics).toEqual([
      expect.objectContaining({
        Expression: `SELECT SUM(WebhookRejected) FROM "WorkOSAuth/dev" WHERE reason = 'signature'`,
        Period: 300,
        ReturnData: true,
      }),
    ]);
    expect(a.Threshold).toBe(thresholds.webhookSignatureRejections);
  });

  it('auth callback failures, from the CallbackFailed metric', () => {
    const a = alarm('AuthCallbackFailures');
    expect(a.Metrics[0].Expression).toBe('SELECT SUM(CallbackFailed) FROM "WorkOSAuth/dev"');
  });

  it('custom metrics are read from the namespace the functions write to', () => {
    const fnEnv = template.findResources('AWS::Lambda::Function')[
      logicalId(stack.functions.webhook, stack)
    ] as Resource;
    const namespace = fnEnv.Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE;
    for (const name of ['WebhookSignatureRejections', 'AuthCallbackFailures', 'ReconcileLag']) {
      expect(alarm(name).Metrics[0].Expression).toContain(`FROM "${namespace}"`);
    }
  });

  it('API 5xx', () => {
    const a = alarm('ApiServerErrors');
    expect(a).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
    expect(dimensions(a)).toEqual({ ApiId: ref(stack.api.httpApi) });
  });

  it('RDS CPU, free storage and connections', () => {
    const db = { DBInstanceIdentifier: ref(stack.database.instance) };
    expect(alarm('DatabaseCpu')).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'CPUUtilization',
      Threshold: 80,
    });
    expect(dimensions(alarm('DatabaseCpu'))).toEqual(db);
    expect(alarm('DatabaseFreeStorage')).toMatchObject({
      MetricName: 'FreeStorageSpace',
      ComparisonOperator: 'LessThanThreshold',
    });
    expect(dimensions(alarm('DatabaseFreeStorage'))).toEqual(db);
    expect(alarm('DatabaseConnections')).toMatchObject({ MetricName: 'DatabaseConnections', Threshold: 60 });
    expect(dimensions(alarm('DatabaseConnections'))).toEqual(db);
  });

  it('quiet periods do not alarm (missing data is not breaching), except a silent outbox sweep', () => {
    for (const [name, a] of alarms) {
      expect(a.TreatMissingData, name).toBe(name === 'OutboxSweepMissing' ? 'breaching' : 'notBreaching');
    }
  });

  it('a dashboard shows every metric the functions emit', () => {
    const [[, dashboard]] = resources(template, 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of [
      'WebhookAccepted',
      'WebhookRejected',
      'EventsApplied',
      'EventsSkipped',
      'EventsFailed',
      'ParentsFetched',
      'ReconcileLagSeconds',
      'ReconcileEventsEnqueued',
      'ReconcileRetries',
      'BackfillApplied',
      'BackfillTombstoned',
      'CallbackFailed',
      'RefreshOutcome',
    ]) {
      expect(body).toContain(metric);
    }
  });
});
