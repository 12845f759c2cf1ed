import { describe, expect, it } from 'vitest';
import { type Cfn, resources, synth } from './synth';

const prod = { stage: 'prod', workosClientId: 'client_01TEST', appOrigins: 'https://app.example.com' };
const tenancy = {
  ...prod,
  apiDomainName: 'auth.example.com',
  tenantBaseDomain: 'app.example.com',
  cookieDomain: '.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
};

describe('the edge (CloudFront + AWS WAF)', () => {
  it('is on in the prod example and off in dev', () => {
    expect(resources(synth(prod).template, 'AWS::CloudFront::Distribution')).toHaveLength(1);
    expect(resources(synth().template, 'AWS::CloudFront::Distribution')).toHaveLength(0);
    expect(resources(synth().template, 'AWS::WAFv2::WebACL')).toHaveLength(0);
  });

  it('has managed rule groups and per-IP rate rules on /auth/ and /webhooks/', () => {
    const acl: Cfn = resources(synth(prod).template, 'AWS::WAFv2::WebACL')[0]?.[1];
    expect(acl.Properties.Scope).toBe('CLOUDFRONT');
    const rules: Cfn = Object.fromEntries(acl.Properties.Rules.map((r: Cfn) => [r.Name, r.Statement]));
    expect(Object.keys(rules)).toEqual(
      expect.arrayContaining([
        'AuthPerIp',
        'WebhookPerIp',
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
        'AWSManagedRulesAmazonIpReputationList',
      ]),
    );
    expect(rules.AuthPerIp?.RateBasedStatement).toMatchObject({ Limit: 300, AggregateKeyType: 'IP' });
    expect(rules.AuthPerIp?.RateBasedStatement?.ScopeDownStatement?.ByteMatchStatement.SearchString).toBe(
      '/auth/',
    );
    expect(rules.WebhookPerIp?.RateBasedStatement?.ScopeDownStatement?.ByteMatchStatement.SearchString).toBe(
      '/webhooks/',
    );
  });

  it('with tenancy, answers for the API and tenant domains and forwards the Host header, caching nothing', () => {
    const { template } = synth(tenancy);
    const dist: Cfn = resources(template, 'AWS::CloudFront::Distribution')[0]?.[1];
    const config = dist.Properties.DistributionConfig;
    expect(config.Aliases).toEqual(['auth.example.com', '*.app.example.com']);
    expect(config.WebACLId).toBeDefined();
    // Managed policies: AllViewer forwards Host; CachingDisabled caches nothing.
    expect(config.DefaultCacheBehavior.OriginRequestPolicyId).toBe('216adef6-5c7f-47e4-b989-5492eafa07d3');
    expect(config.DefaultCacheBehavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    expect(config.DefaultCacheBehavior.AllowedMethods).toHaveLength(7);
    expect(config.ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2021');
  });

  it('refuses to deploy outside us-east-1 unless given a web ACL made there', () => {
    expect(Object.keys(synth(prod).template.toJSON().Rules ?? {})).toContain('EdgeWebAclRegion');
    const elsewhere = synth({
      ...prod,
      edgeWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shared/abc',
    });
    expect(resources(elsewhere.template, 'AWS::WAFv2::WebACL')).toHaveLength(0);
    expect(Object.keys(elsewhere.template.toJSON().Rules ?? {})).not.toContain('EdgeWebAclRegion');
  });
});
