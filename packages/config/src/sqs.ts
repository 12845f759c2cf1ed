import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Connection and request timeouts and one retry: a black-holed endpoint fails in seconds instead of
 * holding the function until its timeout. Each send also takes the invocation's budget as its abort
 * signal (see budget.ts).
 */
export const SQS_LIMITS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
};

/**
 * The one way this project builds an SQS client. With SQS_ENDPOINT (the local emulator) the client
 * talks to it with dummy credentials; in AWS it uses the function's role.
 */
export function createSqs(settings: { SQS_ENDPOINT?: string | undefined }): SQSClient {
  if (!settings.SQS_ENDPOINT) return new SQSClient(SQS_LIMITS);
  return new SQSClient({
    ...SQS_LIMITS,
    endpoint: settings.SQS_ENDPOINT,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
