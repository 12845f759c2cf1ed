import { CfnOutput, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  type CfnStage,
  CorsHttpMethod,
  type CorsPreflightOptions,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type HttpFunction, type Route, routeKey, routes } from './routes';
import type { Settings } from './settings';

/** The route whose 5xx rate gets its own alarm (WorkOS retries, but a failing webhook is an outage). */
export const WEBHOOK_ROUTE = routes.find((r) => r.fn === 'webhook') as Route;

export type ApiProps = {
  settings: Settings;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
};

/**
 * The HTTP API: routes from infra/routes.ts (payload format 2.0), CORS for the app origins with
 * credentials, stage throttling, JSON access logs, optional custom domains (API and tenant wildcard).
 * Authentication is in the functions (session cookie, webhook signature), not in API Gateway.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** https://... without a trailing slash: the custom domain when set, else the execute-api URL. */
  readonly baseUrl: string;
  /** Regional API Gateway domain of the API custom domain, when there is one (the edge's origin). */
  apiDomainTarget: string | undefined;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { settings } = props;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `workos-auth-${settings.stage}`,
      description: 'WorkOS authentication, profile and organization API',
      createDefaultStage: false,
      ...(settings.appOrigins.length > 0 ? { corsPreflight: corsPreflight(settings.appOrigins) } : {}),
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    // A route setting replaces the stage defaults for its route, so each carries its own throttle.
    // The sign-in routes and the webhook get their own budget: a flood on one cannot use up the
    // others'. Route-level metrics only for the webhook route (alarmed on): each costs per metric.
    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings(settings);

    this.baseUrl = settings.apiDomainName ? `https://${settings.apiDomainName}` : this.httpApi.apiEndpoint;
    this.addCustomDomains(settings);
  }

  /**
   * Adds every route of infra/routes.ts, integrated with its function. The stage names some routes
   * by key in its RouteSettings; API Gateway refuses a stage whose settings name a route that does
   * not exist yet, so the stage depends on those routes (CloudFormation creates them first).
   */
  addRoutes(functions: Record<HttpFunction, IFunction>) {
    const integrations = new Map<HttpFunction, HttpLambdaIntegration>();
    const stage = this.stage.node.defaultChild as CfnStage;
    const configured = new Set(Object.keys((stage.routeSettings ?? {}) as Record<string, unknown>));
    for (const route of routes) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.fn}Integration`, functions[route.fn]);
        integrations.set(route.fn, integration);
      }
      const added = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
      });
      if (configured.has(routeKey(route))) {
        for (const apiRoute of added) stage.node.addDependency(apiRoute);
      }
    }
  }

  private addCustomDomains(settings: Settings) {
    if (!settings.certificateArn) return;
    const certificate = Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn);
    const domains: [string, string][] = [];
    if (settings.apiDomainName) domains.push(['ApiDomain', settings.apiDomainName]);
    if (settings.tenantBaseDomain) domains.push(['TenantDomain', `*.${settings.tenantBaseDomain}`]);
    for (const [id, name] of domains) {
      const domain = new DomainName(this, id, { domainName: name, certificate });
      if (id === 'ApiDomain') this.apiDomainTarget = domain.regionalDomainName;
      new ApiMapping(this, `${id}Mapping`, { api: this.httpApi, domainName: domain, stage: this.stage });
      new CfnOutput(Stack.of(this), `${id}Target`, {
        description: `DNS: point ${name} (CNAME or alias) at this regional API Gateway domain`,
        value: domain.regionalDomainName,
      });
    }
  }
}

/**
 * The JSON access log line of every request. No headers, cookies, query strings or bodies: those can
 * carry codes and tokens.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  // Which custom domain (tenant) was called, and why API Gateway itself refused a request
  // (throttled, no route, bad request) when no integration ran.
  domainName: '$context.domainName',
  error: '$context.error.message',
  userAgent: '$context.identity.userAgent',
};

/** CORS for the front end's origins, with credentials (the session cookie). */
function corsPreflight(allowOrigins: string[]): CorsPreflightOptions {
  return {
    allowOrigins,
    allowCredentials: true,
    allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH],
    allowHeaders: ['content-type', 'accept'],
    maxAge: Duration.hours(1),
  };
}

/** A route's own throttle (requests per second, steady and burst). */
type Throttle = { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };

/**
 * The stage's RouteSettings: the /auth/* routes and the webhook get their own throttles from the
 * stage settings; the webhook also gets detailed (per-route) metrics for its alarm.
 */
export function routeSettings(
  settings: Settings,
): Record<string, Throttle & { DetailedMetricsEnabled?: boolean }> {
  const auth = { ThrottlingRateLimit: settings.authRateLimit, ThrottlingBurstLimit: settings.authBurstLimit };
  const webhook = {
    ThrottlingRateLimit: settings.webhookRateLimit,
    ThrottlingBurstLimit: settings.webhookBurstLimit,
  };
  const result: Record<string, Throttle & { DetailedMetricsEnabled?: boolean }> = {};
  for (const route of routes) {
    if (route === WEBHOOK_ROUTE) result[routeKey(route)] = { ...webhook, DetailedMetricsEnabled: true };
    else if (route.fn === 'auth') result[routeKey(route)] = { ...auth };
  }
  return result;
}
