import * as z from 'zod';

/**
 * Everything that differs between deployments. Values come from CDK context: a flat key given on the
 * command line (`-c alarmEmail=ops@example.com`) wins over the stage's block in cdk.json
 * (`context.stages.<stage>`), which wins over the defaults below (production defaults for a
 * production stage). docs/deploy.md documents every key.
 */
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );
const origin = z
  .string()
  .regex(/^https?:\/\/[a-z0-9.-]+(:\d+)?$/i, 'must be an origin like https://app.example.com (no path)');
const hostname = z
  .string()
  .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/i, 'must be a DNS name like auth.example.com')
  .transform((s) => s.toLowerCase());
const optionalString = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

/** The CloudWatch Logs retention periods (days) the service accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653];

export const settingsSchema = z
  .object({
    /** Deployment name: part of the stack name and of every resource name. */
    stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be lowercase letters, digits or dashes'),
    /** Production posture: deletion protection, snapshots on delete, Multi-AZ, two NAT gateways. */
    production: bool,
    /** WorkOS client id (`client_...`): not a secret, so it is plain configuration. */
    workosClientId: z.string().regex(/^client_[A-Za-z0-9]+$/, 'must look like client_...'),
    /** Origins of the front end: CORS (with credentials) and the allowed returnTo origins. */
    appOrigins: list(origin),
    /** `Domain` of the session cookie (e.g. `.example.com`); empty means host-only. */
    cookieDomain: optionalString(z.string().regex(/^\.?([a-z0-9-]+\.)+[a-z]{2,}$/i)),
    /** Email subscribed to the alarm topic (confirm the subscription mail). */
    alarmEmail: optionalString(z.email()),
    /** Custom domain for the API, e.g. `auth.example.com` (needs certificateArn). */
    apiDomainName: optionalString(hostname),
    /** Subdomain tenancy base, e.g. `app.example.com`: adds the `*.app.example.com` custom domain. */
    tenantBaseDomain: optionalString(hostname),
    /** ACM certificate (same region as the stack) covering apiDomainName and `*.tenantBaseDomain`. */
    certificateArn: optionalString(
      z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/),
    ),
    /** RDS instance class without the `db.` prefix, e.g. `t4g.micro`, `m7g.large`. */
    /**
     * CloudFront + AWS WAF in front of the API (infra/edge.ts): managed rules and per-IP rate limits.
     * The web ACL must be in us-east-1: deploy there, or give edgeWebAclArn.
     */
    edge: bool,
    /** Per client IP, requests to /auth/* per 5 minutes before WAF blocks it. */
    edgeAuthRateLimit: int(10, 2_000_000_000),
    /** Per client IP, requests to /webhooks/* per 5 minutes (WorkOS delivers from a few IPs). */
    edgeWebhookRateLimit: int(10, 2_000_000_000),
    /** A CLOUDFRONT-scope WAF web ACL made in us-east-1, for stacks deployed elsewhere. */
    edgeWebAclArn: optionalString(
      z.string().regex(/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/),
    ),
    /** ACM certificate in us-east-1 for the custom domains on CloudFront. Default certificateArn. */
    edgeCertificateArn: optionalString(
      z.string().regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/.+$/),
    ),
    dbInstanceClass: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'must look like t4g.micro'),
    dbMultiAz: bool,
    dbAllocatedStorageGiB: int(20, 65536),
    dbMaxAllocatedStorageGiB: int(20, 65536),
    dbBackupRetentionDays: int(1, 35),
    /** Alarm when connections exceed this (size it below the class's max_connections). */
    dbConnectionsAlarmThreshold: int(1, 10000),
    deletionProtection: bool,
    /** What happens to the database, secrets and logs when the stack is deleted. */
    removalPolicy: z.enum(['destroy', 'snapshot', 'retain']),
    /** NAT gateways: 1 is cheaper, 2 survives an AZ outage. 0 is not an option (WorkOS is on the internet). */
    natGateways: int(1, 2),
    logRetentionDays: z.coerce
      .number()
      .refine((d) => LOG_RETENTION_DAYS.includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    /** HTTP API stage throttling (requests per second, steady and burst). */
    apiRateLimit: int(1, 10000),
    apiBurstLimit: int(1, 5000),
    /** Sender of notification emails (an address of sesIdentity); unset: no email, in-app only. */
    notificationsFrom: optionalString(z.email()),
    /** SES identity to verify and send from: a domain (`example.com`) or an address; default notificationsFrom. */
    sesIdentity: optionalString(z.union([z.email(), hostname])),
    /** Each /auth/* route's own throttle (a sign-in flood cannot starve the rest of the API). */
    authRateLimit: int(1, 10000),
    authBurstLimit: int(1, 5000),
    /** POST /webhooks/workos's own throttle (WorkOS retries a 429 later). */
    webhookRateLimit: int(1, 10000),
    webhookBurstLimit: int(1, 5000),
    /** Upper bound on concurrent sync-worker instances (SQS event source maximum concurrency). */
    workerMaxConcurrency: int(2, 1000),
    /**
     * Reserved concurrency of the HTTP functions that use the database: each instance holds one
     * connection, so these caps (with the worker's) are the connection budget (infra/connections.ts).
     */
    authConcurrency: int(1, 1000),
    meConcurrency: int(1, 1000),
    organizationsConcurrency: int(1, 1000),
    /** Functions reach PostgreSQL through RDS Proxy (TLS required, IAM authentication). */
    dbProxy: bool,
    /** Share of the instance's max_connections the proxy may open (the rest stays for ops). */
    dbProxyMaxConnectionsPercent: int(10, 100),
  })
  .superRefine((s, ctx) => {
    if ((s.apiDomainName || s.tenantBaseDomain) && !s.certificateArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['certificateArn'],
        message: 'is required with apiDomainName or tenantBaseDomain',
      });
    }
    // Tenancy: the browser signs in on <slug>.<base> and WorkOS returns it to the API domain, so the
    // session and PKCE cookies must be set for a parent domain of both.
    if (s.tenantBaseDomain && !s.apiDomainName) {
      ctx.addIssue({ code: 'custom', path: ['apiDomainName'], message: 'is required with tenantBaseDomain' });
    }
    if (s.tenantBaseDomain && !s.cookieDomain) {
      ctx.addIssue({ code: 'custom', path: ['cookieDomain'], message: 'is required with tenantBaseDomain' });
    }
    for (const key of ['apiDomainName', 'tenantBaseDomain'] as const) {
      const host = s[key];
      if (host && s.cookieDomain && !isWithin(host, s.cookieDomain)) {
        ctx.addIssue({
          code: 'custom',
          path: ['cookieDomain'],
          message: `must be a parent domain of ${key}`,
        });
      }
    }
    if (s.notificationsFrom && s.sesIdentity && !s.sesIdentity.includes('@')) {
      const domain = s.notificationsFrom.split('@')[1]?.toLowerCase() ?? '';
      if (!isWithin(domain, s.sesIdentity)) {
        ctx.addIssue({
          code: 'custom',
          path: ['notificationsFrom'],
          message: 'must be an address of sesIdentity',
        });
      }
    } else if (s.notificationsFrom && s.sesIdentity && s.sesIdentity !== s.notificationsFrom) {
      ctx.addIssue({
        code: 'custom',
        path: ['notificationsFrom'],
        message: 'must be the sesIdentity address',
      });
    }
    if (s.dbMaxAllocatedStorageGiB < s.dbAllocatedStorageGiB) {
      ctx.addIssue({
        code: 'custom',
        path: ['dbMaxAllocatedStorageGiB'],
        message: 'must be at least dbAllocatedStorageGiB',
      });
    }
    // A production stage must be usable and heard from the first deploy on.
    if (s.production && s.workosClientId === PLACEHOLDER_CLIENT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['workosClientId'],
        message: 'is required in production: deploy with -c workosClientId=client_... (WorkOS dashboard)',
      });
    }
    if (s.production && !s.alarmEmail) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarmEmail'],
        message: 'is required in production: alarms need a subscriber (-c alarmEmail=oncall@example.com)',
      });
    }
    if (s.production && s.appOrigins.some((o) => o.startsWith('http://'))) {
      ctx.addIssue({ code: 'custom', path: ['appOrigins'], message: 'must be https:// in production' });
    }
  });

