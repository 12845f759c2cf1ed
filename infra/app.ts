import { buildApp } from './stack';

/**
 * `cdk synth` / `cdk deploy` entry (cdk.json). Stage settings come from context (cdk.json and
 * `-c key=value`, see docs/deploy.md); the stack is environment-agnostic, so synth needs no AWS
 * credentials. cdk-nag AwsSolutions checks every synth: an unacknowledged finding fails it.
 */
buildApp();
