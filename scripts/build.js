#!/usr/bin/env node
// @ts-check
/**
 * Compiles src/ into dist/ with `tsc -p tsconfig.build.json` (incremental: dist/.tsbuildinfo), and
 * records in dist/.build-stamp.json the newest modification time of the sources it compiled.
 *
 *   node scripts/build.js             build (what `npm run build` runs)
 *   node scripts/build.js --if-stale  build only when a source is newer than the last build (`npm start`,
 *                                     and `prepare`, which `npm install` and `npm ci` run)
 *
 * The sources are every file and folder under src/ (a folder's time changes when a file in it is
 * added, removed or renamed) and the two tsconfig files. Without src/ (an installed package, or the
 * Docker image's dependency layer) there is nothing to build: a plain build says so, `--if-stale`
 * does nothing. A file removed from src/ leaves its old output in dist/, which nothing imports.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The stamp a successful build leaves, relative to the package root. */
export const STAMP = join('dist', '.build-stamp.json');

const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/**
 * The newest modification time (ms) of the sources under `root`, or `null` when there is no src/.
 * @param {string} root
 * @returns {number | null}
 */
export function newestSourceTime(root) {
  const src = join(root, 'src');
  if (!existsSync(src)) return null;
  let newest = 0;
  /** @param {string} dir */
  const walk = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(src);
  for (const f of CONFIG_FILES) {
    const path = join(root, f);
    if (existsSync(path)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Why dist/ under `root` needs building, or `null` when it is up to date (or there is nothing to build).
 * @param {string} root
 * @returns {string | null}
 */
export function staleReason(root) {
  const newest = newestSourceTime(root);
  if (newest === null) return null;
  const stampPath = join(root, STAMP);
  if (!existsSync(stampPath)) return 'no build yet';
  /** @type {{ sourceTimeMs?: unknown }} */
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    return 'unreadable build stamp';
  }
  if (typeof stamp.sourceTimeMs !== 'number') return 'unreadable build stamp';
  return newest > stamp.sourceTimeMs ? 'sources changed since the last build' : null;
}

/**
 * Runs tsc; SIGTERM or SIGINT to this process stops it too (and then this process), so that stopping
 * `npm start` while it compiles leaves nothing running.
 * @param {string} root
 * @param {string} tsc
 * @returns {Promise<number>}
 */
function runTsc(root, tsc) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
    /** @type {NodeJS.Signals | null} */
    let stoppedBy = null;
    /** @param {NodeJS.Signals} signal */
    const forward = (signal) => {
      stoppedBy = signal;
      child.kill(signal);
    };
    process.on('SIGTERM', forward);
    process.on('SIGINT', forward);
    const done = (/** @type {number} */ code) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', forward);
      resolvePromise(code);
    };
    child.on('error', () => done(1));
    child.on('exit', (code) => done(stoppedBy === null ? (code ?? 1) : stoppedBy === 'SIGINT' ? 130 : 143));
  });
}

/**
 * Compiles `root`'s src/ into dist/ and writes the stamp; resolves with tsc's exit code (0 when
 * there is no src/).
 * @param {string} root
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<number>}
 */
export async function build(root, options = {}) {
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  // Measured before compiling: a source saved during the build is newer, so the next start rebuilds.
  const newest = newestSourceTime(root);
  if (newest === null) {
    log('sporeprint build: no src/ folder here, nothing to compile');
    return 0;
  }
  let tsc;
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    log('sporeprint build: TypeScript is not installed (run `npm install`), cannot compile src/');
    return 1;
  }
  const code = await runTsc(root, tsc);
  if (code === 0) {
    mkdirSync(join(root, 'dist'), { recursive: true });
    writeFileSync(join(root, STAMP), `${JSON.stringify({ sourceTimeMs: newest })}\n`);
  }
  return code;
}

/**
 * Builds when {@link staleReason} gives a reason; resolves with the exit code (0 when up to date).
 * @param {string} root
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<number>}
 */
export async function buildIfStale(root, options = {}) {
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  const reason = staleReason(root);
  if (reason === null) return 0;
  log(`sporeprint: compiling src/ into dist/ (${reason})…`);
  return build(root, { log });
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  process.exitCode = await (process.argv.includes('--if-stale') ? buildIfStale(root) : build(root));
}