export type Settings = z.output<typeof settingsSchema>;

/** `a.app.example.com` is within `.example.com` (and `example.com`). */
function isWithin(host: string, cookieDomain: string): boolean {
  const parent = cookieDomain.replace(/^\./, '').toLowerCase();
  return host === parent || host.endsWith(`.${parent}`);
}

/** A client id that lets `cdk synth` run before WorkOS is set up; deploys warn about it. */
export const PLACEHOLDER_CLIENT_ID = 'client_UNSET';

const common = {
  workosClientId: PLACEHOLDER_CLIENT_ID,
  appOrigins: [] as string[],
  dbAllocatedStorageGiB: 20,
  dbMaxAllocatedStorageGiB: 100,
  logLevel: 'INFO',
  workerMaxConcurrency: 5,
  edgeAuthRateLimit: 300,
  edgeWebhookRateLimit: 3000,
  dbProxyMaxConnectionsPercent: 90,
};

export const defaults = {
  development: {
    ...common,
    production: false,
    edge: false,
    dbInstanceClass: 't4g.micro',
    dbMultiAz: false,
    dbBackupRetentionDays: 3,
    dbConnectionsAlarmThreshold: 60,
    deletionProtection: false,
    removalPolicy: 'destroy',
    natGateways: 1,
    logRetentionDays: 30,
    apiRateLimit: 50,
    apiBurstLimit: 100,
    authRateLimit: 10,
    authBurstLimit: 20,
    webhookRateLimit: 20,
    webhookBurstLimit: 40,
    authConcurrency: 10,
    meConcurrency: 20,
    organizationsConcurrency: 10,
    dbProxy: false,
  },
  production: {
    ...common,
    production: true,
    edge: true,
    dbInstanceClass: 't4g.medium',
    dbMultiAz: true,
    dbBackupRetentionDays: 14,
    dbConnectionsAlarmThreshold: 300,
    deletionProtection: true,
    removalPolicy: 'snapshot',
    natGateways: 2,
    logRetentionDays: 90,
    apiRateLimit: 500,
    apiBurstLimit: 1000,
    authRateLimit: 50,
    authBurstLimit: 100,
    webhookRateLimit: 100,
    webhookBurstLimit: 200,
    authConcurrency: 50,
    meConcurrency: 150,
    organizationsConcurrency: 50,
    dbProxy: true,
  },
} as const;

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly keys: string[],
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

type ContextReader = { tryGetContext(key: string): unknown };

/** Reads and validates the stage settings; a bad key fails synth with its name and rule. */
export function loadSettings(context: ContextReader): Settings {
  const stage = String(context.tryGetContext('stage') ?? 'dev');
  const stages = (context.tryGetContext('stages') ?? {}) as Record<string, Record<string, unknown>>;
  const fromStage = stages[stage] ?? {};
  const productionHint = context.tryGetContext('production') ?? fromStage.production ?? stage === 'prod';
  const isProduction = productionHint === true || productionHint === 'true';
  const base: Record<string, unknown> = { ...(isProduction ? defaults.production : defaults.development) };
  const input: Record<string, unknown> = { ...base, ...fromStage, stage };
  for (const key of Object.keys(settingsSchema.shape)) {
    const flat = context.tryGetContext(key);
    if (flat !== undefined && key !== 'stage') input[key] = flat;
  }
  const result = settingsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${String(i.path[0] ?? '?')} ${i.message}`);
  throw new SettingsError(
    `Invalid deployment settings for stage "${stage}": ${problems.join('; ')}`,
    result.error.issues.map((i) => String(i.path[0] ?? '?')),
  );
}
