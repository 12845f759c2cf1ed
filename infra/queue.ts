import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** How often a message is tried before it moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

export type SyncQueueProps = {
  /** The sync worker's timeout: the visibility timeout is derived from it. */
  workerTimeout: Duration;
  /** The event source's batching window, added on top (AWS guidance: 6x timeout + window). */
  maxBatchingWindow: Duration;
};

/**
 * A work queue (`<scope>/<id>`) and its dead-letter queue (`<scope>/DeadLetters`): SQS-managed
 * encryption, TLS only, four days to work a backlog off, fourteen to inspect what failed, and a
 * message moved aside after MAX_RECEIVE_COUNT tries. The visibility timeout is the consumer's to
 * set (AWS guidance: 6x its timeout, plus its batching window).
 */
export function queueWithDeadLetters(scope: Construct, id: string, props: { visibilityTimeout: Duration }) {
  const deadLetters = new Queue(scope, 'DeadLetters', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(4),
    visibilityTimeout: props.visibilityTimeout,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
  });
  return { queue, deadLetters };
}

/**
 * The sync queue (webhook and reconcile send, the worker consumes) and its dead-letter queue.
 * Standard, not FIFO: WorkOS delivers out of order and twice anyway, so order and exactly-once come
 * from the database (inbox + order guard), not from the queue. WorkOS retries webhooks for about
 * three days and reconcile covers the rest: four days of retention keeps a long outage.
 */
export class SyncQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: SyncQueueProps) {
    super(scope, id);
    const { queue, deadLetters } = queueWithDeadLetters(this, 'Events', {
      visibilityTimeout: Duration.seconds(
        props.workerTimeout.toSeconds() * 6 + props.maxBatchingWindow.toSeconds(),
      ),
    });
    this.queue = queue;
    this.deadLetters = deadLetters;
  }
}
