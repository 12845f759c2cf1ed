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
 * The sync queue (webhook and reconcile send, the worker consumes) and its dead-letter queue.
 * Standard, not FIFO: WorkOS delivers out of order and twice anyway, so order and exactly-once come
 * from the database (inbox + order guard), not from the queue.
 */
export class SyncQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: SyncQueueProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Events', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // WorkOS retries webhooks for ~3 days; reconcile covers the rest. Four days keeps a long outage.
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(
        props.workerTimeout.toSeconds() * 6 + props.maxBatchingWindow.toSeconds(),
      ),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
  }
}
