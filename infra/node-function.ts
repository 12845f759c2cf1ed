import path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import {
  Architecture,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsLogLevel,
  ParamsAndSecretsVersions,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: esbuild's project root and the base of every entry path. */
export const repoRoot = path.resolve(import.meta.dirname, '..');

/**
 * ESM bundles still meet dependencies that call `require` (CommonJS inside ESM); this gives them one.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * The esbuild settings of every house function. Exported so the benchmark builds byte-identical
 * bundles with esbuild's API (bench/bundles.ts) instead of a copy that could drift.
 */
export const bundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // The nodejs22.x runtime ships AWS SDK v3: keeping it out makes bundles small and fast to load.
  externalModules: ['@aws-sdk/*'],
  logLevel: LogLevel.WARNING,
} satisfies BundlingOptions;

/** How long the secrets extension keeps a secret: rotated values reach running functions within it. */
export const SECRETS_CACHE_TTL = Duration.seconds(300);

/**
 * The AWS Parameters and Secrets Lambda Extension: a layer serving Secrets Manager values on
 * localhost:2773 from a cache, read by resolveSecrets (packages/config/src/secrets.ts) over plain
 * HTTP so no function loads the Secrets Manager SDK client. CDK picks the layer ARN for the
 * function's architecture (arm64) and region, through a template mapping when the region is only
 * known at deploy time. It grants nothing itself: the function still needs
 * secretsmanager:GetSecretValue on each secret (grantRead).
 */
export function secretsExtension() {
  return ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, {
    cacheEnabled: true,
    // Two secrets at most per function; the value only bounds the cache's memory.
    cacheSize: 10,
    secretsManagerTtl: SECRETS_CACHE_TTL,
    // A cache miss at cold start asks Secrets Manager; fail well inside the 10 s init limit.
    secretsManagerTimeout: Duration.seconds(5),
    logLevel: ParamsAndSecretsLogLevel.WARN,
  });
}

/** A function whose environment names a secret ARN (WORKOS_SECRET_ARN, DATABASE_SECRET_ARN...) reads secrets. */
export const readsSecrets = (environment: Record<string, string> = {}) =>
  Object.keys(environment).some((name) => name.endsWith('_SECRET_ARN'));

export type AppFunctionProps = {
  /** Entry file relative to the repository root, e.g. `functions/auth/handler.ts` (exports `handler`). */
  entry: string;
  description: string;
  timeout: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Omit to run outside the VPC (the webhook: no database, fewer moving parts). */
  vpc?: IVpc;
  securityGroups?: ISecurityGroup[];
  /** Reserved concurrency (caps the instances, and so the database connections). */
  reservedConcurrentExecutions?: number;
  /** Shell commands run after esbuild, given the bundle's input and output folders. */
  afterBundling?: (inputDir: string, outputDir: string) => string[];
};

/**
 * The house Lambda: nodejs22.x on arm64, ESM bundle (minified, source maps, AWS SDK from the runtime),
 * X-Ray tracing, its own log group with a retention, private subnets when given a VPC, and the
 * secrets extension layer whenever its environment names a `*_SECRET_ARN`.
 */
export class AppFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const afterBundling = props.afterBundling;
    super(scope, id, {
      entry: path.join(repoRoot, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      logGroup,
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      ...(readsSecrets(props.environment) ? { paramsAndSecrets: secretsExtension() } : {}),
      ...(props.vpc
        ? {
            vpc: props.vpc,
            vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
            securityGroups: props.securityGroups,
          }
        : {}),
      bundling: {
        ...bundlingOptions,
        ...(afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling,
              },
            }
          : {}),
      },
    });
  }
}
