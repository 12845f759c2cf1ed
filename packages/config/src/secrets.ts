/**
 * In AWS, secrets never sit in plain environment variables: a function gets the ARN of each Secrets
 * Manager secret it needs and this fills the variables from them once per cold start.
 *
 * - `<NAME>_SECRET_ARN` (see secretArnVariables): a JSON secret whose key `<NAME>` holds the value,
 *   e.g. WORKOS_API_KEY_SECRET_ARN -> `{"WORKOS_API_KEY": "sk_..."}`. One secret per value, so a
 *   function can be granted exactly the values it uses.
 * - DATABASE_SECRET_ARN: the RDS-generated secret (host, port, username, password, dbname);
 *   becomes DATABASE_URL with TLS verified (verify-full: the RDS CA bundle the Lambda runtime
 *   ships, loaded through NODE_EXTRA_CA_CERTS, and the host name).
 *
 * Variables already set win, so local runs and tests need no AWS at all.
 *
 * The values come from the AWS Parameters and Secrets Lambda Extension (a layer every
 * secret-reading function carries, see infra/node-function.ts), a local HTTP cache in front of
 * Secrets Manager. Asking it over plain HTTP keeps the AWS SDK out of the cold start: loading
 * @aws-sdk/client-secrets-manager alone cost about 90 ms of every function's import.
 */
export async function resolveSecrets(
  env: Record<string, string | undefined> = process.env,
  fetchSecret: (arn: string) => Promise<unknown> = extensionSecretFetcher(env),
): Promise<void> {
  const read = (variable: SecretArnVariable, arn: string) =>
    fetchSecret(arn).then(
      (value) => asRecord(value, variable),
      (error: unknown) => {
        if (error instanceof SecretsError) throw error.naming(variable);
        throw new SecretsError('SECRET_UNAVAILABLE', `${variable}: ${describe(error)}`, { cause: error });
      },
    );
  const tasks: Promise<void>[] = [];
  for (const [name, arnVariable] of Object.entries(secretArnVariables) as [
    SecretValueName,
    SecretArnVariable,
  ][]) {
    const arn = env[arnVariable];
    if (!arn || env[name]) continue;
    tasks.push(
      read(arnVariable, arn).then((secret) => {
        const item = secret[name];
        if (typeof item !== 'string') {
          throw new SecretsError('SECRET_NOT_JSON', `${arnVariable}: the secret has no string key ${name}`);
        }
        env[name] = item;
      }),
    );
  }
  if (env.DATABASE_SECRET_ARN && !env.DATABASE_URL) {
    tasks.push(
      read('DATABASE_SECRET_ARN', env.DATABASE_SECRET_ARN).then((s) => {
        const user = encodeURIComponent(String(s.username ?? ''));
        const password = encodeURIComponent(String(s.password ?? ''));
        const dbname = encodeURIComponent(String(s.dbname ?? 'postgres'));
        env.DATABASE_URL = `postgres://${user}:${password}@${s.host}:${s.port ?? 5432}/${dbname}?sslmode=verify-full`;
      }),
    );
  }
  if (env.APP_DATABASE_SECRET_ARN && !env.APP_DATABASE_PASSWORD) {
    // The migrate function only: it creates the functions' role with this password.
    tasks.push(
      read('APP_DATABASE_SECRET_ARN', env.APP_DATABASE_SECRET_ARN).then((s) => {
        env.APP_DATABASE_USER = String(s.username ?? '');
        env.APP_DATABASE_PASSWORD = String(s.password ?? '');
      }),
    );
  }
  await Promise.all(tasks);
}

/**
 * Each secret value a function may need, with the variable that carries its secret's ARN in AWS.
 * infra/functions.ts sets (and grants) exactly the ones a function's env schema names.
 */
export const secretArnVariables = {
  WORKOS_API_KEY: 'WORKOS_API_KEY_SECRET_ARN',
  WORKOS_WEBHOOK_SECRET: 'WORKOS_WEBHOOK_SECRET_ARN',
  SESSION_SECRET: 'SESSION_SECRET_ARN',
} as const;

export type SecretValueName = keyof typeof secretArnVariables;

/**
 * What the secrets ops fill in hold until they do (docs/first-deploy.md). A function whose secret
 * still holds it is "not configured": it refuses to act (notConfiguredSecrets) instead of trusting a
 * value anyone can read in this repository.
 */
export const SECRET_PLACEHOLDER = 'NOT_CONFIGURED';

/** The secret values in `config` that still hold the placeholder, in a stable order. */
export function notConfiguredSecrets(config: Record<string, unknown>): SecretValueName[] {
  return (Object.keys(secretArnVariables) as SecretValueName[]).filter(
    (name) => config[name] === SECRET_PLACEHOLDER,
  );
}

type SecretArnVariable =
  | (typeof secretArnVariables)[SecretValueName]
  | 'DATABASE_SECRET_ARN'
  | 'APP_DATABASE_SECRET_ARN';

