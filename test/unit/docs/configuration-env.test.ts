import { readFileSync } from 'node:fs';
import { schemas } from '@app/config';
import { describe, expect, it } from 'vitest';

describe('docs/configuration.md environment table', () => {
  it('documents exactly the variables the config schema knows', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual(Object.keys(schemas).sort());
  });
});
