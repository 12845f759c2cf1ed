import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadSettings, PLACEHOLDER_CLIENT_ID, SettingsError } from '../../infra/settings';
import { cdkJsonContext, synth } from './synth';

const context = (values: Record<string, unknown>) => ({
  tryGetContext: (key: string) => ({ ...cdkJsonContext, ...values })[key],
});

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';

describe('stage settings', () => {
  it('synth with no arguments is the dev stage from cdk.json', () => {
    const s = loadSettings(context({}));
    expect(s).toMatchObject({
      stage: 'dev',
      production: false,
      appOrigins: ['http://localhost:3000'],
      dbInstanceClass: 't4g.micro',
      deletionProtection: false,
      removalPolicy: 'destroy',
      natGateways: 1,
      workosClientId: PLACEHOLDER_CLIENT_ID,
    });
  });

  it('stage prod takes the production defaults', () => {
    const s = loadSettings(
      context({
        stage: 'prod',
        appOrigins: 'https://app.example.com',
        workosClientId: 'client_01ABC',
        alarmEmail: 'oncall@example.com',
      }),
    );
    expect(s).toMatchObject({
      production: true,
      dbMultiAz: true,
      deletionProtection: true,
      removalPolicy: 'snapshot',
      natGateways: 2,
      logRetentionDays: 90,
    });
  });

  it('a production stage refuses to synth without a real WorkOS client id or an alarm subscriber', () => {
    const prod = { stage: 'prod', appOrigins: 'https://app.example.com' };
    const failure = (values: Record<string, unknown>) => {
      try {
        loadSettings(context(values));
      } catch (error) {
        return error as SettingsError;
      }
      throw new Error('expected a SettingsError');
    };
    const neither = failure(prod);
    expect(neither.keys).toEqual(['workosClientId', 'alarmEmail']);
    expect(neither.message).toContain(
      'workosClientId is required in production: deploy with -c workosClientId=',
    );
    expect(neither.message).toContain('alarmEmail is required in production: alarms need a subscriber');
    expect(failure({ ...prod, workosClientId: 'client_01ABC' }).keys).toEqual(['alarmEmail']);
    expect(failure({ ...prod, alarmEmail: 'oncall@example.com' }).keys).toEqual(['workosClientId']);
    // Development stages still synth before WorkOS is set up.
    expect(loadSettings(context({})).workosClientId).toBe(PLACEHOLDER_CLIENT_ID);
  });

  it('command-line strings (-c key=value) override the stage block and are typed', () => {
    const s = loadSettings(
      context({
        appOrigins: 'https://a.example.com, https://b.example.com',
        dbMultiAz: 'true',
        natGateways: '2',
        workosClientId: 'client_01ABC',
        alarmEmail: 'ops@example.com',
      }),
    );
    expect(s.appOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(s.dbMultiAz).toBe(true);
    expect(s.natGateways).toBe(2);
    expect(s.workosClientId).toBe('client_01ABC');
    expect(s.alarmEmail).toBe('ops@example.com');
  });

  it('a stage block in cdk.json applies to its stage only', () => {
    const stages = { staging: { dbInstanceClass: 't4g.small', appOrigins: ['https://staging.example.com'] } };
    expect(loadSettings(context({ stage: 'staging', stages })).dbInstanceClass).toBe('t4g.small');
    expect(loadSettings(context({ stages })).dbInstanceClass).toBe('t4g.micro');
  });

  it.each([
    [{ appOrigins: 'https://app.example.com/path' }, 'appOrigins'],
    [{ appOrigins: 'app.example.com' }, 'appOrigins'],
    [{ dbInstanceClass: 'db.t4g.micro' }, 'dbInstanceClass'],
    [{ workosClientId: 'sk_test_123' }, 'workosClientId'],
    [{ apiDomainName: 'auth.example.com' }, 'certificateArn'],
    [{ logRetentionDays: '42' }, 'logRetentionDays'],
    [{ natGateways: '0' }, 'natGateways'],
    [{ removalPolicy: 'keep' }, 'removalPolicy'],
    [{ stage: 'Prod!' }, 'stage'],
    [
      {
        stage: 'prod',
        appOrigins: 'http://app.example.com',
        workosClientId: 'client_01ABC',
        alarmEmail: 'oncall@example.com',
      },
      'appOrigins',
    ],
    [
      { tenantBaseDomain: 'app.example.com', cookieDomain: '.example.com', certificateArn: CERT },
      'apiDomainName',
    ],
    [
      { tenantBaseDomain: 'app.example.com', apiDomainName: 'auth.example.com', certificateArn: CERT },
      'cookieDomain',
    ],
    [{ apiDomainName: 'auth.example.com', cookieDomain: '.other.com', certificateArn: CERT }, 'cookieDomain'],
  ])('rejects %j naming %s', (values, key) => {
    let error: unknown;
    try {
      loadSettings(context(values));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).keys).toContain(key);
    expect((error as SettingsError).message).toContain(key);
  });

  it('accepts subdomain tenancy when the cookie domain covers the API and tenant domains', () => {
    const s = loadSettings(
      context({
        apiDomainName: 'auth.example.com',
        tenantBaseDomain: 'app.example.com',
        cookieDomain: '.example.com',
        certificateArn: CERT,
      }),
    );
    expect(s.tenantBaseDomain).toBe('app.example.com');
  });

  it('synth warns while the WorkOS client id is the placeholder, and not once it is set', () => {
    const unset = synth();
    Annotations.fromStack(unset.stack).hasWarning('*', Match.stringLikeRegexp('workosClientId is not set'));
    const set = synth({ workosClientId: 'client_01ABC' });
    expect(
      Annotations.fromStack(set.stack).findWarning('*', Match.stringLikeRegexp('workosClientId')),
    ).toEqual([]);
  });
});
