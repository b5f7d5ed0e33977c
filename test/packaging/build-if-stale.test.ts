import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * scripts/build.js, which `npm start` and `prepare` run, on a one-file project laid out like this one:
 * it compiles when there is no build or a source is newer than the last build, and only then.
 */
describe('build only when sources changed (scripts/build.js --if-stale)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sporeprint-build-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'build.js'), join(dir, 'scripts', 'build.js'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tiny', type: 'module' }));
  copyFileSync(join(ROOT, 'tsconfig.build.json'), join(dir, 'tsconfig.build.json'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2022'],
        types: [],
        skipLibCheck: true,
      },
    }),
  );
  const source = (path: string, text: string) => {
    mkdirSync(join(dir, 'src', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'src', path), text);
  };
  const ifStale = () => {
    const r = spawnSync(process.execPath, ['scripts/build.js', '--if-stale'], { cwd: dir, encoding: 'utf8' });
    return { code: r.status, output: r.stdout + r.stderr };
  };
  const built = (path: string) => readFileSync(join(dir, 'dist', path), 'utf8');
  /** Sets a file's times `seconds` from now (the future: newer than any build). */
  const touch = (path: string, seconds: number) => {
    const t = new Date(Date.now() + seconds * 1000);
    utimesSync(join(dir, path), t, t);
  };

  it('without src/ there is nothing to build, and it says so', () => {
    const r = ifStale();
    expect(r).toEqual({ code: 0, output: '' }); // nothing stale when there is nothing to build
    const always = spawnSync(process.execPath, ['scripts/build.js'], { cwd: dir, encoding: 'utf8' });
    expect(always.status).toBe(0);
    expect(always.stderr).toContain('no src/ folder here, nothing to compile');
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  it('builds the first time, not again while nothing changed, and again when a source is newer', () => {
    source('a.ts', 'export const a: number = 1;\n');
    const first = ifStale();
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('compiling src/ into dist/ (no build yet)');
    expect(built('a.js')).toContain('export const a = 1;');
    expect(existsSync(join(dir, 'dist', '.tsbuildinfo'))).toBe(true); // incremental

    const stampTime = statSync(join(dir, 'dist', '.build-stamp.json')).mtimeMs;
    const again = ifStale();
    expect(again).toEqual({ code: 0, output: '' });
    expect(statSync(join(dir, 'dist', '.build-stamp.json')).mtimeMs).toBe(stampTime);

    source('a.ts', 'export const a: number = 2;\n');
    touch('src/a.ts', 5);
    const edited = ifStale();
    expect(edited.output).toContain('(sources changed since the last build)');
    expect(built('a.js')).toContain('export const a = 2;');
    expect(ifStale().output).toBe('');

    // A new file in a new folder: the folder's time changed.
    source('sub/b.ts', 'export const b = 3;\n');
    touch('src/sub', 10);
    touch('src/sub/b.ts', -3600);
    expect(ifStale().output).toContain('sources changed');
    expect(built('sub/b.js')).toContain('export const b = 3;');

    // The build configuration counts as a source.
    touch('tsconfig.build.json', 15);
    expect(ifStale().output).toContain('sources changed');
    expect(ifStale().output).toBe('');

    // A lost or damaged stamp means: build.
    unlinkSync(join(dir, 'dist', '.build-stamp.json'));
    expect(ifStale().output).toContain('(no build yet)');
    writeFileSync(join(dir, 'dist', '.build-stamp.json'), '{');
    expect(ifStale().output).toContain('(unreadable build stamp)');
    expect(ifStale().output).toBe('');
  });

  it('a compile error fails with tsc exit code and leaves the build stale', () => {
    source('a.ts', 'export const a: number = "not a number";\n');
    touch('src/a.ts', 20);
    const r = ifStale();
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("Type 'string' is not assignable to type 'number'");
    expect(ifStale().output).toContain('sources changed'); // tried again next time
  });

  it('builds the dashboard (web/) into dist/web the same way: once, again only when a web source is newer', () => {
    source('a.ts', 'export const a: number = 3;\n');
    touch('src/a.ts', 25);
    const web = (path: string, text: string) => {
      mkdirSync(join(dir, 'web', path, '..'), { recursive: true });
      writeFileSync(join(dir, 'web', path), text);
    };
    web(
      'vite.config.ts',
      "import { fileURLToPath } from 'node:url';\n" +
        "export default { root: fileURLToPath(new URL('.', import.meta.url)), base: '/ui/', logLevel: 'warn',\n" +
        "  build: { outDir: fileURLToPath(new URL('../dist/web', import.meta.url)), emptyOutDir: true } };\n",
    );
    web('index.html', '<!doctype html><title>t</title><script type="module" src="/main.ts"></script>\n');
    web('main.ts', "document.title = 'built';\n");
    const first = ifStale();
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('compiling src/ into dist/');
    expect(built('web/index.html')).toMatch(/src="\/ui\/assets\/index-[\w-]+\.js"/);
    expect(ifStale()).toEqual({ code: 0, output: '' });

    web('main.ts', "document.title = 'rebuilt';\n");
    touch('web/main.ts', 30);
    const edited = ifStale();
    expect(edited.output).toContain(
      'building the dashboard (web/) into dist/web (sources changed since the last build)',
    );
    expect(edited.output).not.toContain('compiling src/');
    expect(ifStale().output).toBe('');

    rmSync(join(dir, 'dist', 'web'), { recursive: true });
    expect(ifStale().output).toContain('(dist/web is missing)');
    expect(existsSync(join(dir, 'dist', 'web', 'index.html'))).toBe(true);

    web('main.ts', 'const broken: = 1;\n');
    touch('web/main.ts', 35);
    const failed = ifStale();
    expect(failed.code).not.toBe(0);
    expect(ifStale().output).toContain('building the dashboard'); // tried again next time
  });
});
