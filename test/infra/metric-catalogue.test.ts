import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/node-function';
import { type MetricName, metricCatalogue } from '../../packages/telemetry/src/catalogue';
import { type Cfn, resources, synth } from './synth';

/** Source files that run in the functions (no tests, no infra, not the catalogue itself). */
function runtimeSources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (name === 'node_modules') continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ts$/.test(name) && !/\.test\.ts$/.test(name) && !full.endsWith('catalogue.ts'))
        files.push(full);
    }
  };
  walk(path.join(repoRoot, 'packages'));
  walk(path.join(repoRoot, 'functions'));
  return files;
}

/** The app's own metric names an alarm reads: metric stats in its namespace and Metrics Insights queries. */
function metricsAlarmsRead(template: ReturnType<typeof synth>['template'], namespace: string): string[] {
  const names = new Set<string>();
  for (const [, alarm] of resources(template, 'AWS::CloudWatch::Alarm')) {
    const p = alarm.Properties;
    if (p.Namespace === namespace) names.add(p.MetricName);
    for (const m of (p.Metrics ?? []) as Cfn[]) {
      if (m.MetricStat?.Metric?.Namespace === namespace) names.add(m.MetricStat.Metric.MetricName);
      const query = /^SELECT \w+\((\w+)\) FROM "([^"]+)"/.exec(m.Expression ?? '');
      if (query?.[2] === namespace) names.add(query[1]!);
    }
  }
  return [...names].sort();
}

describe('metric catalogue', () => {
  const { template } = synth();
  const namespace = 'WorkOSAuth/dev';
  const sources = runtimeSources().map((file) => readFileSync(file, 'utf8'));
  const filters = resources(template, 'AWS::Logs::MetricFilter').flatMap(([, f]) =>
    (f.Properties.MetricTransformations as Cfn[]).map((t) => t.MetricName as string),
  );

  /** Names no source file emits (a quoted name, or a worker counter key `Name|...`) and no metric filter counts. */
  const notEmitted = (names: string[]) =>
    names.filter(
      (name) =>
        !filters.includes(name) &&
        !sources.some((text) => [`'${name}'`, `'${name}|`, `\`${name}|`].some((form) => text.includes(form))),
    );

  it('every metric an alarm reads is in the catalogue and something emits it', () => {
    const read = metricsAlarmsRead(template, namespace);
    expect(read.length).toBeGreaterThanOrEqual(5);
    for (const name of read) expect(Object.keys(metricCatalogue), name).toContain(name);
    expect(notEmitted(read)).toEqual([]);
  });

  it('every catalogued metric is emitted by the code or a metric filter (no dead names)', () => {
    expect(notEmitted(Object.keys(metricCatalogue) as MetricName[])).toEqual([]);
  });

  it('really checks: a metric nobody emits is reported', () => {
    expect(notEmitted(['WebhookAccepted', 'NobodyEmitsThis'])).toEqual(['NobodyEmitsThis']);
  });
});
