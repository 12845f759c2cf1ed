import { type Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { acknowledgeFindings, routeReason } from '../../infra/nag';
import { routeKey, routes } from '../../infra/routes';
import { synth } from './synth';

const stages = {
  dev: {},
  prod: {
    stage: 'prod',
    workosClientId: 'client_01TEST',
    appOrigins: 'https://app.example.com',
    alarmEmail: 'oncall@example.com',
  },
  'dev with custom domains': {
    apiDomainName: 'auth.example.com',
    tenantBaseDomain: 'app.example.com',
    cookieDomain: '.example.com',
    certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
  },
};

/** Every cdk-nag acknowledgment recorded in the construct tree. */
function acknowledgments(root: Stack) {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        // Stored as `Annotation::<rule>`; CDK records its own (CloudFormation-Validate::...) too: skip those.
        const id = key.replace(/^annotation::/i, '');
        if (!id.startsWith('AwsSolutions-')) continue;
        found.push({ path: node.node.path, id, reason });
      }
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  it.each(Object.entries(stages))('%s: zero unacknowledged findings', (_, context) => {
    const { nagReport } = synth(context);
    const findings = nagReport.violations.map(
      (v) =>
        `${v.ruleName}: ${v.violatingResources.map((r) => r.locations?.[0] ?? r.resourceLogicalId).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(nagReport.success).toBe(true);
  });

  it('really checks: an unencrypted, public-by-default bucket is reported', () => {
    const { stack, nag } = synth();
    new Bucket(stack, 'Careless');
    const rules = nag.validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });

  it('prod needs fewer acknowledgments: Multi-AZ and deletion protection are on', () => {
    const devIds = acknowledgments(synth().stack).map((a) => a.id);
    const prodIds = acknowledgments(synth(stages.prod).stack).map((a) => a.id);
    expect(devIds).toEqual(expect.arrayContaining(['AwsSolutions-RDS3', 'AwsSolutions-RDS10']));
    expect(prodIds).not.toContain('AwsSolutions-RDS3');
    expect(prodIds).not.toContain('AwsSolutions-RDS10');
  });

  it('every acknowledgment sits on a specific resource, never on the stack or the app', () => {
    const { stack } = synth();
    const found = acknowledgments(stack);
    expect(found.length).toBeGreaterThan(20);
    for (const a of found) {
      expect(a.path.startsWith(`${stack.stackName}/`), `${a.id} on ${a.path}`).toBe(true);
      expect(a.path).not.toBe(stack.stackName);
    }
  });

  it('every acknowledgment states a specific reason', () => {
    const { stack } = synth();
    const found = acknowledgments(stack);
    for (const a of found) expect(a.reason.length, `${a.id} on ${a.path}`).toBeGreaterThan(60);
    // One reason per rule kind, not one blanket sentence everywhere.
    const reasonsByRule = new Map<string, Set<string>>();
    for (const a of found) reasonsByRule.set(a.id, (reasonsByRule.get(a.id) ?? new Set()).add(a.reason));
    const distinctAcrossRules = new Set(found.map((a) => a.reason));
    expect(distinctAcrossRules.size).toBeGreaterThanOrEqual(reasonsByRule.size);
  });

  it('each route without an API Gateway authorizer says how it is authenticated', () => {
    const { stack } = synth();
    const apig4 = acknowledgments(stack).filter((a) => a.id === 'AwsSolutions-APIG4');
    expect(apig4).toHaveLength(routes.length);
    for (const route of routes) {
      const reason = routeReason(route);
      expect(reason.startsWith(routeKey(route))).toBe(true);
      expect(apig4.map((a) => a.reason)).toContain(reason);
    }
    expect(routeReason(routes.find((r) => r.fn === 'webhook')!)).toMatch(/signature/);
  });

  it('a new route with no stated authentication fails the build', () => {
    expect(() =>
      routeReason({ method: 'DELETE', path: '/organizations/{slug}', fn: 'organizations' }),
    ).toThrow(/DELETE \/organizations\/\{slug\}/);
  });

  it('the function returns what it recorded', () => {
    const { stack, settings } = synth();
    const before = acknowledgments(stack).length;
    const made = acknowledgeFindings(stack, settings);
    expect(made.length).toBe(before);
  });
});
