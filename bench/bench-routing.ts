/**
 * Routing benchmark (issue 16 targets), side by side in one run:
 *
 *   1. ns per `route()`: ExperimentRouter with a running 2-arm experiment assigned per client (the
 *      FNV-1a hash of the unit and the range lookup), the same router with no experiment, and
 *      ProductionRouter — target: the experiment adds < 2 µs per request. 2,000,000 routes per
 *      measurement over 4,096 distinct client ids, 5 interleaved repetitions, median.
 *   2. durable `POST /v1/predict` throughput on SQLite: a server with a running 2-arm experiment
 *      (50/50, per client, a random X-Client-Id per request) against the same server with none —
 *      target ≥ 90%. Both servers run at once in child processes, each on its own copy of the
 *      database; wrk -t2 -c32 runs interleaved round by round (order reversed every other round)
 *      after a discarded warm-up, so other load on the machine hits both alike.
 *
 *   npm run bench:routing
 *   BENCH_DURATION=10 BENCH_WARMUP=2 BENCH_ROUNDS=3 npm run bench:routing
 *
 * The database is prepared in a temp dir as the tests prepare theirs (test/helpers/serving-setup.ts):
 * the classic data loaded, a decision tree and a gradient boosting model trained and registered
 * (versions 1 and 2), version 1 promoted. The experiment plan
 * reaches the server through test/helpers/experiment-server-child.ts (startServer with a file as
 * the source of the running experiment, until the experiments repository is merged).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  ExperimentRouter,
  ModelSet,
  type ModelSource,
  ProductionRouter,
  type Router,
} from '../src/services/index.js';
import type { ExperimentRecord } from '../src/storage/index.js';
import { experimentRecord } from '../test/helpers/experiment-fixtures.js';
import { prepareServingDatabase } from '../test/helpers/serving-setup.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wrkBin = '/usr/bin/wrk';
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MODEL = 'sporeprint-classic';
const EXPERIMENT = 'exp-bench0routing';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A running 2-arm experiment (versions 1 and 2, 50/50, per client). */
const plan = (): ExperimentRecord =>
  experimentRecord(EXPERIMENT, [
    { name: 'control', version: 1, role: 'control', weight: 50 },
    { name: 'challenger', version: 2, role: 'challenger', weight: 50 },
  ]);

// ---------------------------------------------------------------------------------------------- route()

/** A model source of two versions whose pipelines are never used (route() does not predict). */
const fakeSource: ModelSource = {
  resolve: async (_name, s) =>
    s.kind === 'alias' ? null : { version: s.kind === 'production' ? 1 : s.version, artifactSha256: 'x' },
  load: async (name, ref) => ({ name, version: ref.version, artifactSha256: 'x', pipeline: {} as never }),
  onChange: () => () => {},
};

/** ns per route() over `units`, 2,000,000 calls. */
function timeRoutes(router: Router, units: readonly string[]): number {
  const n = 2_000_000;
  const mask = units.length - 1;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = router.route({ unit: units[i & mask], kind: 'single' });
    sink += r.answer.model.version;
  }
  const ns = Number(process.hrtime.bigint() - t0) / n;
  if (sink === 0) throw new Error('unreachable');
  return ns;
}

async function benchRoute(): Promise<Record<string, number>> {
  const routers: Record<string, Router> = {};
  const mk = async (name: string, make: (m: ModelSet) => Router) => {
    const set = new ModelSet({ modelName: MODEL, source: fakeSource, pollMs: 3_600_000 });
    await set.want({ kind: 'production' });
    const r = make(set);
    await r.start?.();
    r.stop?.();
    routers[name] = r;
  };
  await mk('ProductionRouter', (m) => new ProductionRouter(m));
  await mk('ExperimentRouter, no experiment', (m) => new ExperimentRouter(m, { source: async () => null }));
  await mk(
    'ExperimentRouter, 2 arms per client',
    (m) => new ExperimentRouter(m, { source: async () => plan() }),
  );
  await mk(
    'ExperimentRouter, 2 arms per request',
    (m) => new ExperimentRouter(m, { source: async () => ({ ...plan(), assignment: 'request' }) }),
  );
  const units = Array.from({ length: 4096 }, (_, i) => `client-${(i * 2654435761) % 1_000_003}`);
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(routers).map((k) => [k, []]));
  for (let rep = 0; rep < 6; rep++) {
    for (const [name, r] of Object.entries(routers)) {
      const ns = timeRoutes(r, units);
      if (rep > 0) times[name].push(ns); // the first repetition warms up
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

// ---------------------------------------------------------------------------------------------- servers

/** The classic data loaded, a decision tree (version 1, Production) and gradient boosting (2) registered. */
async function prepareDatabase(): Promise<{ db: string; varDir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'sporeprint-bench-routing-db-'));
  const db = join(dir, 'db.sqlite');
  const prepared = await prepareServingDatabase(`sqlite:${db}`);
  return {
    db,
    varDir: prepared.varDir,
    cleanup: () => {
      prepared.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Server {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly db: string;
}

function startServer(name: string, dir: string, db: string, planFile: string): Promise<Server> {
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/experiment-server-child.ts', planFile],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          CI: '1',
          DATABASE_URL: `sqlite:${db}`,
          SPOREPRINT_VAR_DIR: dir,
          SPOREPRINT_MODEL_NAME: MODEL,
          SPOREPRINT_LOG_LEVEL: 'silent',
          SPOREPRINT_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res({ name, url: m[1], child, db });
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => rej(new Error(`${name} exited (${code}): ${out}`)));
  });
}

