import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * The one way this project builds an SQS client. With SQS_ENDPOINT (the local emulator) the client
 * talks to it with dummy credentials; in AWS it uses the function's role.
 */
export function createSqs(settings: { SQS_ENDPOINT?: string | undefined }): SQSClient {
  if (!settings.SQS_ENDPOINT) return new SQSClient({});
  return new SQSClient({
    endpoint: settings.SQS_ENDPOINT,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
