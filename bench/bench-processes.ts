/**
 * What the API benchmarks share: child processes (servers started and stopped, commands run), wrk
 * runs parsed, the prepared database (`sporeprint start --no-serve`), row counters, CPU time and memory
 * of a process from /proc, and the MariaDB server's durability settings as found.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';

/** The package root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const wrkBin = '/usr/bin/wrk';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Peak and current resident set of a process, in MB (from /proc/<pid>/status). */
export function memoryOf(pid: number): { hwmMb: number; rssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { hwmMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/** Runs a command to completion, output collected (for the prepare step). */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          p.kill('SIGKILL');
        }, opts.timeoutMs)
      : null;
    p.on('error', rej);
    p.on('close', (code) => {
      if (timer) clearTimeout(timer);
      res({ code, out });
    });
  });
}

/** Child environment for sporeprint: only what the bench sets (no Redis, no config file). */
export function sporeprintEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', SPOREPRINT_LOG_LEVEL: 'silent', ...extra };
  delete env.SPOREPRINT_REDIS_URL;
  delete env.SPOREPRINT_CONFIG;
  delete env.SPOREPRINT_REQUIRE_KEY;
  delete env.SPOREPRINT_RATE_LIMIT;
  if (!('SPOREPRINT_LOG_MODE' in extra)) delete env.SPOREPRINT_LOG_MODE;
  return env;
}

export async function prepare(label: string, databaseUrl: string, varDir: string): Promise<number> {
  const t0 = performance.now();
  const r = await run(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'start', '--no-serve'], {
    cwd: root,
    env: sporeprintEnv({ DATABASE_URL: databaseUrl, SPOREPRINT_VAR_DIR: varDir }),
    timeoutMs: 15 * 60_000,
  });
  if (r.code !== 0) throw new Error(`prepare ${label} failed (exit ${r.code}):\n${r.out.slice(-3000)}`);
  const s = (performance.now() - t0) / 1000;
  console.log(`prepared ${label} in ${s.toFixed(1)} s (sporeprint start --no-serve)`);
  return s;
}

export interface Server {
  readonly name: string;
  readonly url: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly stopSignal: NodeJS.Signals;
  log: string;
}

/** Spawns a server and waits until `ready(output)` returns its URL. */
export function spawnServer(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; stopSignal: NodeJS.Signals; timeoutMs: number },
  ready: (output: string) => string | null | Promise<string | null>,
): Promise<Server> {
  return new Promise((res, rej) => {
    const proc = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    // the object handed out is this one: its `log` keeps following the output
    const server: { -readonly [K in keyof Server]: Server[K] } = {
      name,
      url: '',
      proc,
      pid: proc.pid ?? -1,
      stopSignal: opts.stopSignal,
      log: '',
    };
    let done = false;
    const finish = (err: Error | null, url?: string): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      if (err) {
        proc.kill('SIGKILL');
        rej(err);
      } else {
        server.url = url ?? '';
        res(server);
      }
    };
    const onData = (d: Buffer): void => {
      // keep only the tail: a long-running server's log is not needed
      server.log = (server.log + d.toString()).slice(-20_000);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('error', (e) => finish(e));
    proc.on('exit', (code) => finish(new Error(`${name} exited early (code ${code}):\n${server.log}`)));
    let checking = false;
    const poll = setInterval(() => {
      if (checking || done) return;
      checking = true;
      void Promise.resolve(ready(server.log))
        .then((url) => {
          if (url) finish(null, url);
        })
        .catch(() => {})
        .finally(() => {
          checking = false;
        });
    }, 100);
    const timer = setTimeout(
      () => finish(new Error(`${name} not ready in ${opts.timeoutMs / 1000} s:\n${server.log}`)),
      opts.timeoutMs,
    );
  });
}

export const listeningUrl = (out: string): string | null =>
  /listening on (http:\/\/\S+)/.exec(out)?.[1]?.replace(/\/$/, '') ?? null;

export async function stopServer(s: Server): Promise<number | null> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return s.proc.exitCode;
  const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
  s.proc.kill(s.stopSignal);
  const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    s.proc.kill('SIGKILL');
    return exited;
  }
  return code;
}

export interface WrkResult {
  readonly requestsPerSec: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly socketErrors: string | null;
  readonly raw: string;
}

export function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v);
  if (!m) return Number.NaN;
  const x = Number(m[1]);
  return m[2] === 'us' ? x / 1000 : m[2] === 'ms' ? x : m[2] === 's' ? x * 1000 : x * 60_000;
}

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? NaN);
  const lat = (pct: string): number => toMs(new RegExp(`\\s${pct}%\\s+([\\d.]+\\w+)`).exec(out)?.[1] ?? '');
  return {
    requestsPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50Ms: lat('50'),
    p99Ms: lat('99'),
    maxMs: toMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? ''),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: /Socket errors: (.*)/.exec(out)?.[1] ?? null,
    raw: out,
  };
}

