import { describe, expect, it } from 'vitest';
import { iamAuthToken } from '../../../packages/db/src/iam-token';

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
    expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs deterministically and differs per user', async () => {
    expect(await iamAuthToken(request)).toBe(await iamAuthToken(request));
    expect(await iamAuthToken({ ...request, username: 'other' })).not.toBe(await iamAuthToken(request));
  });
});
