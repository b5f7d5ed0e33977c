import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../src/config/index.js';
import { ERROR_CATALOGUE } from '../src/core/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...filesUnder(rel));
    else if (rel.endsWith('.ts') && !rel.includes('__tests__')) out.push(rel);
  }
  return out;
}

describe('docs stay in sync with the code', () => {
  it('docs/errors.md lists exactly the error catalogue', () => {
    const documented = [...read('docs/errors.md').matchAll(/^\| `(SP_ERR_[A-Z_]+)` /gm)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(Object.keys(ERROR_CATALOGUE)));
    expect(documented.length).toBe(Object.keys(ERROR_CATALOGUE).length);
  });

  it('the README documents every configuration variable', () => {
    const readme = read('README.md');
    for (const name of [...Object.keys(ENV_VARS), 'SPOREPRINT_CONFIG'])
      expect(readme).toContain(`\`${name}\``);
  });

  it('pure modules never read the process environment', () => {
    const pure = ['src/core', 'src/data', 'src/ml'].flatMap((d) => filesUnder(d));
    expect(pure.length).toBeGreaterThan(5);
    for (const f of pure) expect(read(f), f).not.toMatch(/process\.env/);
  });
});
