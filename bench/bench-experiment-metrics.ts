/**
 * Experiment metrics benchmark (issue 16 target: < 2 s on each database): per-arm metrics and the
 * disagreement table over 1,000,000 logged predictions with 300,000 feedback labels, on SQLite and
 * MariaDB side by side.
 *
 *   npm run bench:experiments
 *   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/sp_metrics_bench npm run bench:experiments
 *   npm run bench:experiments -- --requests 100000 --keep      # smaller; keep the filled databases
 *
 * Data: `requests` (default 500,000) requests of one experiment assigned per client (20,000 clients),
 * each answered by `control` or `challenger` (about half each) and scored in shadow by `shadow` — so
 * 2 × requests prediction rows — and a true label on 60 % of the requests (300,000 by default), which
 * the shadow rows take through their answered row. Rows are generated inside the database by
 * INSERT … SELECT over a numbers table (the fastest bulk insert on both), with scattered UUID-like ids
 * as the serving path writes, and the database's statistics refreshed (ANALYZE) before timing.
 * The rows' input and output are '{}': the queries read only indexes, so row size does not change
 * their work. The schema is the application's (migrations run by openStorage, indexes maintained as
 * rows are inserted); each row carries its request's true label as the feedback transaction copies it.
 *
 * Each query runs once cold (first after filling) and then BENCH_RUNS times (default 3); the table
 * prints the cold time, the median of the warm runs and that run's CPU time (this process on SQLite,
 * the local server process on MariaDB — read from /proc, so it includes anything else the server runs
 * meanwhile). With other work on the machine, wall times grow with the load average printed above the
 * table; CPU times much less. MariaDB runs against BENCH_MYSQL_URL (default
 * mysql://root@127.0.0.1:3306/sp_metrics_bench; set it empty to skip MariaDB). The databases are dropped
 * at the end unless `--keep` (a kept database is reused when it already holds the rows).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { type ExperimentRecord, experimentMetricsReader, openStorage } from '../src/storage/index.js';

const args = process.argv.slice(2);
const argValue = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const REQUESTS = Number(argValue('--requests') ?? 500_000);
const KEEP = args.includes('--keep');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/sp_metrics_bench';
const SQLITE_DIR = join(tmpdir(), 'sporeprint-bench-experiments');
const EXPERIMENT_ID = 'exp-bench00000001';
const CLIENTS = 20_000;
const CHUNK = 100_000;
const TARGET_MS = 2000;

const experiment: ExperimentRecord = {
  id: EXPERIMENT_ID,
  modelName: 'mushroom',
  description: 'benchmark',
  status: 'running',
  assignment: 'client',
  arms: [
    { name: 'control', version: 1, role: 'control', weight: 50 },
    { name: 'challenger', version: 2, role: 'challenger', weight: 50 },
    { name: 'shadow', version: 3, role: 'shadow', weight: 0 },
  ],
  settings: {
    primaryMetric: 'accuracy',
    engine: 'bayesian',
    sequential: false,
    sequentialTuning: 5000,
    alpha: 0.05,
    correction: 'holm-bonferroni',
    guardrailMargin: 0,
    minLabelledPerArm: 1000,
    maxDurationHours: null,
  },
  createdAt: new Date('2026-12-01T00:00:00.000Z'),
  createdBy: 'bench',
  startedAt: new Date('2026-12-01T00:00:00.000Z'),
  stoppedAt: null,
  concludedAt: null,
  winner: null,
  statusReason: null,
};

/** What filling needs of a database: run a statement; the dialect's text functions. */
interface Filler {
  readonly name: 'SQLite' | 'MariaDB';
  exec(statement: string): Promise<void>;
  count(table: string): Promise<number>;
  /** SQL concatenation of the parts. */
  cat(...parts: string[]): string;
  /** `value` (an integer expression) as `width` lower-case hex digits. */
  hex(value: string, width: number): string;
  close(): Promise<void>;
}

