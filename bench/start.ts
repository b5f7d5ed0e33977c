/**
 * `npm start` benchmark (issue 14: a second start was 18 s because it compiled every time; target:
 * ready in under 3 s when nothing changed). Prints, as medians of BENCH_REPS runs (default 5):
 *
 *   1. `npm start` with dist/ up to date: from spawning npm to the "listening on" line;
 *   2. `node dist/main/cli.js start` alone (the floor: the process without npm and the build check);
 *   3. `node scripts/build.js --if-stale` alone when nothing changed (the check `npm start` adds);
 *   4. `npm start` after one source file was touched (an incremental rebuild), once;
 *   5. `npm run build` from an empty dist/ (a full build), once.
 *
 *   npm run bench:start
 *   BENCH_REPS=3 npm run bench:start
 *
 * The database is prepared once in a temp dir through the CLI (ETL of the classic data, a decision
 * tree trained, registered and promoted) so that `start` reuses its Production model, as a second
 * start does. Every started server is stopped with SIGTERM to npm, as a process manager does. The
 * load average is printed: on a busy machine the figures grow, 1 and 2 alike.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPS = Number(process.env.BENCH_REPS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'sporeprint-bench-start-'));
const env = {
  ...process.env,
  CI: 'true',
  DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
  SPOREPRINT_VAR_DIR: dir,
  SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
  SPOREPRINT_PORT: '0',
};

function cli(...args: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`sporeprint ${args.join(' ')} failed: ${r.stderr}`);
}

/** Seconds from spawning `command` to its "listening on" line; then SIGTERM and wait for its exit. */
function timeToListen(command: string, args: string[]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let ready = 0;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready === 0 && /listening on http/.test(out)) {
        ready = (performance.now() - t0) / 1000;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => (ready > 0 ? resolvePromise(ready) : reject(new Error(`no listen: ${out}`))));
  });
}

function timeCommand(command: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: root, env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}`);
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s: number) => `${s.toFixed(2)} s`;

async function main(): Promise<void> {
  process.stdout.write(`preparing a database in ${dir} …\n`);
  cli('etl', '--source', join(root, 'data', 'agaricus-lepiota.data'));
  cli('train', '--models', 'dt', '--register');
  cli('models', 'promote', 'sporeprint-classic', '1', '--reason', 'bench');
  timeCommand('npm', ['run', 'prepare', '--silent']); // build once if stale
  const load = loadavg()[0];
  const npmStart: number[] = [];
  const direct: number[] = [];
  const check: number[] = [];
  for (let i = 0; i < REPS; i++) {
    npmStart.push(await timeToListen('npm', ['start']));
    direct.push(await timeToListen(process.execPath, ['dist/main/cli.js', 'start']));
    check.push(timeCommand(process.execPath, ['scripts/build.js', '--if-stale']));
  }
  const t = new Date();
  utimesSync(join(root, 'src', 'main', 'cli.ts'), t, t);
  const afterEdit = await timeToListen('npm', ['start']);
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const full = timeCommand('npm', ['run', 'build', '--silent']);
  const rows: [string, string, string][] = [
    ['npm start, nothing changed (target < 3 s)', fmt(median(npmStart)), npmStart.map(fmt).join(', ')],
    ['node dist/main/cli.js start (floor)', fmt(median(direct)), direct.map(fmt).join(', ')],
    ['build check alone (scripts/build.js --if-stale)', fmt(median(check)), check.map(fmt).join(', ')],
    ['npm start after touching src/main/cli.ts', fmt(afterEdit), ''],
    ['npm run build from an empty dist/', fmt(full), ''],
  ];
  process.stdout.write(`\nload average (1 min) at start: ${load.toFixed(2)}; ${REPS} runs each\n`);
  for (const [what, value, all] of rows)
    process.stdout.write(`${what.padEnd(52)} ${value.padStart(8)}   ${all}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