/** `wrk -t<threads> -c<conns> -d<seconds>s --latency [-s lua] url`, parsed. */
export async function wrk(
  url: string,
  lua: string | null,
  seconds: number,
  load: { threads: number; conns: number } = { threads: 2, conns: 32 },
): Promise<WrkResult> {
  const args = [`-t${load.threads}`, `-c${load.conns}`, `-d${seconds}s`, '--latency'];
  if (lua) args.push('-s', lua);
  args.push(url);
  const r = await run(wrkBin, args, { timeoutMs: (seconds + 60) * 1000 });
  if (r.code !== 0) throw new Error(`wrk failed (exit ${r.code}): ${r.out}`);
  return parseWrk(r.out);
}

export type RowCounter = () => Promise<number>;

export function sqliteCounter(file: string, table = 'predictions'): RowCounter {
  return async () => {
    if (!existsSync(file)) return 0;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
}

export function mysqlCounter(url: string): RowCounter {
  return async () => {
    const c = await mysql.createConnection(url);
    try {
      const [rows] = await c.query('SELECT COUNT(*) AS n FROM predictions');
      return Number((rows as { n: number | string }[])[0].n);
    } finally {
      await c.end();
    }
  };
}

export async function dropMysqlDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  u.pathname = '/';
  const c = await mysql.createConnection(u.toString());
  try {
    await c.query(`DROP DATABASE IF EXISTS \`${db.replace(/`/g, '``')}\``);
  } finally {
    await c.end();
  }
}

/** `node dist/main/cli.js serve` on 127.0.0.1 (port 0: any free one), ready once it prints its URL. */
export function startSporeprint(
  name: string,
  env: Record<string, string>,
  opts: { port?: number; nodeArgs?: readonly string[] } = {},
): Promise<Server> {
  return spawnServer(
    name,
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      'dist/main/cli.js',
      'serve',
      '--port',
      String(opts.port ?? 0),
      '--host',
      '127.0.0.1',
    ],
    { cwd: root, env: sporeprintEnv(env), stopSignal: 'SIGTERM', timeoutMs: 120_000 },
    listeningUrl,
  );
}

/** The bare Fastify route (bench/bare-fastify.ts) in a child process: POST /bare. */
export function startBareFastify(): Promise<Server> {
  return spawnServer(
    'bare-fastify',
    process.execPath,
    ['--import', 'tsx', join(root, 'bench', 'bare-fastify.ts')],
    { cwd: root, env: process.env, stopSignal: 'SIGTERM', timeoutMs: 60_000 },
    listeningUrl,
  );
}

const FEATURES_NUMERIC = new Set(['cap-diameter', 'stem-height', 'stem-width']);

/** The first `n` rows of data/secondary_data.csv as objects keyed by feature name, missing cells omitted. */
export function secondaryRecords(n: number): Record<string, string | number>[] {
  const lines = readFileSync(join(root, 'data', 'secondary_data.csv'), 'utf8').split(/\r?\n/);
  const header = lines[0].split(';');
  const out: Record<string, string | number>[] = [];
  for (let i = 1; i < lines.length && out.length < n; i++) {
    if (lines[i] === '') continue;
    const cells = lines[i].split(';');
    const rec: Record<string, string | number> = {};
    header.forEach((h, j) => {
      if (h === 'class' || cells[j] === '' || cells[j] === undefined) return;
      rec[h] = FEATURES_NUMERIC.has(h) ? Number(cells[j]) : cells[j];
    });
    out.push(rec);
  }
  return out;
}

/** A wrk script POSTing `bodies` as JSON, one after another (each wrk thread from the first). */
export function postBodiesLua(bodies: readonly string[]): string {
  return [
    'wrk.method = "POST"',
    'wrk.headers["Content-Type"] = "application/json"',
    'local bodies = {',
    ...bodies.map((b) => `  [==[${b}]==],`),
    '}',
    'local i = 0',
    'request = function()',
    '  i = i % #bodies + 1',
    '  return wrk.format(nil, nil, nil, bodies[i])',
    'end',
    '',
  ].join('\n');
}

/** A wrk script POSTing `body` as JSON. */
export function postLua(body: string): string {
  return [
    'wrk.method = "POST"',
    'wrk.headers["Content-Type"] = "application/json"',
    `wrk.body = [==[${body}]==]`,
    '',
  ].join('\n');
}

/** CPU time (user + system, all threads) a process has used so far, in seconds; null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    // the fields after the command name, which may hold spaces: utime and stime are the 12th and 13th
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Busy and total CPU time of the whole machine so far, in seconds (from /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3] + (cpu[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** The pid of the process listening on TCP `port` of this machine (via `ss`), or null. */
export async function listenerPid(port: number): Promise<number | null> {
  const r = await run('ss', ['-Hltnp', `sport = :${port}`]).catch(() => null);
  const m = r === null ? null : /pid=(\d+)/.exec(r.out);
  return m ? Number(m[1]) : null;
}

/** The MariaDB/MySQL server's version and the settings that decide what a commit costs, as found. */
export async function mysqlSettings(url: string): Promise<Record<string, string>> {
  const c = await mysql.createConnection(url);
  try {
    const [rows] = await c.query(
      "show variables where variable_name in ('version', 'innodb_flush_log_at_trx_commit', 'sync_binlog', 'log_bin', 'innodb_flush_method', 'innodb_doublewrite', 'innodb_buffer_pool_size', 'innodb_log_file_size', 'thread_handling')",
    );
    return Object.fromEntries(
      (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]),
    );
  } finally {
    await c.end();
  }
}
