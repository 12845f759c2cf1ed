import { SESv2Client } from '@aws-sdk/client-sesv2';

/**
 * The one way this project builds an SES v2 client. With SES_ENDPOINT (the local SES) the client
 * talks to it with dummy credentials; in AWS it uses the function's role. No SDK retries: the
 * notifications queue retries with backoff, so a throttled send never holds the invocation.
 */
export function createSes(settings: { SES_ENDPOINT?: string | undefined }): SESv2Client {
  if (!settings.SES_ENDPOINT) return new SESv2Client({ maxAttempts: 1 });
  return new SESv2Client({
    endpoint: settings.SES_ENDPOINT,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}
