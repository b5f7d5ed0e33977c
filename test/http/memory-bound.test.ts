import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'sporeprint-classic';
const MB = 1024 * 1024;

/** A field of /proc/<pid>/status, in MB (VmRSS, VmHWM). */
function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Resets the peak RSS (VmHWM) of a process to its current RSS (Linux: clear_refs 5). */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * The memory bound of the README's Security section, measured: the real server runs as a child
 * process and gets the worst requests the limits allow, one at a time; its peak RSS (VmHWM) for each
 * stays under the stated bound and it answers afterwards. Linux only (/proc).
 */
describe('memory per request is bounded (child process, peak RSS)', () => {
  const backend = sqliteBackend();
  let child: ChildProcess;
  let url: string;
  let cleanup: () => void;
  let log = '';
  const peaks: Record<string, number> = {};
  let baseline = 0;

  beforeAll(async () => {
    const dbUrl = backend.freshUrl();
    const prepared = await prepareServingDatabase(dbUrl);
    cleanup = prepared.cleanup;
    const storage = await openStorage(dbUrl);
    const key = (await storage.apiKeys.create({ name: 'mem', role: 'predict' })).secret;
    await storage.close();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'serve', '--port', '0'], {
      cwd: ROOT,
      env: {
        ...process.env,
        CI: 'true',
        DATABASE_URL: dbUrl,
        SPOREPRINT_VAR_DIR: prepared.varDir,
        SPOREPRINT_MODEL_NAME: MODEL,
        SPOREPRINT_LOG_LEVEL: 'info',
        SPOREPRINT_ACCESS_LOG: 'true',
        SPOREPRINT_DRAIN_SECONDS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const t0 = Date.now();
    while (!/listening on (http:\/\/\S+)/.test(log)) {
      if (Date.now() - t0 > 60_000 || child.exitCode !== null)
        throw new Error(`server did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    url = /listening on (http:\/\/\S+)/.exec(log)![1];
    // warm up: the routes, the model, the serialisers
    for (let i = 0; i < 50; i++) {
      await (
        await fetch(`${url}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(CLASSIC_MUSHROOM),
        })
      ).arrayBuffer();
    }
    baseline = procMb(child.pid!, 'VmRSS');
  }, 400_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    cleanup?.();
    console.log(
      `memory bound: baseline RSS ${baseline.toFixed(0)} MB; peak RSS per worst-case request (MB): ${JSON.stringify(
        Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, Math.round(v)])),
      )}`,
    );
  });

  /** Sends one request with the peak reset first; returns the status and the peak RSS meanwhile. */
  const measure = async (name: string, send: () => Promise<Response[]>): Promise<number[]> => {
    const pid = child.pid!;
    resetPeak(pid);
    const answers = await send();
    const statuses = [];
    for (const a of answers) {
      statuses.push(a.status);
      await a.arrayBuffer();
    }
    peaks[name] = procMb(pid, 'VmHWM');
    expect((await fetch(`${url}/health/live`)).status, `server up after ${name}`).toBe(200);
    return statuses;
  };
  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

  it('worst-case requests stay under the bound, and the server answers after each', async () => {
    const cols = Object.keys(CLASSIC_MUSHROOM);
    const oip = `{"inputs":[{"name":"cap-shape","shape":[1000000],"datatype":"BYTES","data":[${'"x",'.repeat(999_999)}"x"]}]}`;
    expect(await measure('1e6-row OIP', async () => [await post(`/v2/models/${MODEL}/infer`, oip)])).toEqual([
      413,
    ]);
    const rows = (n: number) =>
      JSON.stringify({
        inputs: cols.map((name) => ({ name, shape: [n], datatype: 'BYTES', data: new Array(n).fill('x') })),
      });
    expect(
      await measure('10,001-row OIP', async () => [await post(`/v2/models/${MODEL}/infer`, rows(10_001))]),
    ).toEqual([422]);
    const keys: string[] = [];
    for (let i = 0; i < 600_000; i++) keys.push(`"k${i}":0`);
    expect(
      await measure('290,000 unknown keys (within the budget)', async () => [
        await post('/v1/predict/batch', `{"records":[{${keys.slice(0, 290_000).join(',')}}]}`),
      ]),
    ).toEqual([200]);
    expect(
      await measure('600,000 unknown keys', async () => [
        await post('/v1/predict/batch', `{"records":[{${keys.join(',')}}]}`),
      ]),
    ).toEqual([413]);
    const bad = JSON.stringify({
      records: new Array(10_000).fill(Object.fromEntries(cols.map((c) => [c, 'Q']))),
    });
    expect(
      await measure('10,000 invalid records', async () => [await post('/v1/predict/batch', bad)]),
    ).toEqual([200]);
    const good = JSON.stringify({ records: new Array(10_000).fill(CLASSIC_MUSHROOM) });
    expect(await measure('10,000-record batch', async () => [await post('/v1/predict/batch', good)])).toEqual(
      [200],
    );
    const depth = 4 * MB - 64;
    expect(
      await measure('deep nesting (4M levels)', async () => [
        await post('/v1/predict/batch', `{"records":${'['.repeat(depth)}${']'.repeat(depth)}}`),
      ]),
    ).toEqual([413]);
    const empties = `{"records":[${new Array(Math.floor((8 * MB - 20) / 3)).fill('{}').join(',')}]}`;
    expect(
      await measure('2.8M empty records (8 MB)', async () => [await post('/v1/predict/batch', empties)]),
    ).toEqual([413]);
    const statuses = await measure('200 concurrent predictions', () =>
      Promise.all(Array.from({ length: 200 }, () => post('/v1/predict', JSON.stringify(CLASSIC_MUSHROOM)))),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
    for (const [name, peak] of Object.entries(peaks)) {
      expect(peak - baseline, name).toBeLessThan(MEMORY_BOUND_MB);
    }
    // the access log: one line per request, never the key or the body
    expect(log).toMatch(/"method":"POST","url":"\/v1\/predict","status":200,"ms":/);
    expect(log).not.toMatch(/Bearer|sp_[A-Za-z0-9]{8,}|cap-shape/);
  }, 300_000);
});

/** The README's bound: peak RSS above the idle server's, per request in flight (see Security). */
const MEMORY_BOUND_MB = 384;
