import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { repoRoot } from '../../infra/node-function';
import { buildApp } from '../../infra/stack';

/** The context block of cdk.json: tests see the stages `npm run synth` sees. */
export const cdkJsonContext = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8'))
  .context as Record<string, unknown>;

/**
 * Builds the app the way `cdk synth -c key=value` would, with bundling skipped (esbuild is not run,
 * so a stack takes well under a second), and returns the stack's template and cdk-nag's report.
 */
export function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context } });
  const built = buildApp(app);
  const nagReport = built.nag.validateScope(built.stack);
  // Template.fromStack would run the validation plugins and throw on findings; nag.test.ts owns those.
  const assembly = app.synth({ skipValidation: true });
  const template = Template.fromJSON(assembly.getStackByName(built.stack.stackName).template);
  return { ...built, template, nagReport };
}

/** Every house function of a synthesized stack by its folder name under functions/. */
export function houseFunctions(stack: ReturnType<typeof synth>['stack']) {
  const fns = stack.functions;
  return {
    auth: fns.auth,
    me: fns.me,
    organizations: fns.organizations,
    notifications: fns.notifications,
    webhook: fns.webhook,
    'sync-worker': fns.syncWorker,
    reconcile: fns.reconcile,
    backfill: fns.backfill,
    migrate: stack.migrations.function,
    notifier: stack.notifications.notifier,
  };
}

/** Synthesized CloudFormation: untyped JSON, asserted on shape by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type; the assertions check it.
export type Cfn = any;
export type Resource = { Type: string; Properties: Record<string, Cfn>; DependsOn?: string[] };

/** Resources of a type as [logicalId, resource] pairs. */
export function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

/** Logical id of a construct's CloudFormation resource. */
export function logicalId(
  construct: { node: { defaultChild?: unknown } } | unknown,
  stack: { getLogicalId(e: never): string },
) {
  const child = (construct as { node: { defaultChild?: unknown } }).node.defaultChild ?? construct;
  return stack.getLogicalId(child as never);
}
