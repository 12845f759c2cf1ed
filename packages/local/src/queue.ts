import { createSqs, type Sqs } from '@app/config/sqs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

export type QueueOptions = {
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
};

export type LocalQueue = {
  /** SQS endpoint to give the SDK (SQS_ENDPOINT). */
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
  /** What the functions send with (createSqs). */
  sender: Sqs;
  /** The AWS SDK client, for what only the local stand-ins do: receive, delete, purge, inspect. */
  sqs: SQSClient;
  /** Another queue (and its `<name>-dlq`) on the same endpoint, so one SQS client reaches both. */
  addQueue: (name: string, options?: QueueOptions) => { queueUrl: string; dlqUrl: string };
  stop: () => Promise<void>;
};

/**
 * The AWS SDK client of the local stack: the queue poller (the local stand-in for Lambda's event
 * source mapping) receives and deletes with it; the functions themselves send with createSqs. With an
 * endpoint it talks to the local SQS with dummy credentials; without, to AWS with the default ones.
 */
export function localSqsClient(endpoint?: string): SQSClient {
  if (!endpoint) return new SQSClient({ maxAttempts: 2 });
  return new SQSClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}

/**
 * A local SQS (fauxqs, over real HTTP) with the same queue shape as the CDK app: a standard queue
 * whose messages move to a dead-letter queue after `maxReceiveCount` receives.
 */
export async function startLocalQueue(
  options: QueueOptions & {
    port?: number;
    /** Queue name (default `sync-queue`, whose dead-letter queue is `sync-dlq`); else `<name>-dlq`. */
    name?: string;
  } = {},
): Promise<LocalQueue> {
  // No `host`: with one, fauxqs builds `http://sqs.<region>.<host>:<port>/...` queue URLs, and
  // `sqs.us-east-1.127.0.0.1` is not a valid URL host (its last label is numeric), so QUEUE_URL fails
  // config validation. Without it the URL is `http://127.0.0.1:<port>/000000000000/<name>`.
  const server = await startFauxqs({ port: options.port ?? 0, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const addQueue = (name: string, queueOptions: QueueOptions = {}) => {
    const dlq = server.createQueue(name === 'sync-queue' ? 'sync-dlq' : `${name}-dlq`, {
      attributes: { MessageRetentionPeriod: '1209600' },
    });
    const queue = server.createQueue(name, {
      attributes: {
        VisibilityTimeout: String(queueOptions.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.queueArn,
          maxReceiveCount: queueOptions.maxReceiveCount ?? 5,
        }),
      },
    });
    return { queueUrl: queue.queueUrl, dlqUrl: dlq.queueUrl };
  };
  const { queueUrl, dlqUrl } = addQueue(options.name ?? 'sync-queue', options);
  const sqs = localSqsClient(endpoint);
  return {
    endpoint,
    queueUrl,
    dlqUrl,
    sender: createSqs({ SQS_ENDPOINT: endpoint }),
    sqs,
    addQueue,
    stop: async () => {
      sqs.destroy();
      await server.stop();
    },
  };
}
