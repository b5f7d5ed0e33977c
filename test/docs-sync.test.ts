import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../src/config/index.js';
import { ERROR_CATALOGUE } from '../src/core/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');

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
});
