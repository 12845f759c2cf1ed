import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { iamAuthToken } from '../../../packages/db/src/iam-token';
import { Sha256 } from '../../support/sha256';

/** The signature AWS's own signer gives the same presigned connect request at the same instant. */
async function awsSignature(request: Parameters<typeof iamAuthToken>[0]) {
  const signed = await new SignatureV4({
    service: 'rds-db',
    region: request.region,
    credentials: request.credentials!,
    sha256: Sha256,
    applyChecksum: false,
  }).presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: request.hostname,
      port: request.port,
      path: '/',
      query: { Action: 'connect', DBUser: request.username },
      headers: { host: `${request.hostname}:${request.port}` },
    },
    { expiresIn: 900, signingDate: new Date(request.now!) },
  );
  return signed.query?.['X-Amz-Signature'];
}

describe('RDS IAM auth token', () => {
  const request = {
    hostname: 'proxy.proxy-abc.eu-west-1.rds.amazonaws.com',
    port: 5432,
    username: 'workos_auth_app',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session/token' },
    now: Date.UTC(2026, 0, 2, 3, 4, 5),
  };

  it('is a SigV4-presigned rds-db connect request for the user, valid 15 minutes', async () => {
    const token = await iamAuthToken(request);
    expect(token.startsWith(`${request.hostname}:5432/?`)).toBe(true);
    const query = new URLSearchParams(token.slice(token.indexOf('?') + 1));
    expect(Object.fromEntries(query)).toMatchObject({
      Action: 'connect',
      DBUser: 'workos_auth_app',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20260102/eu-west-1/rds-db/aws4_request',
      'X-Amz-Date': '20260102T030405Z',
      'X-Amz-Expires': '900',
      'X-Amz-Security-Token': 'session/token',
      'X-Amz-SignedHeaders': 'host',
    });
    expect(query.get('X-Amz-Signature')).toBe(
      'cb427d6fdc3722a44b8654aea29d984f92ad072db23d84d63c4e975c0dde7454',
    );
    expect(query.get('X-Amz-Signature')).toBe(await awsSignature(request));
  });

  it('without a session token (long-lived keys) signs no X-Amz-Security-Token, as the AWS signer does', async () => {
    const longLived = { ...request, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } };
    const token = await iamAuthToken(longLived);
    const query = new URLSearchParams(token.slice(token.indexOf('?') + 1));
    expect(query.has('X-Amz-Security-Token')).toBe(false);
    expect(query.get('X-Amz-Signature')).toBe(
      'ad6fa8ca978ee5076cfbb65f50978f2402a4c51a64750c07f5565cd2f6a2e721',
    );
    expect(query.get('X-Amz-Signature')).toBe(await awsSignature(longLived));
  });

  it('signs deterministically and differs per user', async () => {
    expect(await iamAuthToken(request)).toBe(await iamAuthToken(request));
    expect(await iamAuthToken({ ...request, username: 'other' })).not.toBe(await iamAuthToken(request));
  });
});
