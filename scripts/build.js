#!/usr/bin/env node
// @ts-check
/**
 * Compiles src/ into dist/ with `tsc -p tsconfig.build.json` (incremental: dist/.tsbuildinfo), and
 * records in dist/.build-stamp.json the newest modification time of the sources it compiled; then
 * builds the dashboard, web/, into dist/web with Vite, stamped the same way in dist/.web-build-stamp.json.
 *
 *   node scripts/build.js             build (what `npm run build` runs)
 *   node scripts/build.js --if-stale  build only what has a source newer than its last build (`npm start`,
 *                                     and `prepare`, which `npm install` and `npm ci` run)
 *
 * The sources are every file and folder under src/ (a folder's time changes when a file in it is
 * added, removed or renamed) and the two tsconfig files; the dashboard's are every file under web/ and
 * package-lock.json (its libraries are bundled). Without src/ (an installed package, or the Docker
 * image's dependency layer) there is nothing to build: a plain build says so, `--if-stale` does
 * nothing; the same for web/. A file removed from src/ leaves its old output in dist/, which nothing
 * imports; dist/web is emptied by each dashboard build.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The stamp a successful build leaves, relative to the package root. */
export const STAMP = join('dist', '.build-stamp.json');
/** The stamp a successful dashboard build leaves (outside dist/web, which each build empties). */
export const WEB_STAMP = join('dist', '.web-build-stamp.json');

const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];
const WEB_FILES = ['package-lock.json'];

/**
 * The newest modification time (ms) of `folder` under `root` with everything in it (node_modules
 * left out) and of `files`, or `null` when there is no such folder.
 * @param {string} root
 * @param {string} folder
 * @param {readonly string[]} files
 * @returns {number | null}
 */
function newestTime(root, folder, files) {
  const top = join(root, folder);
  if (!existsSync(top)) return null;
  let newest = 0;
  /** @param {string} dir */
  const walk = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(top);
  for (const f of files) {
    const path = join(root, f);
    if (existsSync(path)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The newest modification time (ms) of the sources under `root`, or `null` when there is no src/.
 * @param {string} root
 * @returns {number | null}
 */
export function newestSourceTime(root) {
  return newestTime(root, 'src', CONFIG_FILES);
}

/**
 * The newest modification time (ms) of the dashboard's sources, or `null` when there is no web/.
 * @param {string} root
 * @returns {number | null}
 */
export function newestWebSourceTime(root) {
  return newestTime(root, 'web', WEB_FILES);
}

/**
 * Why dist/ under `root` needs building, or `null` when it is up to date (or there is nothing to build).
 * @param {string} root
 * @returns {string | null}
 */
export function staleReason(root) {
  return stampReason(root, STAMP, newestSourceTime(root));
}

/**
 * Why dist/web needs building, or `null` when it is up to date (or there is no web/).
 * @param {string} root
 * @returns {string | null}
 */
export function staleWebReason(root) {
  const reason = stampReason(root, WEB_STAMP, newestWebSourceTime(root));
  if (reason !== null || newestWebSourceTime(root) === null) return reason;
  return existsSync(join(root, 'dist', 'web', 'index.html')) ? null : 'dist/web is missing';
}

/**
 * Why the output of sources last changed at `newest` needs building, judged by the stamp at `stamp`.
 * @param {string} root
 * @param {string} stampFile
 * @param {number | null} newest
 * @returns {string | null}
 */
function stampReason(root, stampFile, newest) {
  if (newest === null) return null;
  const stampPath = join(root, stampFile);
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
 * Runs a Node script (tsc, vite); SIGTERM or SIGINT to this process stops it too (and then this
 * process), so that stopping `npm start` while it builds leaves nothing running.
 * @param {string} root
 * @param {readonly string[]} args
 * @returns {Promise<number>}
 */
function runNode(root, args) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, {
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
  const code = await runNode(root, [tsc, '-p', 'tsconfig.build.json']);
  if (code === 0) {
    mkdirSync(join(root, 'dist'), { recursive: true });
    writeFileSync(join(root, STAMP), `${JSON.stringify({ sourceTimeMs: newest })}\n`);
  }
  return code === 0 ? buildWeb(root, { log }) : code;
}

/**
 * Builds the dashboard (web/) into dist/web with Vite and writes its stamp; resolves with Vite's exit
 * code (0 when there is no web/).
 * @param {string} root
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<number>}
 */
export async function buildWeb(root, options = {}) {
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  const newest = newestWebSourceTime(root);
  if (newest === null) return 0;
  let vite;
  try {
    // (vite's exports name its package.json, not its bin)
    vite = join(
      dirname(createRequire(join(root, 'package.json')).resolve('vite/package.json')),
      'bin',
      'vite.js',
    );
  } catch {
    log('sporeprint build: Vite is not installed (run `npm install`), cannot build the dashboard (web/)');
    return 1;
  }
  const code = await runNode(root, [vite, 'build', '--config', join('web', 'vite.config.ts')]);
  if (code === 0) writeFileSync(join(root, WEB_STAMP), `${JSON.stringify({ sourceTimeMs: newest })}\n`);
  return code;
}

/**
 * Builds src/ when {@link staleReason} gives a reason (and then the dashboard too), else the dashboard
 * alone when {@link staleWebReason} gives one; resolves with the exit code (0 when up to date).
 * @param {string} root
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<number>}
 */
export async function buildIfStale(root, options = {}) {
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  const reason = staleReason(root);
  if (reason !== null) {
    log(`sporeprint: compiling src/ into dist/ (${reason})…`);
    const code = await build(root, { log });
    if (code !== 0 || staleWebReason(root) === null) return code;
  }
  const webReason = staleWebReason(root);
  if (webReason === null) return 0;
  log(`sporeprint: building the dashboard (web/) into dist/web (${webReason})…`);
  return buildWeb(root, { log });
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  process.exitCode = await (process.argv.includes('--if-stale') ? buildIfStale(root) : build(root));
}