interface WrkResult {
  readonly rps: number;
  readonly p99Ms: number;
  readonly non2xx: number;
}

function wrk(url: string, lua: string, seconds: number): Promise<WrkResult> {
  return new Promise((res, rej) => {
    const p = spawn(wrkBin, ['-t2', '-c32', `-d${seconds}s`, '--latency', '-s', lua, `${url}/v1/predict`]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', rej);
    p.on('close', () => {
      const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
      const scale = p99 === null ? Number.NaN : p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1;
      res({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
        p99Ms: p99 === null ? Number.NaN : Number(p99[1]) * scale,
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
      });
    });
  });
}

/** Rows per arm in a server's prediction log. */
function armCounts(db: string): Record<string, number> {
  const d = new Database(db, { readonly: true });
  try {
    const rows = d.prepare('SELECT arm, COUNT(*) AS n FROM predictions GROUP BY arm').all() as {
      arm: string | null;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.arm ?? '(none)', r.n]));
  } finally {
    d.close();
  }
}

async function benchThroughput(tmp: string): Promise<void> {
  if (!existsSync(wrkBin)) throw new Error(`${wrkBin} not found: apt-get install -y wrk`);
  const t0 = performance.now();
  const prepared = await prepareDatabase();
  console.log(`prepared the database in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const lua = join(tmp, 'post.lua');
  const mushroom = { 'cap-shape': 'x', 'cap-surface': 's', 'cap-color': 'n', bruises: 't', odor: 'p' };
  writeFileSync(
    lua,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      `wrk.body = [==[${JSON.stringify(mushroom)}]==]`,
      'request = function()',
      '  wrk.headers["X-Client-Id"] = "client-" .. math.random(1, 1000000)',
      '  return wrk.format()',
      'end',
    ].join('\n'),
  );
  const servers: Server[] = [];
  for (const [name, p] of [
    ['no experiment', null],
    ['2-arm experiment', plan()],
  ] as const) {
    const dir = join(tmp, name.replace(/\W+/g, '-'));
    mkdirSync(dir);
    const db = join(dir, 'db.sqlite');
    copyFileSync(prepared.db, db);
    const planFile = join(dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify(p));
    // the artifacts are shared (read only)
    servers.push(await startServer(name, prepared.varDir, db, planFile));
  }
  try {
    const results: Record<string, WrkResult[]> = Object.fromEntries(servers.map((s) => [s.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) {
        await wrk(s.url, lua, WARMUP);
        const r = await wrk(s.url, lua, DURATION);
        results[s.name].push(r);
        console.log(
          `  round ${round + 1} ${s.name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms.toFixed(2)} ms`,
        );
      }
    }
    const base = median(results['no experiment'].map((r) => r.rps));
    const exp = median(results['2-arm experiment'].map((r) => r.rps));
    console.log('\ndurable POST /v1/predict, SQLite, wrk -t2 -c32, median of rounds:');
    for (const s of servers) {
      const rs = results[s.name];
      console.log(
        `  ${s.name.padEnd(18)} ${median(rs.map((r) => r.rps))
          .toFixed(0)
          .padStart(7)} req/s   p99 ${median(rs.map((r) => r.p99Ms)).toFixed(
          2,
        )} ms   non-2xx ${rs.reduce((n, r) => n + r.non2xx, 0)}   log rows by arm ${JSON.stringify(armCounts(s.db))}`,
      );
    }
    const ratio = exp / base;
    console.log(
      `  with / without: ${(ratio * 100).toFixed(1)}%  (target ≥ 90%: ${ratio >= 0.9 ? 'met' : 'MISSED'})`,
    );
  } finally {
    for (const s of servers) {
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await exited;
    }
    prepared.cleanup();
  }
}

async function main(): Promise<void> {
  console.log('route(): ns per call (median of 5 × 2,000,000 calls, 4,096 client ids)');
  const ns = await benchRoute();
  for (const [name, v] of Object.entries(ns))
    console.log(`  ${name.padEnd(38)} ${v.toFixed(1).padStart(7)} ns`);
  const added = ns['ExperimentRouter, 2 arms per client'] - ns.ProductionRouter;
  console.log(
    `  added by a 2-arm experiment: ${added.toFixed(1)} ns  (target < 2,000 ns: ${added < 2000 ? 'met' : 'MISSED'})\n`,
  );
  const tmp = mkdtempSync(join(tmpdir(), 'sporeprint-bench-routing-'));
  try {
    await benchThroughput(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
