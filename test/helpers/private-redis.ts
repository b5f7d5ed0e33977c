import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';

/** A `redis-server` this test started and may stop and restart on the same port. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: like a crash) and resolves once it has exited; the port stays reserved. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence) and resolves once it answers. */
  restart(): Promise<void>;
  /** Kills the server and gives its port back (the caller's afterAll must, whatever happened). */
  dispose(): Promise<void>;
}

/** True when a `redis-server` binary is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * True when `redis-server` is on the PATH; otherwise registers a visible skipped `suite` and returns
 * false (or throws when SPOREPRINT_REQUIRE_SERVICES is set, as in CI).
 */
export function redisServerFor(suite: string): boolean {
  if (hasRedisServer()) return true;
  if (process.env.SPOREPRINT_REQUIRE_SERVICES) {
    throw new Error('SPOREPRINT_REQUIRE_SERVICES is set but redis-server is not on the PATH');
  }
  console.warn(`redis-server not on the PATH: ${suite} skipped`);
  describe.skip(`${suite} (redis-server not on the PATH)`, () => {
    it('needs a redis-server binary', () => {});
  });
  return false;
}

/**
 * The ports private servers may use: SPOREPRINT_TEST_REDIS_PORTS (`first-last`), default 6391-6399.
 * Each server takes the first port of the range nothing listens on.
 */
function portRange(): number[] {
  const m = /^(\d+)-(\d+)$/.exec(process.env.SPOREPRINT_TEST_REDIS_PORTS ?? '6391-6399');
  if (!m) throw new Error('SPOREPRINT_TEST_REDIS_PORTS must look like 6391-6399');
  const out: number[] = [];
  for (let p = Number(m[1]); p <= Number(m[2]); p++) out.push(p);
  return out;
}

/** Resolves true when something accepts a TCP connection on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Spawns redis-server on `port`; resolves once it answers PING, rejects when it exits first. */
async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited: ${output.slice(-500)}`);
    }
    if (/Ready to accept connections/.test(output)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not start within 30 s: ${output.slice(-500)}`);
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const lockPath = (port: number) => join(tmpdir(), `sporeprint-test-redis-${port}.lock`);

/** True when the process `pid` is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reserves `port` for this process with a lock file holding its pid (a lock of a dead process is
 * taken over): a server stopped on purpose keeps its port until `dispose()`, so another test file
 * looking for a free port never takes it meanwhile.
 */
function reserve(port: number): boolean {
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(lockPath(port), 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(lockPath(port), 'utf8'));
      if (alive(owner)) return false;
      unlinkSync(lockPath(port));
    }
  }
  return false;
}

function release(port: number): void {
  try {
    unlinkSync(lockPath(port));
  } catch {
    // already gone
  }
}

/**
 * Starts a private `redis-server` (no persistence) on a free port of the test range, reserved for
 * this process until `dispose()`.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  for (const port of portRange()) {
    if (!reserve(port)) continue;
    if (await listening(port)) {
      release(port);
      continue;
    }
    let child: ChildProcess;
    try {
      child = await spawnRedis(port);
    } catch {
      release(port);
      continue;
    }
    process.once('exit', () => release(port));
    return {
      port,
      url: `redis://127.0.0.1:${port}`,
      stop: () => killAndWait(child),
      restart: async () => {
        await killAndWait(child);
        child = await spawnRedis(port);
      },
      dispose: async () => {
        await killAndWait(child);
        release(port);
      },
    };
  }
  throw new Error(`no free port for a private redis-server in ${portRange().join(',')}`);
}
