import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareServingDatabase } from '../helpers/serving-setup.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every process descending from `pid` (children, grandchildren, …). */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const walk = (parent: number) => {
    for (const [p, pp] of table)
      if (pp === parent) {
        out.push(p);
        walk(p);
      }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface NpmStart {
  readonly npm: ChildProcess;
  readonly url: string;
  output(): string;
  /** How npm ended: `code 0`, or (after a Ctrl-C, at times) by the `SIGINT` it received itself. */
  readonly exited: Promise<string>;
}

/**
 * Runs `npm start` as a user or a process manager does (its own process group, like a terminal's
 * foreground job) and resolves once the server prints its URL.
 */
function npmStart(env: Record<string, string>): Promise<NpmStart> {
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise<string>((resolve) =>
    npm.on('exit', (code, signal) => resolve(signal ?? `code ${code}`)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen: ${output}`)), 240_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = output.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ npm, url: m[1], output: () => output, exited });
      }
    };
    npm.stdout.on('data', onData);
    npm.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited early (${code}): ${output}`));
    });
  });
}

async function portClosed(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health/live`);
    return false;
  } catch {
    return true;
  }
}

/** `npm start` stops completely and gracefully, whether a process manager or Ctrl-C stops it. */
describe('npm start', () => {
  let env: Record<string, string>;
  let cleanup = () => {};
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sporeprint-npm-start-'));
    const databaseUrl = `sqlite:${join(dir, 'db.sqlite')}`;
    const prepared = await prepareServingDatabase(databaseUrl);
    env = {
      DATABASE_URL: databaseUrl,
      SPOREPRINT_VAR_DIR: prepared.varDir,
      SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
      SPOREPRINT_PORT: '0',
      // stopped at once on SIGTERM (the drain is tested in test/http/drain.test.ts)
      SPOREPRINT_DRAIN_SECONDS: '0',
    };
    cleanup = () => {
      prepared.cleanup();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  afterAll(() => {
    // Whatever a failed test left in a start's process group (npm, sh, node) goes.
    for (const c of started) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // the group is gone: nothing left
      }
    }
    cleanup();
  });

  for (const [how, stop, npmExit] of [
    [
      'SIGTERM to the npm process only (a process manager)',
      (npm: ChildProcess) => npm.kill('SIGTERM'),
      ['code 0'],
    ],
    [
      'SIGINT to the process group (Ctrl-C)',
      (npm: ChildProcess) => process.kill(-npm.pid!, 'SIGINT'),
      // npm exits 0 once its script did, or, at times, by the SIGINT it received itself
      ['code 0', 'SIGINT'],
    ],
  ] as const) {
    it(`${how}: the server stops gracefully and nothing keeps running`, async () => {
      const s = await npmStart(env);
      started.push(s.npm);
      const children = descendants(s.npm.pid!);
      expect(children.length).toBeGreaterThan(0);
      expect((await fetch(`${s.url}/health/live`)).status).toBe(200);
      stop(s.npm);
      const exit = await s.exited;
      expect(s.output()).toMatch(
        /SIG(TERM|INT): stopping \(finishing in-flight requests, flushing the prediction log\)…\n(?:(?!SIG).*\n)*?stopped\n/, // access log lines may come between
      );
      expect(s.output()).not.toContain('exiting without finishing'); // a Ctrl-C arrives twice: one stop
      expect(npmExit).toContain(exit);
      expect(await portClosed(s.url)).toBe(true);
      for (const pid of children) expect(alive(pid), `process ${pid} still runs`).toBe(false);
    });
  }

  it('a start with unchanged sources does not compile again', async () => {
    const stamp = join(ROOT, 'dist', '.build-stamp.json');
    const before = statSync(stamp).mtimeMs; // the starts above built, if anything was stale
    const s = await npmStart(env);
    started.push(s.npm);
    expect(s.output()).not.toContain('compiling src/');
    expect(statSync(stamp).mtimeMs).toBe(before);
    s.npm.kill('SIGTERM');
    expect(await s.exited).toBe('code 0');
  });
});
