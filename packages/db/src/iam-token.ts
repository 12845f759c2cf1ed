import { credentialsFromEnv } from '@app/config/aws-credentials';
import { AwsV4Signer } from 'aws4fetch';

export type IamTokenRequest = {
  hostname: string;
  port: number;
  username: string;
  region: string;
  /** Defaults to the function's role credentials, which Lambda puts in the environment. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
  /** Epoch ms; injectable for tests. */
  now?: number;
};

/**
 * An RDS IAM authentication token: a SigV4-presigned `connect` request for the user, valid 15 minutes,
 * sent as the password. Presigned with aws4fetch, the same small signer the SQS sender uses, rather
 * than @aws-sdk/rds-signer, which the bundles would leave to the Lambda runtime (every `@aws-sdk/*` is
 * external) without the runtime documenting that it ships it.
 */
export async function iamAuthToken(request: IamTokenRequest): Promise<string> {
  const credentials = request.credentials ?? credentialsFromEnv('IAM database authentication');
  const host = `${request.hostname}:${request.port}`;
  const url = new URL(`https://${host}/`);
  url.searchParams.set('Action', 'connect');
  url.searchParams.set('DBUser', request.username);
  url.searchParams.set('X-Amz-Expires', '900');
  const signed = await new AwsV4Signer({
    url: url.toString(),
    method: 'GET',
    service: 'rds-db',
    region: request.region,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    signQuery: true,
    ...(request.now ? { datetime: new Date(request.now).toISOString().replace(/[:-]|\.\d{3}/g, '') } : {}),
  }).sign();
  return `${host}/${signed.url.search}`;
}
