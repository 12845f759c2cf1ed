import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/**
 * In AWS, secrets never sit in plain environment variables: a function gets the ARN of a Secrets
 * Manager secret and this fills the variables from it once per cold start.
 *
 * - WORKOS_SECRET_ARN: a JSON secret holding any of WORKOS_API_KEY, WORKOS_WEBHOOK_SECRET,
 *   SESSION_SECRET (the keys are the variable names).
 * - DATABASE_SECRET_ARN: the RDS-generated secret (host, port, username, password, dbname);
 *   becomes DATABASE_URL with TLS required.
 *
 * Variables already set win, so local runs and tests need no AWS at all.
 */
export async function resolveSecrets(
  env: Record<string, string | undefined> = process.env,
  fetchSecret: (arn: string) => Promise<unknown> = (arn) =>
    getSecret(arn, { transform: 'json', maxAge: 300 }),
): Promise<void> {
  const tasks: Promise<void>[] = [];
  if (env.WORKOS_SECRET_ARN) {
    tasks.push(
      fetchSecret(env.WORKOS_SECRET_ARN).then((value) => {
        const secret = asRecord(value, 'WORKOS_SECRET_ARN');
        for (const key of ['WORKOS_API_KEY', 'WORKOS_WEBHOOK_SECRET', 'SESSION_SECRET'] as const) {
          const item = secret[key];
          if (!env[key] && typeof item === 'string') env[key] = item;
        }
      }),
    );
  }
  if (env.DATABASE_SECRET_ARN && !env.DATABASE_URL) {
    tasks.push(
      fetchSecret(env.DATABASE_SECRET_ARN).then((value) => {
        const s = asRecord(value, 'DATABASE_SECRET_ARN');
        const user = encodeURIComponent(String(s.username ?? ''));
        const password = encodeURIComponent(String(s.password ?? ''));
        const dbname = encodeURIComponent(String(s.dbname ?? 'postgres'));
        env.DATABASE_URL = `postgres://${user}:${password}@${s.host}:${s.port ?? 5432}/${dbname}?sslmode=require`;
      }),
    );
  }
  await Promise.all(tasks);
}

function asRecord(value: unknown, name: string): Record<string, unknown> {
  if (value && typeof value === 'object') return value as Record<string, unknown>;
  throw new Error(`${name} does not point at a JSON secret`);
}