function sqliteFiller(file: string): Filler {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  return {
    name: 'SQLite',
    exec: async (s) => {
      db.exec(s);
    },
    count: async (t) => (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n,
    cat: (...parts) => parts.join(' || '),
    hex: (v, w) => `printf('%0${w}x', ${v})`,
    close: async () => {
      db.close();
    },
  };
}

async function mariadbFiller(url: string): Promise<Filler> {
  const conn = await mysql.createConnection(url);
  return {
    name: 'MariaDB',
    exec: async (s) => {
      await conn.query(s);
    },
    count: async (t) => {
      const [rows] = await conn.query(`select count(*) as n from ${t}`);
      return Number((rows as Array<{ n: number }>)[0].n);
    },
    cat: (...parts) => `concat(${parts.join(', ')})`,
    hex: (v, w) => `lpad(lower(hex(${v})), ${w}, '0')`,
    close: () => conn.end(),
  };
}

/** A scattered UUID-like id of request `n`; `kind` 0 = answered row, 1 = shadow row. */
function rowId(f: Filler, kind: 0 | 1): string {
  return f.cat(f.hex('(n * 2654435761) % 4294967296', 8), `'-000${kind}-4000-8000-'`, f.hex('n', 12));
}

/** Decision of an arm from a hash of n (edible / poisonous / uncertain shares differ per arm). */
function decision(hash: string, edibleBelow: number, poisonousBelow: number): string {
  return `case when ${hash} < ${edibleBelow} then 'edible' when ${hash} < ${poisonousBelow} then 'poisonous' else 'uncertain' end`;
}

const COLUMNS =
  'id, created_at, model_name, model_version, arm, experiment_id, client_id, shadow_of, input, output, decision, probability, latency_us, request_kind, true_label';

/** Request n is labelled (60 %), and its true label: what its feedback row says and its rows copy. */
const LABELLED = '(n * 16807) % 10 < 6';
const TRUE_LABEL = "case when (n * 69621) % 100 < 48 then 'e' else 'p' end";
const ROW_LABEL = `case when ${LABELLED} then ${TRUE_LABEL} end`;

async function fill(f: Filler): Promise<void> {
  await f.exec('create table bench_digits (d integer not null)');
  await f.exec('insert into bench_digits values (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
  await f.exec('create table bench_n (n integer not null primary key)');
  await f.exec(
    `insert into bench_n select a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d + 100000 * g.d
     from bench_digits a, bench_digits b, bench_digits c, bench_digits d, bench_digits e, bench_digits g
     where a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d + 100000 * g.d < ${REQUESTS}`,
  );
  const client = f.cat(`'client-'`, `(n % ${CLIENTS})`);
  const isControl = '(n * 40503) % 1000 < 500';
  for (let lo = 0; lo < REQUESTS; lo += CHUNK) {
    const range = `n >= ${lo} and n < ${lo + CHUNK}`;
    await f.exec(
      `insert into predictions (${COLUMNS})
       select ${rowId(f, 0)}, '2026-12-01T00:00:00.000Z', 'mushroom',
         case when ${isControl} then 1 else 2 end, case when ${isControl} then 'control' else 'challenger' end,
         '${EXPERIMENT_ID}', ${client}, null, '{}', '{}',
         case when ${isControl} then ${decision('(n * 48271) % 100', 45, 93)} else ${decision('(n * 48271) % 100', 47, 96)} end,
         0.5, 100 + (n * 7919) % 5000, 'single', ${ROW_LABEL}
       from bench_n where ${range}`,
    );
    await f.exec(
      `insert into predictions (${COLUMNS})
       select ${rowId(f, 1)}, '2026-12-01T00:00:00.000Z', 'mushroom', 3, 'shadow', '${EXPERIMENT_ID}',
         ${client}, ${rowId(f, 0)}, '{}', '{}', ${decision('(n * 69317) % 100', 40, 97)},
         0.5, 150 + (n * 104729) % 8000, 'single', ${ROW_LABEL}
       from bench_n where ${range}`,
    );
    await f.exec(
      `insert into feedback (prediction_id, true_label, created_at, source, note)
       select ${rowId(f, 0)}, ${TRUE_LABEL}, '2026-12-01T00:01:00.000Z', 'bench', null
       from bench_n where ${range} and ${LABELLED}`,
    );
  }
  await f.exec('drop table bench_n');
  await f.exec('drop table bench_digits');
}

/** Fresh statistics for the planner (the schema itself comes from the migrations, openStorage). */
async function prepare(f: Filler): Promise<void> {
  await f.exec(f.name === 'SQLite' ? 'analyze' : 'analyze table predictions, feedback');
}

interface Timing {
  readonly cold: number;
  /** Median of the warm runs. */
  readonly warm: number;
  /** CPU time of the warm median run's process (ours on SQLite, the server's on MariaDB). */
  readonly cpu: number | null;
}

/** A CPU clock in ms: this process (SQLite runs in it) or the local MariaDB server (null: not found). */
type CpuClock = () => number | null;

const ownCpu: CpuClock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The local mariadbd/mysqld's CPU time from /proc (Linux, clock ticks at 100 Hz); null elsewhere. */
function serverCpu(): CpuClock {
  let pid: string | undefined;
  try {
    pid = readdirSync('/proc').find((d) => {
      if (!/^\d+$/.test(d)) return false;
      try {
        return /^(mariadbd|mysqld)$/.test(readFileSync(`/proc/${d}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    });
  } catch {
    pid = undefined;
  }
  if (pid === undefined) return () => null;
  return () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
}

async function time(fn: () => Promise<unknown>, clock: CpuClock): Promise<Timing> {
  const t0 = performance.now();
  await fn();
  const cold = performance.now() - t0;
  const warm: Array<{ wall: number; cpu: number | null }> = [];
  for (let i = 0; i < RUNS; i++) {
    const c = clock();
    const t = performance.now();
    await fn();
    const wall = performance.now() - t;
    const c1 = clock();
    warm.push({ wall, cpu: c === null || c1 === null ? null : c1 - c });
  }
  warm.sort((a, b) => a.wall - b.wall);
  const median = warm[Math.floor(warm.length / 2)];
  return { cold, warm: median?.wall ?? cold, cpu: median?.cpu ?? null };
}

interface BackendResult {
  readonly name: string;
  readonly rows: number;
  readonly labels: number;
  readonly fillMs: number;
  readonly metrics: Timing;
  readonly disagreement: Timing;
}

async function runBackend(name: 'SQLite' | 'MariaDB', url: string, filler: () => Promise<Filler>) {
  const storage = await openStorage(url);
  const f = await filler();
  try {
    let fillMs = 0;
    if ((await f.count('predictions')) !== 2 * REQUESTS) {
      const t0 = performance.now();
      await fill(f);
      await prepare(f);
      fillMs = performance.now() - t0;
    } else {
      await prepare(f);
    }
    const reader = experimentMetricsReader(storage);
    const clock = name === 'SQLite' ? ownCpu : serverCpu();
    const metrics = await time(() => reader.armMetrics(experiment), clock);
    const disagreement = await time(() => reader.disagreement(EXPERIMENT_ID, 'control', 'shadow'), clock);
    const figures = await reader.armMetrics(experiment);
    for (const m of figures) {
      console.log(
        `  ${name.padEnd(8)} ${m.arm.padEnd(11)} requests ${m.requests} units ${m.units} labelled ${m.labelled} ` +
          `correct ${m.correct} FE ${m.falseEdible}/${m.poisonousLabelled} uncertain ${m.uncertain} ` +
          `p50 ${m.latencyP50Us} µs p95 ${m.latencyP95Us} µs`,
      );
    }
    const rows = await f.count('predictions');
    const labels = await f.count('feedback');
    return { name, rows, labels, fillMs, metrics, disagreement } satisfies BackendResult;
  } finally {
    await f.close();
    await storage.close();
  }
}

async function dropMariadb(url: string): Promise<void> {
  const u = new URL(url);
  const database = u.pathname.slice(1);
  u.pathname = '/';
  const conn = await mysql.createConnection(u.toString());
  try {
    await conn.query(`drop database if exists \`${database}\``);
  } finally {
    await conn.end();
  }
}

function report(results: BackendResult[]): void {
  const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(0)} ms`).padStart(9);
  const verdict = (t: Timing) => (t.warm < TARGET_MS ? 'met' : 'MISSED');
  const cell = (t: Timing) => `${ms(t.cold)} ${ms(t.warm)} ${ms(t.cpu)}  ${verdict(t).padEnd(6)}`;
  console.log(
    `\nExperiment metrics over ${REQUESTS * 2} predictions (${REQUESTS} requests, answered + shadow), ` +
      `target < ${TARGET_MS} ms warm; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
  );
  const head = `${'cold'.padStart(9)} ${'warm'.padStart(9)} ${'cpu'.padStart(9)}  target`;
  console.log(
    `${'database'.padEnd(9)}${'rows'.padStart(9)}${'labels'.padStart(9)}${'fill'.padStart(10)}  ` +
      `armMetrics: ${head}   disagreement: ${head}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(9)}${String(r.rows).padStart(9)}${String(r.labels).padStart(9)}${ms(r.fillMs).padStart(10)}  ` +
        `            ${cell(r.metrics)}                ${cell(r.disagreement)}`,
    );
  }
  console.log(
    'cpu: the process that ran the query (this one on SQLite, the local server on MariaDB), warm median run',
  );
}

async function main(): Promise<void> {
  const results: BackendResult[] = [];
  const sqliteFile = join(SQLITE_DIR, `metrics-${REQUESTS}.sqlite`);
  if (!existsSync(SQLITE_DIR)) mkdirSync(SQLITE_DIR, { recursive: true });
  try {
    results.push(await runBackend('SQLite', `sqlite:${sqliteFile}`, async () => sqliteFiller(sqliteFile)));
    if (MYSQL_URL) {
      results.push(await runBackend('MariaDB', MYSQL_URL, () => mariadbFiller(MYSQL_URL)));
    }
  } finally {
    if (!KEEP) {
      rmSync(SQLITE_DIR, { recursive: true, force: true });
      if (MYSQL_URL) await dropMariadb(MYSQL_URL);
    }
  }
  report(results);
}

await main();
