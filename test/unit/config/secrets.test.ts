import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  extensionSecretFetcher,
  notConfiguredSecrets,
  resolveSecrets,
  SECRET_PLACEHOLDER,
  SecretsError,
} from '@app/config/secrets';
import { afterEach, describe, expect, it } from 'vitest';

const WORKOS_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:workos/dev-AbC123';
const WEBHOOK_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook/dev-DeF456';
const SESSION_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:session/dev-GhI789';
const DATABASE_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234/x+y=z';
const TOKEN = 'session-token-value';

type Seen = { url: string; token: string | undefined };
type Reply = { status: number; body: string };

/**
 * Plays the Parameters and Secrets extension on a free port: answers `reply(request, n)` where n
 * counts requests, and records every request it saw.
 */
async function startExtension(reply: (request: IncomingMessage, n: number) => Reply) {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', token: request.headers['x-aws-parameters-secrets-token'] as string });
    const { status, body } = reply(request, seen.length);
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, seen };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The extension's GetSecretValue response for a JSON secret. */
function secretResponse(arn: string, value: unknown): Reply {
  return {
    status: 200,
    body: JSON.stringify({
      ARN: arn,
      Name: 'n',
      VersionId: 'v1',
      SecretString: JSON.stringify(value),
      VersionStages: ['AWSCURRENT'],
    }),
  };
}

/** One secret per value, keyed by the variable name (infra/secrets.ts). */
const workosSecret = { WORKOS_API_KEY: 'sk_test_key' };
const webhookSecret = { WORKOS_WEBHOOK_SECRET: 'whsec' };
const sessionSecret = { SESSION_SECRET: 's'.repeat(64) };
const databaseSecret = {
  username: 'app user',
  password: 'p@ss/w:rd?#%',
  host: 'db.cluster.eu-west-1.rds.amazonaws.com',
  port: 5432,
  dbname: 'app',
  engine: 'postgres',
};

function secretsByArn(request: IncomingMessage): Reply {
  const id = new URL(request.url ?? '/', 'http://localhost').searchParams.get('secretId');
  if (id === WORKOS_ARN) return secretResponse(WORKOS_ARN, workosSecret);
  if (id === WEBHOOK_ARN) return secretResponse(WEBHOOK_ARN, webhookSecret);
  if (id === SESSION_ARN) return secretResponse(SESSION_ARN, sessionSecret);
  if (id === DATABASE_ARN) return secretResponse(DATABASE_ARN, databaseSecret);
  return { status: 400, body: "ResourceNotFoundException: Secrets Manager can't find the specified secret." };
}

async function failure(promise: Promise<unknown>): Promise<SecretsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
  throw new Error('expected a SecretsError');
}

