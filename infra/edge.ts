import { Aws, CfnOutput, CfnRule, Fn, Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Settings } from './settings';

export type EdgeProps = {
  settings: Settings;
  /** The API's execute-api URL (https://<id>.execute-api.<region>.amazonaws.com). */
  apiEndpoint: string;
  /** Regional API Gateway domain of the API custom domain, when there is one. */
  apiDomainTarget: string | undefined;
};

/** Managed rule groups (AWS, no subscription). Body rules count only: see rulesThatOnlyCount. */
const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesCommonRuleSet',
] as const;

/**
 * Common-rule-set rules that would block legitimate traffic here: PATCH bodies up to 32 KB and
 * webhooks up to 256 KB exceed its 8 KB body limit, and a bio or a WorkOS event may carry markup
 * as text (stored as text and served as JSON, never as HTML). They count, so they show in metrics.
 */
const rulesThatOnlyCount = ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY'];

const visibility = (metricName: string) => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/** A per-IP rate rule (requests per 5 minutes) on the paths starting with `prefix`. */
function rateRule(name: string, priority: number, limit: number, prefix: string): CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    action: { block: {} },
    statement: {
      rateBasedStatement: {
        limit,
        aggregateKeyType: 'IP',
        scopeDownStatement: {
          byteMatchStatement: {
            fieldToMatch: { uriPath: {} },
            positionalConstraint: 'STARTS_WITH',
            searchString: prefix,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
      },
    },
    visibilityConfig: visibility(name),
  };
}

/**
 * The optional edge in front of the HTTP API (setting `edge`): CloudFront with AWS WAF, so one
 * client cannot spend everyone's stage throttle. Managed rule groups (IP reputation, known bad
 * inputs, common rules) and per-IP rate rules on /auth/* and /webhooks/*. Nothing is cached.
 *
 * Tenancy keeps working: with custom domains the distribution answers for the API domain and
 * `*.<tenantBaseDomain>` and forwards the viewer's Host, so API Gateway (and the functions' tenant
 * lookup) see the same Host as without the edge. DNS for those names then points at the
 * distribution instead of the regional API Gateway domains.
 *
 * A WAF web ACL for CloudFront must live in us-east-1: the stack refuses to deploy elsewhere with
 * the edge on (a CloudFormation rule), unless `edgeWebAclArn` names one made there.
 */
export class Edge extends Construct {
  readonly distribution: Distribution;
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const { settings } = props;
    this.webAclArn = settings.edgeWebAclArn ?? this.webAcl(settings).attrArn;

    const customDomains = [
      ...(settings.apiDomainName ? [settings.apiDomainName] : []),
      ...(settings.tenantBaseDomain ? [`*.${settings.tenantBaseDomain}`] : []),
    ];
    const forwardHost = customDomains.length > 0 && props.apiDomainTarget !== undefined;
    const originHost = forwardHost
      ? (props.apiDomainTarget as string)
      : Fn.select(2, Fn.split('/', props.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `workos-auth ${settings.stage}: WAF in front of the HTTP API`,
      webAclId: this.webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      ...(forwardHost
        ? {
            domainNames: customDomains,
            certificate: Certificate.fromCertificateArn(
              this,
              'Certificate',
              settings.edgeCertificateArn ?? (settings.certificateArn as string),
            ),
          }
        : {}),
      defaultBehavior: {
        origin: new HttpOrigin(originHost, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Host forwarded: API Gateway picks the custom domain (and the app the tenant) from it.
        originRequestPolicy: forwardHost
          ? OriginRequestPolicy.ALL_VIEWER
          : OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    new CfnOutput(Stack.of(this), 'EdgeDomainName', {
      description: forwardHost
        ? `DNS: point ${customDomains.join(' and ')} at this CloudFront distribution (instead of API Gateway)`
        : 'The API through CloudFront and AWS WAF',
      value: this.distribution.distributionDomainName,
    });
  }

  private webAcl(settings: Settings): CfnWebACL {
    new CfnRule(Stack.of(this), 'EdgeWebAclRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, 'us-east-1'),
          assertDescription:
            'With edge on, deploy in us-east-1 (WAF for CloudFront lives there) or set edgeWebAclArn',
        },
      ],
    });
    return new CfnWebACL(this, 'WebAcl', {
      name: `workos-auth-${settings.stage}-edge`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`workos-auth-${settings.stage}-edge`),
      rules: [
        rateRule('AuthPerIp', 0, settings.edgeAuthRateLimit, '/auth/'),
        rateRule('WebhookPerIp', 1, settings.edgeWebhookRateLimit, '/webhooks/'),
        ...MANAGED_RULE_GROUPS.map(
          (name, i): CfnWebACL.RuleProperty => ({
            name,
            priority: 10 + i,
            overrideAction: { none: {} },
            statement: {
              managedRuleGroupStatement: {
                vendorName: 'AWS',
                name,
                ...(name === 'AWSManagedRulesCommonRuleSet'
                  ? {
                      ruleActionOverrides: rulesThatOnlyCount.map((rule) => ({
                        name: rule,
                        actionToUse: { count: {} },
                      })),
                    }
                  : {}),
              },
            },
            visibilityConfig: visibility(name),
          }),
        ),
      ],
    });
  }
}
