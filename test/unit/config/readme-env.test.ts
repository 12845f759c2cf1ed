import { readFileSync } from 'node:fs';
import { schemas } from '@app/config';
import { describe, expect, it } from 'vitest';

describe('README environment table', () => {
  it('documents exactly the variables the config schema knows', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.split('## Environment variables')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\| `([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual(Object.keys(schemas).sort());
  });
});
