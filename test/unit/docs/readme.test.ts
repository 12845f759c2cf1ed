import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** `packages/x/src/y.ts`, `infra/`, `docs/api.md`: code spans that name a file or folder of the repository. */
const namedPaths = (markdown: string) => {
  const spans = [...markdown.matchAll(/`([^`\s]+)`/g)].map((m) => m[1] ?? '');
  const links = [...markdown.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? '');
  const topLevel = /^(infra|functions|packages|migrations|test|bench|docs)\//;
  return [
    ...new Set([...spans.filter((s) => topLevel.test(s)), ...links.filter((l) => !/^[a-z]+:/.test(l))]),
  ];
};

describe('README', () => {
  it('is a front door: under 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThan(200);
  });

  it('names only paths that exist (code map, links, layout)', () => {
    const paths = namedPaths(readme);
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !existsSync(path.join(root, p)))).toEqual([]);
  });

  it('has a code map entry for each thing a newcomer looks for first', () => {
    const map = readme.split('## Where is X')[1]?.split('\n## ')[0] ?? '';
    for (const topic of [
      'session cookie verified',
      'webhook',
      'event applied',
      'route declared',
      'alarm defined',
    ]) {
      expect(map).toContain(topic);
    }
  });
});
