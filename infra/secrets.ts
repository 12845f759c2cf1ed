import type { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** What ops paste into the WorkOS secret after the first deploy (see docs/first-deploy.md). */
export const WORKOS_SECRET_PLACEHOLDER = 'REPLACE_ME';

/**
 * The WorkOS secret: one JSON document holding WORKOS_API_KEY, WORKOS_WEBHOOK_SECRET and
 * SESSION_SECRET, the keys resolveSecrets (packages/config) copies into the environment at cold start.
 * CloudFormation generates SESSION_SECRET (64 characters) on create and never touches the value again,
 * so values set by ops survive later deploys.
 */
export class AppSecrets extends Construct {
  readonly workos: Secret;

  constructor(scope: Construct, id: string, props: { stage: string; removalPolicy: RemovalPolicy }) {
    super(scope, id);
    this.workos = new Secret(this, 'WorkOS', {
      description: `WorkOS API key, webhook secret and session cookie password (${props.stage})`,
      removalPolicy: props.removalPolicy,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          WORKOS_API_KEY: WORKOS_SECRET_PLACEHOLDER,
          WORKOS_WEBHOOK_SECRET: WORKOS_SECRET_PLACEHOLDER,
        }),
        generateStringKey: 'SESSION_SECRET',
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
  }
}
