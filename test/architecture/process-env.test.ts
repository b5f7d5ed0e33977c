import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The source files under `dir` (unit tests, which may read test settings, left out). */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__tests__') out.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** `process.env`, `process['env']`, or `env` imported from `node:process`. */
const READS_ENV =
  /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\benv\b[^;]*\bfrom\s+['"](node:)?process['"]/;

describe('configuration is read once, at the edge (DESIGN.md convention 13)', () => {
  it('only src/config and src/main read the process environment', () => {
    const files = sourceFiles(join(ROOT, 'src')).map((f) => relative(ROOT, f).split('\\').join('/'));
    expect(files.length).toBeGreaterThan(100);
    const readers = files.filter((f) => READS_ENV.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(readers.filter((f) => !/^src\/(config|main)\//.test(f))).toEqual([]);
    // the check sees what it is meant to: the composition root does read the environment
    expect(readers).toContain('src/main/cli.ts');
  });
});
