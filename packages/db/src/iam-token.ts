import { createHash, createHmac } from 'node:crypto';
import { credentialsFromEnv } from '@app/config/aws-credentials';
import { SignatureV4 } from '@smithy/signature-v4';

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
 * sent as the password. Signed here with the Smithy signer (bundled) rather than @aws-sdk/rds-signer,
 * which the bundles would leave to the Lambda runtime (every `@aws-sdk/*` is external) without the
 * runtime documenting that it ships it.
 */
export async function iamAuthToken(request: IamTokenRequest): Promise<string> {
  const credentials = request.credentials ?? credentialsFromEnv('IAM database authentication');
  const signer = new SignatureV4({
    service: 'rds-db',
    region: request.region,
    credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const host = `${request.hostname}:${request.port}`;
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: request.hostname,
      port: request.port,
      path: '/',
      query: { Action: 'connect', DBUser: request.username },
      headers: { host },
    },
    { expiresIn: 900, ...(request.now ? { signingDate: new Date(request.now) } : {}) },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return `${host}/?${query}`;
}

/** SHA-256 (or HMAC-SHA-256 when given a secret) in the shape the Smithy signer expects. */
export class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key =
      secret === undefined
        ? undefined
        : typeof secret === 'string'
          ? secret
          : ArrayBuffer.isView(secret)
            ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
            : Buffer.from(secret);
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(
      typeof data === 'string'
        ? data
        : ArrayBuffer.isView(data)
          ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
          : Buffer.from(data),
    );
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset() {}
}