describe('resolveSecrets through the Parameters and Secrets extension', () => {
  it('fills each secret variable from its own secret, and DATABASE_URL from the RDS secret', async () => {
    const extension = await startExtension(secretsByArn);
    const env: Record<string, string | undefined> = {
      AWS_SESSION_TOKEN: TOKEN,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN,
      WORKOS_WEBHOOK_SECRET_ARN: WEBHOOK_ARN,
      SESSION_SECRET_ARN: SESSION_ARN,
      DATABASE_SECRET_ARN: DATABASE_ARN,
    };
    await resolveSecrets(env);

    expect(env.WORKOS_API_KEY).toBe('sk_test_key');
    expect(env.WORKOS_WEBHOOK_SECRET).toBe('whsec');
    expect(env.SESSION_SECRET).toBe('s'.repeat(64));
    expect(env.DATABASE_URL).toBe(
      'postgres://app%20user:p%40ss%2Fw%3Ard%3F%23%25@db.cluster.eu-west-1.rds.amazonaws.com:5432/app?sslmode=verify-full',
    );
    // The URL parses back to the original credentials.
    const parsed = new URL(env.DATABASE_URL ?? '');
    expect(decodeURIComponent(parsed.username)).toBe('app user');
    expect(decodeURIComponent(parsed.password)).toBe('p@ss/w:rd?#%');
    expect(parsed.searchParams.get('sslmode')).toBe('verify-full');
  });

  it('asks GET /secretsmanager/get with the URL-encoded ARN and the session token header', async () => {
    const extension = await startExtension(secretsByArn);
    await resolveSecrets({
      AWS_SESSION_TOKEN: TOKEN,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      DATABASE_SECRET_ARN: DATABASE_ARN,
    });
    expect(extension.seen).toEqual([
      { url: `/secretsmanager/get?secretId=${encodeURIComponent(DATABASE_ARN)}`, token: TOKEN },
    ]);
    // `+` and `/` must be encoded, or the extension would read a different secret id.
    expect(extension.seen[0]?.url).toContain('db-1234%2Fx%2By%3Dz');
    expect(new URL(extension.seen[0]?.url ?? '', 'http://localhost').searchParams.get('secretId')).toBe(
      DATABASE_ARN,
    );
  });

  it('keeps variables already set and does not fetch a DATABASE_URL it already has', async () => {
    const extension = await startExtension(secretsByArn);
    const env: Record<string, string | undefined> = {
      AWS_SESSION_TOKEN: TOKEN,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN,
      DATABASE_SECRET_ARN: DATABASE_ARN,
      WORKOS_WEBHOOK_SECRET_ARN: WEBHOOK_ARN,
      WORKOS_API_KEY: 'sk_local',
      DATABASE_URL: 'postgres://local/app',
    };
    await resolveSecrets(env);
    expect(env.WORKOS_API_KEY).toBe('sk_local');
    expect(env.WORKOS_WEBHOOK_SECRET).toBe('whsec');
    expect(env.DATABASE_URL).toBe('postgres://local/app');
    expect(extension.seen.map((s) => s.url)).toEqual([
      `/secretsmanager/get?secretId=${encodeURIComponent(WEBHOOK_ARN)}`,
    ]);
  });

  it('reports a secret without its key, naming the variable and the key (never a value)', async () => {
    const extension = await startExtension(() => secretResponse(WEBHOOK_ARN, workosSecret));
    const error = await failure(
      resolveSecrets({
        AWS_SESSION_TOKEN: TOKEN,
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
        WORKOS_WEBHOOK_SECRET_ARN: WEBHOOK_ARN,
      }),
    );
    expect(error.code).toBe('SECRET_NOT_JSON');
    expect(error.message).toBe(
      'WORKOS_WEBHOOK_SECRET_ARN: the secret has no string key WORKOS_WEBHOOK_SECRET',
    );
    expect(error.message).not.toContain('sk_test_key');
  });

  it('does nothing without ARNs (local runs and tests need no extension and no token)', async () => {
    const env: Record<string, string | undefined> = { WORKOS_API_KEY: 'sk_local' };
    await resolveSecrets(env);
    expect(env).toEqual({ WORKOS_API_KEY: 'sk_local' });
  });

  it('retries while the extension answers 400 "not ready" during init', async () => {
    const extension = await startExtension((request, n) =>
      n <= 3 ? { status: 400, body: 'not ready to serve traffic, please wait' } : secretsByArn(request),
    );
    const env: Record<string, string | undefined> = {
      AWS_SESSION_TOKEN: TOKEN,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN,
    };
    await resolveSecrets(env);
    expect(extension.seen).toHaveLength(4);
    expect(env.WORKOS_API_KEY).toBe('sk_test_key');
  });

  it('retries while nothing listens yet, then reads the secret once the extension starts', async () => {
    // Take a free port, close it, and start the extension there a little later.
    const probe = await startExtension(secretsByArn);
    const port = probe.port;
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const env: Record<string, string | undefined> = {
      AWS_SESSION_TOKEN: TOKEN,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
      WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN,
    };
    const pending = resolveSecrets(env);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const late = createServer((request, response) => {
      const { status, body } = secretsByArn(request);
      response.writeHead(status).end(body);
    });
    servers.push(late);
    await new Promise<void>((resolve) => late.listen(port, 'localhost', resolve));
    await pending;
    expect(env.WORKOS_API_KEY).toBe('sk_test_key');
  });

  it('gives up after the ready window with SECRET_UNAVAILABLE naming the variable', async () => {
    const extension = await startExtension(() => ({
      status: 400,
      body: 'not ready to serve traffic, please wait',
    }));
    const fetcher = extensionSecretFetcher(
      { AWS_SESSION_TOKEN: TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port) },
      { readyWithinMs: 150 },
    );
    const error = await failure(resolveSecrets({ WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN }, fetcher));
    expect(error.code).toBe('SECRET_UNAVAILABLE');
    expect(error.message).toMatch(/^WORKOS_API_KEY_SECRET_ARN: .*not ready within 150 ms/);
    expect(extension.seen.length).toBeGreaterThan(1);
  });

  it('fails at once on another error, naming the variable and the status, never a secret value', async () => {
    const extension = await startExtension((request) => {
      const id = new URL(request.url ?? '/', 'http://localhost').searchParams.get('secretId');
      if (id === WORKOS_ARN) return secretResponse(WORKOS_ARN, workosSecret);
      return {
        status: 400,
        body: 'AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue',
      };
    });
    const env: Record<string, string | undefined> = {
      AWS_SESSION_TOKEN: TOKEN,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN,
      DATABASE_SECRET_ARN: DATABASE_ARN,
    };
    const error = await failure(resolveSecrets(env));
    expect(error.code).toBe('SECRET_UNAVAILABLE');
    expect(error.message).toBe(
      'DATABASE_SECRET_ARN: the extension answered 400: AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue',
    );
    expect(extension.seen.filter((s) => s.url.includes('rds'))).toHaveLength(1);
    for (const value of [workosSecret.WORKOS_API_KEY, databaseSecret.password]) {
      expect(error.message).not.toContain(value);
    }
  });

  it('reports a secret that is not JSON without echoing its value', async () => {
    const extension = await startExtension(() => ({
      status: 200,
      body: JSON.stringify({ ARN: WORKOS_ARN, SecretString: 'plain-secret-value' }),
    }));
    const error = await failure(
      resolveSecrets({
        AWS_SESSION_TOKEN: TOKEN,
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
        WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN,
      }),
    );
    expect(error.code).toBe('SECRET_NOT_JSON');
    expect(error.message).toBe('WORKOS_API_KEY_SECRET_ARN: the SecretString is not JSON');
    expect(error.message).not.toContain('plain-secret-value');
    expect(String(error.cause ?? '')).not.toContain('plain-secret-value');
  });

  it('rejects a JSON secret that is not an object, and a binary secret', async () => {
    const extension = await startExtension((_request, n) =>
      n === 1
        ? { status: 200, body: JSON.stringify({ SecretString: '"just a string"' }) }
        : { status: 200, body: JSON.stringify({ SecretBinary: 'AAEC' }) },
    );
    const env = { AWS_SESSION_TOKEN: TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port) };
    const first = await failure(resolveSecrets({ ...env, WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN }));
    expect(first.message).toBe('WORKOS_API_KEY_SECRET_ARN does not point at a JSON secret');
    const second = await failure(resolveSecrets({ ...env, DATABASE_SECRET_ARN: DATABASE_ARN }));
    expect(second.code).toBe('SECRET_NOT_JSON');
    expect(second.message).toMatch(/^DATABASE_SECRET_ARN: the secret has no SecretString/);
  });

  it('needs AWS_SESSION_TOKEN to authenticate to the extension', async () => {
    const error = await failure(resolveSecrets({ WORKOS_API_KEY_SECRET_ARN: WORKOS_ARN }));
    expect(error.code).toBe('SECRET_NO_TOKEN');
    expect(error.message).toBe('WORKOS_API_KEY_SECRET_ARN: AWS_SESSION_TOKEN is not set');
  });

  it('wraps errors of an injected fetcher with the variable name', async () => {
    const error = await failure(
      resolveSecrets({ DATABASE_SECRET_ARN: DATABASE_ARN }, async () => {
        throw new Error('boom');
      }),
    );
    expect(error.code).toBe('SECRET_UNAVAILABLE');
    expect(error.message).toBe('DATABASE_SECRET_ARN: boom');
  });
});

describe('placeholder secrets', () => {
  it('a secret value still holding the placeholder is "not configured"; real values and unused ones are not', () => {
    expect(SECRET_PLACEHOLDER).toBe('NOT_CONFIGURED');
    expect(
      notConfiguredSecrets({
        WORKOS_API_KEY: SECRET_PLACEHOLDER,
        WORKOS_WEBHOOK_SECRET: 'whsec_real',
        DATABASE_URL: SECRET_PLACEHOLDER,
      }),
    ).toEqual(['WORKOS_API_KEY']);
    expect(
      notConfiguredSecrets({ WORKOS_WEBHOOK_SECRET: SECRET_PLACEHOLDER, SESSION_SECRET: SECRET_PLACEHOLDER }),
    ).toEqual(['WORKOS_WEBHOOK_SECRET', 'SESSION_SECRET']);
    expect(notConfiguredSecrets({ WORKOS_API_KEY: 'sk_live_x' })).toEqual([]);
  });
});
