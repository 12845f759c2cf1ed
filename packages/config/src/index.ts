import * as z from 'zod';

const csv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ })));

const booleanString = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Every environment variable the project reads, with its rules. Functions pick the ones they need
 * with `loadConfig`, so a function never fails for a variable it does not use.
 */
export const schemas = {
  WORKOS_API_KEY: z.string().min(1),
  WORKOS_CLIENT_ID: z.string().min(1),
  WORKOS_WEBHOOK_SECRET: z.string().min(1),
  WORKOS_REDIRECT_URI: z.url({ protocol: /^https?$/ }),
  /** Host of the WorkOS API (default api.workos.com); point it at the emulator locally. */
  WORKOS_API_HOSTNAME: z.string().min(1).optional(),
  WORKOS_API_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WORKOS_API_HTTPS: booleanString.optional(),
  /** Cookie Domain attribute (e.g. `.example.com` so subdomains share the session). Empty: host-only. */
  COOKIE_DOMAIN: z.string().optional(),
  /** The sealed-session cookie password. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  QUEUE_URL: z.url(),
  /** Endpoint of a local SQS (e.g. the emulator); unset in AWS. */
  SQS_ENDPOINT: z.url().optional(),
  /** Origins that returnTo may point at besides relative paths, comma separated. */
  ALLOWED_REDIRECT_ORIGINS: csv.default([]),
  LOG_LEVEL: z
    .enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'debug', 'info', 'warn', 'error', 'silent'])
    .default('INFO')
    .transform((v) => v.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'),
  /** `local` drops Secure cookies and HSTS for http://localhost; anything deployed is `aws`. */
  APP_ENV: z.enum(['local', 'aws']).default('aws'),
  /** Base domain for subdomain tenancy (`<slug>.<base>`); unset disables it. */
  TENANT_BASE_DOMAIN: z.string().min(1).optional(),
  /** Reconcile's first run (no stored cursor): how many hours of WorkOS events to read. */
  RECONCILE_LOOKBACK_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(72),
  /** The notifications queue (outbox ids for the notifier); unset: rows wait for the sweep. */
  NOTIFICATIONS_QUEUE_URL: z.url().optional(),
  /** Sender of notification emails: an address of the stage's verified SES identity. */
  NOTIFICATIONS_FROM: z.email(),
  /** Endpoint of a local SES v2 (aws-ses-v2-local); unset in AWS. */
  SES_ENDPOINT: z.url().optional(),
  /** In AWS: Secrets Manager secret (JSON) holding WORKOS_API_KEY, WORKOS_WEBHOOK_SECRET, SESSION_SECRET. */
  WORKOS_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /** In AWS: the RDS-generated secret; DATABASE_URL is built from it (TLS required). */
  DATABASE_SECRET_ARN: z.string().startsWith('arn:').optional(),
} as const;

export type Schemas = typeof schemas;
export type ConfigShape = Partial<{ [K in keyof Schemas]: Schemas[K] }> & Record<string, z.ZodType>;

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The names of the variables that failed, in order. */
    readonly variables: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the named variables once (call at module scope: once per cold start). A missing or bad
 * variable fails with its name and the rule it broke, never with its value.
 */
export function loadConfig<S extends Record<string, z.ZodType>>(
  shape: S,
  source: Record<string, string | undefined> = process.env,
): z.output<z.ZodObject<S>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const value = source[key];
    // An empty variable is treated as unset, so `FOO=` behaves like a missing FOO.
    input[key] = value === '' ? undefined : value;
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const missing = input[name] === undefined;
    return { name, text: missing ? `${name} is required` : `${name} is invalid: ${issue.message}` };
  });
  const variables = [...new Set(problems.map((p) => p.name))];
  throw new ConfigError(`Invalid environment: ${problems.map((p) => p.text).join('; ')}`, variables);
}
