import path from 'node:path';
import { CfnRule, Duration, Fn, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
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
import { Fact, FactName, RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';

/** The repository root: esbuild's project root and the base of every entry path. */
export const repoRoot = path.resolve(import.meta.dirname, '..');

/**
 * ESM bundles still meet dependencies that call `require` (CommonJS inside ESM); this gives them one.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * The esbuild settings of every house function. Exported so infra/bundle.ts builds byte-identical
 * bundles with esbuild's API (for the benchmark and the local stack's bundles mode) instead of a copy
 * that could drift.
 */
export const bundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // The nodejs22.x runtime ships AWS SDK v3: a function that uses a client (the notifier's SES)
  // loads it from there. SQS is a SigV4-signed fetch (packages/config/src/sqs.ts), no SDK client.
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
  return ParamsAndSecretsLayerVersion.fromVersion(SECRETS_EXTENSION_VERSION, {
    cacheEnabled: true,
    // Two secrets at most per function; the value only bounds the cache's memory.
    cacheSize: 10,
    secretsManagerTtl: SECRETS_CACHE_TTL,
    // A cache miss at cold start asks Secrets Manager; fail well inside the 10 s init limit.
    secretsManagerTimeout: Duration.seconds(5),
    logLevel: ParamsAndSecretsLogLevel.WARN,
  });
}

const SECRETS_EXTENSION_VERSION = ParamsAndSecretsVersions.V1_0_103;

/**
 * The commercial regions where CDK knows the arm64 secrets extension layer (its template mapping).
 * AWS publishes the layer in newer regions too, but under ARNs CDK does not carry; rather than guess
 * them, the stack refuses those regions before it creates anything (requireSecretsExtensionRegion).
 */
export const SECRETS_EXTENSION_REGIONS = RegionInfo.regions
  .filter((r) => r.partition === 'aws')
  .map((r) => r.name)
  .filter((name) => Fact.find(name, FactName.paramsAndSecretsLambdaLayer(SECRETS_EXTENSION_VERSION, 'arm64')))
  .sort();

const REGION_RULE_ID = 'SecretsExtensionRegion';

/**
 * No silent gap: in a region without the layer, synth fails (when the stack's region is known) or
 * CloudFormation rejects the deploy up front through a template rule with a message that names the
 * regions that work, instead of failing half-way on a missing mapping key.
 */
export function requireSecretsExtensionRegion(scope: Construct) {
  const stack = Stack.of(scope);
  if (stack.node.tryFindChild(REGION_RULE_ID)) return;
  const supported = SECRETS_EXTENSION_REGIONS.join(', ');
  if (!Token.isUnresolved(stack.region) && !SECRETS_EXTENSION_REGIONS.includes(stack.region)) {
    throw new Error(
      `Region ${stack.region} has no AWS Parameters and Secrets Lambda Extension layer known to this app; deploy to one of: ${supported}`,
    );
  }
  new CfnRule(stack, REGION_RULE_ID, {
    assertions: [
      {
        assert: Fn.conditionContains(SECRETS_EXTENSION_REGIONS, stack.region),
        assertDescription: `This stack runs only where the secrets extension layer is mapped: ${supported}`,
      },
    ],
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
  /** Concurrency reserved for (and capping) this function; unset: the account's unreserved pool. */
  reservedConcurrentExecutions?: number | undefined;
  environment?: Record<string, string>;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Omit to run outside the VPC (the webhook: no database, fewer moving parts). */
  vpc?: IVpc;
  securityGroups?: ISecurityGroup[];
  /** Shell commands run after esbuild, given the bundle's input and output folders. */
  afterBundling?: (inputDir: string, outputDir: string) => string[];
};

/**
 * The house Lambda: nodejs22.x on arm64, ESM bundle (minified, source maps, AWS SDK from the runtime),
 * X-Ray off (docs/deploy.md says why), its own log group with a retention, private subnets when
 * given a VPC, and the secrets extension layer whenever its environment names a `*_SECRET_ARN`.
 * Its role may write to its own log group only (no AWSLambdaBasicExecutionRole: that allows logs on
 * `*`); a function in the VPC also gets the network-interface actions Lambda needs there.
 */
export class AppFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const afterBundling = props.afterBundling;
    const role = executionRole(scope, `${id}Role`, logGroup, props.vpc !== undefined);
    if (readsSecrets(props.environment)) requireSecretsExtensionRegion(scope);
    super(scope, id, {
      role,
      entry: path.join(repoRoot, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: Tracing.DISABLED,
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

/**
 * The actions of AWSLambdaVPCAccessExecutionRole without its logs on `*`: Lambda creates and deletes
 * the function's network interfaces with them. EC2 scopes none of them to a resource Lambda knows in
 * advance, so they stay on `*` (acknowledged in infra/nag.ts).
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * An execution role whose policies are inline in the role resource, so they exist before the
 * function is created (Lambda checks the network-interface actions when it creates a VPC function).
 */
export function executionRole(scope: Construct, id: string, logGroup: LogGroup, inVpc: boolean): Role {
  const statements = [
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // The log group's Arn attribute ends in `:*`: its streams.
      resources: [logGroup.logGroupArn],
    }),
  ];
  if (inVpc)
    statements.push(new PolicyStatement({ actions: VPC_NETWORK_INTERFACE_ACTIONS, resources: ['*'] }));
  return new Role(scope, id, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    inlinePolicies: { runtime: new PolicyDocument({ statements }) },
  });
}
