import { describe, expect, it } from 'vitest';
import { readsSecrets } from '../../infra/node-function';
import { type Cfn, houseFunctions, logicalId, resources, synth } from './synth';

const { template, stack } = synth();
const secretReaders = houseFunctions(stack);
const lambdas = new Map(resources(template, 'AWS::Lambda::Function'));
const propsOf = (fn: unknown) => lambdas.get(logicalId(fn, stack))?.Properties as Record<string, Cfn>;
const statementsOf = (fn: (typeof secretReaders)[keyof typeof secretReaders]) => {
  const roleId = logicalId(fn.role, stack);
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, Cfn>[]);
};

describe('Parameters and Secrets Lambda Extension', () => {
  it.each(Object.entries(secretReaders))('%s carries the arm64 extension layer for its region', (_, fn) => {
    const p = propsOf(fn);
    expect(p.Architectures).toEqual(['arm64']);
    expect(p.Layers).toHaveLength(1);
    // The stack is region-agnostic: the ARN comes from a mapping keyed by AWS::Region at deploy time.
    const [mapName, region, key] = p.Layers[0]['Fn::FindInMap'];
    expect(region).toEqual({ Ref: 'AWS::Region' });
    expect(key).toMatch(/arm64$/);
    const mapping = template.toJSON().Mappings[mapName] as Record<string, Record<string, string>>;
    expect(Object.keys(mapping)).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'eu-central-1']));
    for (const entry of Object.values(mapping)) {
      expect(entry[key]).toMatch(
        /^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:\d+$/,
      );
    }
  });

  it.each(Object.entries(secretReaders))(
    '%s caches secrets for 300 s and serves them on port 2773',
    (_, fn) => {
      expect(propsOf(fn).Environment.Variables).toMatchObject({
        PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true',
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
        SECRETS_MANAGER_TTL: '300',
        SECRETS_MANAGER_TIMEOUT_MILLIS: '5000',
      });
    },
  );

  it.each(Object.entries(secretReaders))('%s may read each secret its environment names', (_, fn) => {
    const variables = propsOf(fn).Environment.Variables as Record<string, Cfn>;
    const arns = Object.entries(variables)
      .filter(([name]) => name.endsWith('_SECRET_ARN'))
      .map(([, value]) => value);
    expect(arns.length).toBeGreaterThan(0);
    const readable = statementsOf(fn)
      .filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => [s.Resource].flat());
    for (const arn of arns) expect(readable).toContainEqual(arn);
  });

  it('only functions that read secrets get the layer (the CDK provider framework gets none)', () => {
    const withLayer = [...lambdas.values()].filter((r) => r.Properties.Layers).length;
    expect(withLayer).toBe(Object.keys(secretReaders).length);
    expect(readsSecrets({ QUEUE_URL: 'q' })).toBe(false);
    expect(readsSecrets(undefined)).toBe(false);
    expect(readsSecrets({ DATABASE_SECRET_ARN: 'arn' })).toBe(true);
  });
});
