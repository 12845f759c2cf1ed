import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Api } from './api';
import type { Database } from './database';
import type { Edge } from './edge';
import { type Route, routeKey, routes } from './routes';
import type { Settings } from './settings';
import type { AuthStack } from './stack';

export type Acknowledgment = { path: string; id: string; reason: string };

/** Why each route has no API Gateway authorizer: the function authenticates it, or it is public by design. */
const routeAuthentication: Record<string, string> = {
  'GET /auth/login':
    'starts sign-in, so it is public by design; it only redirects to WorkOS with PKCE and sealed state',
  'GET /auth/callback':
    'is where WorkOS returns the browser; it is authenticated by the sealed state and PKCE verifier cookie and the one-time code',
  'POST /auth/select-organization':
    'completes a pending sign-in; it is authenticated by the sealed, short-lived pending-authentication cookie',
  'POST /auth/logout':
    'must work with an expired or missing session; it only clears the cookie and ends the WorkOS session',
  'POST /auth/switch-organization':
    'is authenticated by the sealed WorkOS session cookie, verified in the function',
  'GET /me':
    'is authenticated by the sealed WorkOS session cookie, verified in the function (JWKS, no authorizer hop)',
  'PATCH /me':
    'is authenticated by the sealed WorkOS session cookie, verified in the function (JWKS, no authorizer hop)',
  'GET /health': 'is a liveness probe that returns no data, so it is public by design',
  'POST /webhooks/workos':
    'is called by WorkOS, which cannot sign AWS requests; every body is authenticated by its WorkOS HMAC signature',
  'GET /organizations': 'is authenticated by the sealed WorkOS session cookie, verified in the function',
  'GET /organizations/{slug}':
    'is authenticated by the session cookie and authorized by the local membership in the function',
  'PATCH /organizations/{slug}':
    'is authenticated by the session cookie and authorized (ADMIN or OWNER membership) in the function',
  'GET /organizations/{slug}/members':
    'is authenticated by the session cookie and authorized by the local membership in the function',
  'GET /notifications':
    'is authenticated by the sealed WorkOS session cookie, verified in the function; it lists only that user’s rows',
  'POST /notifications/{id}/read':
    'is authenticated by the sealed WorkOS session cookie, verified in the function; it changes only that user’s rows',
  'POST /notifications/read-all':
    'is authenticated by the sealed WorkOS session cookie, verified in the function; it changes only that user’s rows',
  'POST /organizations':
    'is authenticated by the sealed WorkOS session cookie, verified in the function; the app-origin guard refuses cross-site posts',
  'PATCH /organizations/{slug}/members/{userId}':
    'is authenticated by the session cookie and authorized by the active membership and the WorkOS permission members:write in the function',
  'DELETE /organizations/{slug}/members/{userId}':
    'is authenticated by the session cookie and authorized by the active membership and members:write (or the member themselves) in the function',
  'GET /organizations/{slug}/invitations':
    'is authenticated by the session cookie and authorized by the active membership and members:write in the function',
  'POST /organizations/{slug}/invitations':
    'is authenticated by the session cookie and authorized by the active membership and members:write in the function',
  'DELETE /organizations/{slug}/invitations/{id}':
    'is authenticated by the session cookie and authorized by the active membership and members:write in the function',
  'POST /organizations/{slug}/invitations/{id}/resend':
    'is authenticated by the session cookie and authorized by the active membership and members:write in the function',
  'GET /organizations/{slug}/roles':
    'is authenticated by the session cookie and authorized by the active membership and members:read in the function',
  'GET /openapi.json': 'is the public API description (no data), so it is public by design',
};

/** The reason for a route, failing synth when a new route in infra/routes.ts has none yet. */
export function routeReason(route: Route): string {
  const reason = routeAuthentication[routeKey(route)];
  if (!reason) {
    throw new Error(`infra/nag.ts: say how ${routeKey(route)} is authenticated (routeAuthentication)`);
  }
  return `${routeKey(route)} ${reason}.`;
}

const MANAGED_BASIC = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/** Records one acknowledgment on a construct (`AwsSolutions-<id>`), with the reason it is acceptable. */
type Acknowledge = (scope: IConstruct, id: string, reason: string) => void;

/**
 * Every cdk-nag AwsSolutions finding this stack accepts, each on the narrowest construct and with the
 * reason it is acceptable here. Returns the list (tests check it; docs/deploy.md explains it).
 */