export type SecretsErrorCode =
  /** The extension could not be reached, refused the request or answered an error. */
  | 'SECRET_UNAVAILABLE'
  /** The secret was read but is not a JSON object (SecretString missing or not JSON). */
  | 'SECRET_NOT_JSON'
  /** AWS_SESSION_TOKEN is missing: the extension authenticates every request with it. */
  | 'SECRET_NO_TOKEN';

/**
 * A secret could not be read. The message names the variable holding the ARN and what went wrong,
 * never a secret value (an error body of the extension is kept only when the request failed).
 */
export class SecretsError extends Error {
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretsError';
  }

  /** The same error with the ARN's variable in front, as resolveSecrets reports it. */
  naming(variable: SecretArnVariable): SecretsError {
    return new SecretsError(this.code, `${variable}: ${this.message}`, { cause: this.cause });
  }
}

export type ExtensionOptions = {
  /** Overall time allowed for retries while the extension is still starting. */
  readyWithinMs?: number;
  /** Limit on one request (a cache miss makes the extension call Secrets Manager). */
  requestTimeoutMs?: number;
};

const DEFAULT_PORT = 2773;
const NOT_READY = /not ready/i;

/**
 * Reads a secret from the Parameters and Secrets Lambda Extension:
 * GET http://localhost:<port>/secretsmanager/get?secretId=<arn>, authenticated by the function's
 * own session token, answering the GetSecretValue response as JSON. The port comes from
 * PARAMETERS_SECRETS_EXTENSION_HTTP_PORT (the layer's setting) or defaults to 2773.
 *
 * The extension starts alongside the function's init, so the first request can find nothing
 * listening yet or get 400 "not ready to serve traffic"; both are retried with a short backoff.
 */
export function extensionSecretFetcher(
  env: Record<string, string | undefined> = process.env,
  options: ExtensionOptions = {},
): (arn: string) => Promise<unknown> {
  const readyWithinMs = options.readyWithinMs ?? 3000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  return async (arn) => {
    const token = env.AWS_SESSION_TOKEN;
    if (!token) throw new SecretsError('SECRET_NO_TOKEN', 'AWS_SESSION_TOKEN is not set');
    const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT || String(DEFAULT_PORT);
    const url = `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(arn)}`;
    const deadline = Date.now() + readyWithinMs;
    for (let attempt = 0; ; attempt++) {
      const retryable = await requestOnce(url, token, requestTimeoutMs);
      if (!('retry' in retryable)) return parseSecretString(retryable.body);
      const pause = Math.min(10 * 2 ** attempt, 200);
      if (Date.now() + pause > deadline) {
        throw new SecretsError(
          'SECRET_UNAVAILABLE',
          `the Parameters and Secrets extension on port ${port} was not ready within ${readyWithinMs} ms (${retryable.retry})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
}

/** One GET: the response body on 200, `retry` while the extension is starting, an error otherwise. */
async function requestOnce(
  url: string,
  token: string,
  timeoutMs: number,
): Promise<{ body: string } | { retry: string }> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { 'X-Aws-Parameters-Secrets-Token': token },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const code = connectionErrorCode(error);
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return { retry: code };
    throw new SecretsError('SECRET_UNAVAILABLE', `the extension request failed: ${describe(error)}`, {
      cause: error,
    });
  }
  const body = await response.text();
  if (response.ok) return { body };
  if (response.status === 400 && NOT_READY.test(body)) return { retry: 'not ready' };
  // Error bodies carry the extension's or Secrets Manager's message (never a secret value).
  throw new SecretsError(
    'SECRET_UNAVAILABLE',
    `the extension answered ${response.status}: ${body.slice(0, 300).trim()}`,
  );
}

function parseSecretString(body: string): unknown {
  let secretString: unknown;
  try {
    secretString = (JSON.parse(body) as { SecretString?: unknown }).SecretString;
  } catch {
    throw new SecretsError('SECRET_NOT_JSON', 'the extension answered something other than JSON');
  }
  if (typeof secretString !== 'string') {
    throw new SecretsError(
      'SECRET_NOT_JSON',
      'the secret has no SecretString (binary secrets are not supported)',
    );
  }
  try {
    return JSON.parse(secretString);
  } catch {
    // The value itself stays out of the message: it is the secret.
    throw new SecretsError('SECRET_NOT_JSON', 'the SecretString is not JSON');
  }
}

function asRecord(value: unknown, variable: SecretArnVariable): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new SecretsError('SECRET_NOT_JSON', `${variable} does not point at a JSON secret`);
}

/** `fetch failed` hides the socket error in `cause` (undici). */
function connectionErrorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  // Happy eyeballs (localhost as ::1 then 127.0.0.1) reports an AggregateError of both attempts.
  const errors = (cause as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors)) {
    const codes = errors.map((e) => (e as { code?: unknown }).code);
    if (codes.length > 0 && codes.every((c) => c === 'ECONNREFUSED')) return 'ECONNREFUSED';
  }
  return undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
