import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { idOf } from '../../infra/functions';
import { routeKey, routes } from '../../infra/routes';
import { logicalId, type Resource, resources, synth } from './synth';

const prodContext = {
  stage: 'prod',
  workosClientId: 'client_01TEST',
  appOrigins: 'https://app.example.com,https://admin.example.com',
};

describe('HTTP API', () => {
  const { template, stack } = synth();

  it('has every route of infra/routes.ts, each integrated with its function (payload 2.0)', () => {
    const apiRoutes = resources(template, 'AWS::ApiGatewayV2::Route');
    expect(apiRoutes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(routes.map(routeKey).sort());
    const integrations = new Map(resources(template, 'AWS::ApiGatewayV2::Integration'));
    for (const route of routes) {
      const [, apiRoute] = apiRoutes.find(([, r]) => r.Properties.RouteKey === routeKey(route))!;
      const integrationId = apiRoute.Properties.Target['Fn::Join'][1][1].Ref as string;
      const integration = integrations.get(integrationId)!;
      const fn = stack.functions.http[route.fn];
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [logicalId(fn, stack), 'Arn'] },
      });
    }
  });

  it('routes the organization API to the organizations function', () => {
    const orgRoutes = routes.filter((r) => r.path.startsWith('/organizations')).map(routeKey);
    expect(orgRoutes).toEqual([
      'GET /organizations',
      'GET /organizations/{slug}',
      'PATCH /organizations/{slug}',
      'GET /organizations/{slug}/members',
      'POST /organizations',
      'PATCH /organizations/{slug}/members/{userId}',
      'DELETE /organizations/{slug}/members/{userId}',
      'GET /organizations/{slug}/invitations',
      'POST /organizations/{slug}/invitations',
      'DELETE /organizations/{slug}/invitations/{id}',
      'POST /organizations/{slug}/invitations/{id}/resend',
      'GET /organizations/{slug}/roles',
    ]);
    expect(
      routes.filter((r) => r.path.startsWith('/organizations')).every((r) => r.fn === 'organizations'),
    ).toBe(true);
    const orgFn = logicalId(stack.functions.organizations, stack);
    const permissions = resources(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.FunctionName['Fn::GetAtt']?.[0] === orgFn,
    );
    // One invoke permission per route the function serves: the organization API and GET /openapi.json.
    expect(permissions.length).toBe(routes.filter((r) => r.fn === 'organizations').length);
    expect(routes.find((r) => r.path === '/openapi.json')?.fn).toBe('organizations');
    for (const [, p] of permissions) expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
  });

  it('lets API Gateway invoke each HTTP function only for its own routes', () => {
    for (const [, p] of resources(template, 'AWS::Lambda::Permission')) {
      if (p.Properties.Principal !== 'apigateway.amazonaws.com') continue;
      const sourceArn = JSON.stringify(p.Properties.SourceArn);
      expect(sourceArn).toMatch(/\/\*\/\*\/|\/\*\/[A-Z]+\//);
      expect(sourceArn).not.toContain('"*"');
    }
  });

  it('throttles the stage and writes JSON access logs without cookies, headers or query strings', () => {
    const [[, stage]] = resources(template, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack.api.accessLogs, stack), 'Arn'] },
      },
      RouteSettings: { 'POST /webhooks/workos': { DetailedMetricsEnabled: true } },
    });
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format.requestId).toBe('$context.requestId');
    expect(format.status).toBe('$context.status');
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/cookie|header|querystring|authorization/i);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('allows CORS with credentials for exactly the configured app origins', () => {
    const prod = synth(prodContext);
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowCredentials: true,
        AllowOrigins: ['https://app.example.com', 'https://admin.example.com'],
        AllowMethods: Match.arrayWith(['GET', 'POST', 'PATCH']),
        AllowHeaders: Match.arrayWith(['content-type']),
      },
    });
    const stage = resources(prod.template, 'AWS::ApiGatewayV2::Stage')[0]![1];
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 1000,
    });
  });

  it('the same origins are the allowed returnTo origins of the session functions', () => {
    const prod = synth(prodContext);
    for (const name of ['auth', 'me', 'organizations']) {
      const fn = resources(prod.template, 'AWS::Lambda::Function').find(([id]) => id.includes(idOf(name)))!;
      expect(fn[1].Properties.Environment.Variables.ALLOWED_REDIRECT_ORIGINS).toBe(
        'https://app.example.com,https://admin.example.com',
      );
    }
  });

  it('has no custom domain unless one is configured', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });

  it('serves the API domain and the tenant wildcard domain when configured, and the functions know them', () => {
    const withDomains = synth({
      apiDomainName: 'auth.example.com',
      tenantBaseDomain: 'app.example.com',
      cookieDomain: '.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123',
    });
    const t = withDomains.template;
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'auth.example.com' });
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: '*.app.example.com',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123' }),
      ],
    });
    t.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 2);
    const auth = resources(t, 'AWS::Lambda::Function').find(([id]) => id.includes('FunctionsAuth'))!;
    expect(auth[1].Properties.Environment.Variables).toMatchObject({
      TENANT_BASE_DOMAIN: 'app.example.com',
      COOKIE_DOMAIN: '.example.com',
      WORKOS_REDIRECT_URI: 'https://auth.example.com/auth/callback',
    });
    t.hasOutput('RedirectUri', { Value: 'https://auth.example.com/auth/callback' });
    t.hasOutput('TenantDomainTarget', Match.anyValue());
  });

  it('publishes the URLs ops paste into the WorkOS dashboard', () => {
    const outputs = template.findOutputs('*');
    expect(JSON.stringify(outputs.RedirectUri?.Value)).toContain('/auth/callback');
    expect(JSON.stringify(outputs.WebhookUrl?.Value)).toContain('/webhooks/workos');
  });
});