export function acknowledgeFindings(stack: AuthStack, settings: Settings): Acknowledgment[] {
  const made: Acknowledgment[] = [];
  const ack: Acknowledge = (scope, id, reason) => {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-${id}`, reason });
    made.push({ path: scope.node.path, id: `AwsSolutions-${id}`, reason });
  };
  acknowledgeFunctionFindings(ack, stack);
  acknowledgeDeployHelperFindings(ack, stack);
  acknowledgeRouteFindings(ack, stack.api);
  acknowledgeSecretFindings(ack, stack);
  acknowledgeDatabaseFindings(ack, stack.database, settings);
  if (stack.edge) acknowledgeEdgeFindings(ack, stack.edge, settings);
  return made;
}

/** The app's own functions: the pinned Node.js runtime, and the VPC network-interface wildcard. */
function acknowledgeFunctionFindings(ack: Acknowledge, stack: AuthStack) {
  const { functions, migrations } = stack;
  const lambdas = [
    functions.auth,
    functions.me,
    functions.organizations,
    functions.notifications,
    functions.webhook,
    functions.syncWorker,
    functions.reconcile,
    functions.backfill,
    migrations.function,
    stack.notifications.notifier,
  ];
  for (const fn of lambdas) {
    ack(
      fn,
      'L1',
      'nodejs22.x is the runtime this project is built and tested on (Node 22 toolchain, WorkOS SDK 11); moving to a newer runtime is a deliberate, tested change.',
    );
    if (fn.isBoundToVpc) {
      ack(
        fn.role ?? fn,
        'IAM5[Resource::*]',
        'The only wildcard is the network-interface actions Lambda needs to run the function in the VPC (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DescribeSubnets, DeleteNetworkInterface, Assign/UnassignPrivateIpAddresses), which EC2 cannot scope to an interface that does not exist yet. Logs are scoped to the function’s own log group.',
      );
    }
  }
}

/** Roles of the helpers CDK adds for deploys: the migrations provider and the log-retention singleton. */
function acknowledgeDeployHelperFindings(ack: Acknowledge, stack: AuthStack) {
  const { migrations } = stack;
  ack(
    migrations.node.findChild('ProviderRole'),
    `IAM5[Resource::<${Stack.of(stack).getLogicalId(migrations.function.node.defaultChild as never)}.Arn>:*]`,
    'The provider framework may invoke any version of the migrate function and nothing else; the wildcard is the version suffix.',
  );

  const logRetention = stack.node.tryFindChild('LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a');
  if (logRetention) {
    ack(
      logRetention,
      `IAM4[${MANAGED_BASIC}]`,
      'CDK log-retention helper behind the RDS log exports (a CDK singleton whose role cannot be given): the managed policy lets it write logs to any group in the account; it runs only during deploys and its code is CDK’s.',
    );
    ack(
      logRetention,
      'IAM5[Resource::*]',
      'CDK log-retention helper: it sets retention on the RDS log groups (logs:PutRetentionPolicy/DeleteRetentionPolicy on *), whose names RDS creates at runtime.',
    );
  }
}

/** Every route has no API Gateway authorizer: routeReason says how the route is authenticated instead. */
function acknowledgeRouteFindings(ack: Acknowledge, api: Api) {
  for (const route of routes) {
    const cfnRoute = api.httpApi.node.findChild(
      `${route.method}--${route.path.replace(/^\//, '').replaceAll('/', '--')}`,
    );
    ack(cfnRoute, 'APIG4', routeReason(route));
  }
}

/** Secrets without automatic rotation: each says why, and docs/secret-rotation.md how it is rotated. */
function acknowledgeSecretFindings(ack: Acknowledge, { secrets, database }: AuthStack) {
  for (const secret of [secrets.workosApiKey, secrets.webhookSecret]) {
    ack(
      secret,
      'SMG4',
      'Issued by the WorkOS dashboard, which a rotation Lambda cannot call; docs/secret-rotation.md is the procedure.',
    );
  }
  ack(
    secrets.session,
    'SMG4',
    'The session cookie password seals live sessions: rotating it ends every session, so it is a planned step (docs/secret-rotation.md), not a schedule.',
  );
  ack(
    database.instance.node.findChild('Secret'),
    'SMG4',
    'Functions build DATABASE_URL once per cold start, so an automatic single-user rotation would break reconnects of warm functions; rotation follows docs/secret-rotation.md.',
  );
  ack(
    database.node.findChild('AppSecret'),
    'SMG4',
    "The app role's password is set by the migrate function on deploy; rotating it means a new deploy (docs/secret-rotation.md), and through RDS Proxy the functions authenticate with IAM tokens, never this password.",
  );
}

/** The database instance: the default port, and the cost savings of a non-production stage. */
function acknowledgeDatabaseFindings(ack: Acknowledge, database: Database, settings: Settings) {
  ack(
    database.instance,
    'RDS11',
    'The instance is reachable only from the functions security group inside isolated subnets; a non-default port would add no protection.',
  );
  if (!settings.dbMultiAz) {
    ack(
      database.instance,
      'RDS3',
      `Stage "${settings.stage}" runs single-AZ to save cost (dbMultiAz=false); production stages default to Multi-AZ.`,
    );
  }
  if (!settings.deletionProtection) {
    ack(
      database.instance,
      'RDS10',
      `Stage "${settings.stage}" is disposable (deletionProtection=false); production stages default to deletion protection.`,
    );
  }
}

/** The CloudFront distribution of the edge: no geo restriction, no standard logs, the default certificate. */
function acknowledgeEdgeFindings(ack: Acknowledge, edge: Edge, settings: Settings) {
  const { distribution } = edge;
  ack(
    distribution,
    'CFR1',
    'The API serves sign-in for users wherever they are; abuse is handled by the WAF rules (IP reputation, per-IP rate limits), not by country.',
  );
  ack(
    distribution,
    'CFR3',
    'Requests are already logged per request by the API Gateway access logs behind the distribution, and WAF keeps sampled requests per rule; CloudFront standard logs would need an extra S3 bucket for the same facts.',
  );
  if (!settings.apiDomainName) {
    ack(
      distribution,
      'CFR4',
      'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose minimum TLS version CloudFront fixes; with apiDomainName it is TLSv1.2_2021.',
    );
  }
}
