/**
 * The import rules of .dependency-cruiser.cjs bite: probe files that break them, added to a scratch
 * copy of src/ in a temp dir (never to the real tree, which other tests scan), are each reported by
 * depcruise run exactly as `npm run deps:check` runs it; and the real tree passes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

/** The arguments `npm run deps:check` gives depcruise (`src bench --config …`). */
const DEPS_CHECK_ARGS = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts['deps:check']
  .split(/\s+/)
  .slice(1);

/**
 * Runs depcruise in `cwd` as `npm run deps:check` does: its exit code (the number of errors) and the
 * violations it prints (`error <rule>: <from> → <to>`).
 */
function cruise(cwd: string): { status: number | null; violations: Violation[]; output: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, ...DEPS_CHECK_ARGS], { cwd, encoding: 'utf8' });
  const output = r.stdout + r.stderr;
  const violations = [...output.matchAll(/^\s*error (\S+): (\S+) → (.+)$/gm)].map((m) => ({
    rule: m[1],
    from: m[2],
    to: m[3],
  }));
  return { status: r.status, violations, output };
}

const PACKAGE = 'pure-modules-import-no-io-packages';
const BUILTIN = 'pure-modules-import-no-io-builtins';
const DEEP = 'no-deep-imports-across-modules';
const MIGRATION = 'migrations-import-no-application-code';
const BENCH = 'bench-imports-storage-through-its-index';
const WEB_ONLY = 'web-imports-only-the-overview-type-from-src';
const WEB_TYPES = 'web-takes-types-only-from-src';
const SRC_WEB = 'src-imports-no-web';

/**
 * Probes: a folder (under src/, or from the root when it starts with `/`), an import to add there
 * (`type:` first: a type-only import), and the rule that must report it (`null`: allowed).
 */
const PROBES: readonly (readonly [folder: string, spec: string, rule: string | null])[] = [
  ['ml', 'kysely', PACKAGE],
  ['ml', 'ioredis', PACKAGE],
  ['ml', 'fastify', PACKAGE],
  ['ml', 'node:fs', BUILTIN],
  // ml may import core, but only through core/index.ts
  ['ml', '../core/errors.js', DEEP],
  ['ml', '../core/index.js', null],
  ['data', 'mysql2/promise', PACKAGE],
  ['data', 'better-sqlite3', PACKAGE],
  ['data', '@fastify/cors', PACKAGE],
  // not installed: matched by its bare name
  ['data', 'bullmq', PACKAGE],
  ['core', 'ioredis/built/index.js', PACKAGE],
  ['core', 'fs', BUILTIN],
  ['core', 'node:fs/promises', BUILTIN],
  ['core', 'node:net', BUILTIN],
  ['core', 'node:http', BUILTIN],
  ['core', 'https', BUILTIN],
  ['core', 'node:child_process', BUILTIN],
  ['core', 'node:worker_threads', BUILTIN],
  ['core', 'node:dgram', BUILTIN],
  ['core', 'dns', BUILTIN],
  ['core', 'node:tls', BUILTIN],
  ['core', 'node:cluster', BUILTIN],
  // what pure modules may use
  ['data', 'node:crypto', null],
  ['data', 'typebox', null],
  // a sub-module's index is for its own module (ml/gbt may use ml/tree/index.ts), not for others
  ['services', '../ml/tree/index.js', DEEP],
  ['services', '../storage/db/open-storage.js', DEEP],
  ['services', '../ml/index.js', null],
  ['services', '../storage/index.js', null],
  ['ml', './tree/index.js', null],
  // services are not pure
  ['services', 'kysely', null],
  // interfaces/http and interfaces/cli are modules of their own: their index.ts is their entry
  ['main', '../interfaces/http/index.js', null],
  ['main', '../interfaces/http/build-app.js', DEEP],
  // a migration is frozen once released: Kysely only
  ['storage/db/migrations', '../../../core/index.js', MIGRATION],
  ['storage/db/migrations', 'kysely', null],
  // benchmarks use storage as any caller does
  ['/bench', '../src/storage/predictions/prediction-rows.js', BENCH],
  ['/bench', '../src/storage/index.js', null],
  // the dashboard shares the Overview's type with the server, and nothing else
  ['/web/src', 'type:../../src/services/dashboard/overview-types.js', null],
  ['/web/src', 'type:../../src/services/index.js', WEB_ONLY],
  ['/web/src', '../../src/services/dashboard/overview-types.js', WEB_TYPES],
  ['services', '../../web/src/api.js', SRC_WEB],
];

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sporeprint-depcruise-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the real src/, bench/ and web/ pass', () => {
    const r = cruise(ROOT);
    expect(r.violations, r.output).toEqual([]);
    expect(r.status, r.output).toBe(0);
  });

  it('reports every forbidden import of the probes, and nothing else', () => {
    cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'web'), join(dir, 'web'), { recursive: true });
    for (const f of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) {
      cpSync(join(ROOT, f), join(dir, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const expected: string[] = [];
    mkdirSync(join(dir, 'bench'));
    PROBES.forEach(([folder, spec, rule], i) => {
      // one import per file, so that a violation's source names the probe
      const file = `${folder.startsWith('/') ? folder.slice(1) : `src/${folder}`}/probe-${i}.ts`;
      const source = spec.startsWith('type:')
        ? `import type { Overview } from '${spec.slice(5)}';\nexport type Probe = Overview;\n`
        : `import '${spec}';\n`;
      writeFileSync(join(dir, file), source);
      if (rule !== null) expected.push(`${file} (${spec}): ${rule}`);
    });
    const r = cruise(dir);
    const found = r.violations.map((v) => {
      const probe = /probe-(\d+)\.ts$/.exec(v.from);
      return `${v.from} (${probe === null ? v.to : PROBES[Number(probe[1])][1]}): ${v.rule}`;
    });
    expect(found.sort()).toEqual(expected.sort());
    // the exit code of `npm run deps:check` is the number of errors
    expect(r.status, r.output).toBe(expected.length);
  });
});
