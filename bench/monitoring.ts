/**
 * Monitoring benchmark (issue 17 targets: drift and performance over 1,000,000 logged predictions in
 * under 5 s on SQLite and on MariaDB, peak RSS under 300 MB), beside the in-memory way in the same
 * run: `reference_monitor.py` (pandas reading the same number of JSON-logged predictions from SQLite
 * and counting values per feature, as Evidently and NannyML work).
 *
 *   npm run bench:monitoring
 *   npm run bench:monitoring -- --rows 100000 --hours 6 --keep   # smaller; keep the filled databases
 *   BENCH_MYSQL_URL= npm run bench:monitoring                     # SQLite only
 *
 * Fill (bench/monitoring-fill.ts): the bundled secondary data through the ETL, a logistic regression
 * trained, registered and promoted, then `--rows` predictions of it (default 1,000,000) through the
 * real prediction log in chunks of 10,000 — the secondary rows cycled, each with the model's own
 * answer — spread evenly over `--hours` hours (default 24), and the version's reference profile built.
 * SQLite is a file in a temp dir; MariaDB is BENCH_MYSQL_URL (default
 * mysql://root@127.0.0.1:3306/sp_monbench_1; empty to skip). Both are deleted at the end unless
 * `--keep`, and a kept database that holds the rows is reused as it is.
 *
 * Timed (bench/monitoring-query.ts, a child process per database so that its peak RSS is the queries'
 * alone): drift, performance, and both one after the other over the whole window; cold (first in the
 * process) and the median of BENCH_RUNS (default 3) warm runs. The reference runs after both, so the
 * two never share the machine; BENCH_ANCHORS (default ../shared/anchors, from the repository) holds it.
 * Wall times grow with the load average printed per database (the machine may be shared).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openStorage } from '../src/storage/index.js';
import { argNumber as argOf } from './bench-args.js';
import { countRows, dropDatabase } from './monitoring-db.js';
import { fillLog, MODEL_NAME, prepareModel, servicesOver } from './monitoring-fill.js';
import type { QueryResult, QueryTiming } from './monitoring-query.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const argNumber = (name: string, fallback: number): number => argOf(args, name, fallback);
const ROWS = argNumber('--rows', 1_000_000);
const HOURS = argNumber('--hours', 24);
const KEEP = args.includes('--keep');
const SOURCE = process.env.BENCH_SOURCE ?? join(root, 'data', 'secondary_data.csv');
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/sp_monbench_1';
const ANCHORS = resolve(root, process.env.BENCH_ANCHORS ?? '../shared/anchors');
const SQLITE_DIR = join(tmpdir(), 'sporeprint-bench-monitoring');
const START = new Date('2026-11-30T00:00:00.000Z');
const END = new Date(START.getTime() + HOURS * 3_600_000);
const TARGET_MS = 5000;
const TARGET_MB = 300;

interface BackendResult {
  readonly name: string;
  /** Null when a kept database was reused. */
  readonly setupMs: number | null;
  readonly fillMs: number | null;
  readonly profileMs: number | null;
  readonly rows: number;
  readonly rollupRows: number;
  readonly load: number;
  readonly q: QueryResult;
}

async function fill(url: string): Promise<Pick<BackendResult, 'setupMs' | 'fillMs' | 'profileMs'>> {
  const [rows, profiles] = await countRows(url, ['predictions', 'reference_profiles']);
  const [hours] = await countRows(url, ['monitor_counts'], 'distinct bucket');
  if (rows === ROWS && profiles > 0 && hours === HOURS)
    return { setupMs: null, fillMs: null, profileMs: null };
  await dropDatabase(url);
  const storage = await openStorage(url);
  try {
    let t = performance.now();
    const version = await prepareModel(storage, root, SOURCE);
    const setupMs = performance.now() - t;
    t = performance.now();
    await fillLog(storage, SOURCE, version, { rows: ROWS, hours: HOURS, start: START });
    // MariaDB: the log's commits left their roll-up counts pending (a server folds them every second)
    await storage.monitoring.foldPending();
    const fillMs = performance.now() - t;
    t = performance.now();
    await servicesOver(storage).monitoring.profile(MODEL_NAME);
    return { setupMs, fillMs, profileMs: performance.now() - t };
  } finally {
    await storage.close();
  }
}

async function runBackend(name: string, url: string): Promise<BackendResult> {
  console.log(`${name}: filling ${url.replace(/\/\/[^@/]*@/, '//…@')} …`);
  const filled = await fill(url);
  const [rows, rollupRows] = await countRows(url, ['predictions', 'monitor_counts']);
  console.log(`${name}: querying …`);
  const load = loadavg()[0];
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'bench', 'monitoring-query.ts'),
      url,
      START.toISOString(),
      END.toISOString(),
    ],
    { encoding: 'utf8', cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const q = JSON.parse(out.trim().split('\n').pop() ?? '') as QueryResult;
  return { name, ...filled, rows, rollupRows, load, q };
}

interface Anchor {
  readonly totalS: number;
  readonly peakRssMb: number;
}

/** The pandas reference's figures, or why it did not run. */
function runAnchor(): Anchor | string {
  const script = join(ANCHORS, 'reference_monitor.py');
  if (!existsSync(script)) return `no ${script} (set BENCH_ANCHORS)`;
  if (!existsSync('/usr/bin/python3')) return 'no /usr/bin/python3';
  if (spawnSync('/usr/bin/python3', ['-c', 'import pandas']).status !== 0) return 'python3 has no pandas';
  console.log(
    `pandas: running ${script} (its first run builds its log at ${process.env.ANCHOR_DB ?? '/tmp/reference-monitor-log.db'}, untimed) …`,
  );
  const r = spawnSync('/usr/bin/python3', [script, SOURCE], {
    encoding: 'utf8',
    cwd: root,
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0)
    return `reference_monitor.py failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop() ?? ''}`;
  const j = JSON.parse(line) as { total_s: number; peak_rss_mb: number };
  return { totalS: j.total_s, peakRssMb: j.peak_rss_mb };
}

const sec = (ms: number | null): string => (ms === null ? 'kept' : `${(ms / 1000).toFixed(2)} s`);
const pair = (t: QueryTiming): string => `${sec(t.cold)} / ${sec(t.warm)}`;

function report(results: readonly BackendResult[], anchor: Anchor | string): void {
  console.log(
    `\nMonitoring over ${ROWS.toLocaleString('en')} logged predictions of ${MODEL_NAME} (${HOURS} hours, ` +
      `whole window); targets < ${TARGET_MS / 1000} s and < ${TARGET_MB} MB; ${cpus().length} cores, ` +
      `load average ${loadavg()[0].toFixed(1)} now`,
  );
  console.log(
    `${'database'.padEnd(9)}${'rows'.padStart(9)}${'roll-up'.padStart(9)}  ${'setup'.padEnd(8)} ${'fill'.padEnd(8)} ` +
      `${'rows/s'.padStart(7)}  ${'drift cold / warm'.padEnd(19)} ${'perf. cold / warm'.padEnd(19)} ` +
      `${'both cold / warm'.padEnd(19)} ${'peak RSS (base)'.padEnd(16)} load  targets`,
  );
  for (const r of results) {
    const rate = r.fillMs === null ? 'kept' : Math.round(r.rows / (r.fillMs / 1000)).toLocaleString('en');
    const met = r.q.both.warm < TARGET_MS && r.q.peakRssMb < TARGET_MB;
    console.log(
      `${r.name.padEnd(9)}${String(r.rows).padStart(9)}${String(r.rollupRows).padStart(9)}  ${sec(r.setupMs).padEnd(8)} ` +
        `${sec(r.fillMs).padEnd(8)} ${rate.padStart(7)}  ${pair(r.q.drift).padEnd(19)} ${pair(r.q.performance).padEnd(19)} ` +
        `${pair(r.q.both).padEnd(19)} ${`${r.q.peakRssMb.toFixed(0)} MB (${r.q.baseRssMb.toFixed(0)})`.padEnd(16)} ` +
        `${r.load.toFixed(1).padEnd(5)} ${met ? 'met' : 'MISSED'}`,
    );
  }
  for (const r of results) {
    console.log(
      `  ${r.name}: window ${r.q.windowRows} rows, ${r.q.driftedFeatures}/${r.q.testedFeatures} features drifted, ` +
        `estimated accuracy ${r.q.estimatedAccuracy?.toFixed(4) ?? 'n/a'}; ${r.profileMs === null ? 'reference profile kept' : `reference profile built in ${sec(r.profileMs)}`}`,
    );
  }
  if (typeof anchor === 'string') {
    console.log(`pandas reference: skipped: ${anchor}`);
    return;
  }
  console.log(
    `\n${'run'.padEnd(40)}${'time'.padStart(9)}${'peak RSS'.padStart(10)}${'time ratio'.padStart(12)}${'memory ratio'.padStart(14)}`,
  );
  console.log(
    `${'pandas reference_monitor.py (1M rows)'.padEnd(40)}${`${anchor.totalS.toFixed(2)} s`.padStart(9)}${`${anchor.peakRssMb} MB`.padStart(10)}`,
  );
  for (const r of results) {
    const s = r.q.both.warm / 1000;
    console.log(
      `${`${r.name} drift + performance, warm`.padEnd(40)}${`${s.toFixed(2)} s`.padStart(9)}` +
        `${`${r.q.peakRssMb.toFixed(0)} MB`.padStart(10)}${`${(s / anchor.totalS).toFixed(3)}×`.padStart(12)}` +
        `${`${(r.q.peakRssMb / anchor.peakRssMb).toFixed(3)}×`.padStart(14)}`,
    );
  }
  console.log('ratio: ours / pandas (lower is better)');
  if (ROWS !== 1_000_000)
    console.log(`note: pandas read 1,000,000 rows, ours ${ROWS}: the ratios compare unequal work`);
}

async function main(): Promise<void> {
  mkdirSync(SQLITE_DIR, { recursive: true });
  const backends: Array<[string, string]> = [
    ['SQLite', `sqlite:${join(SQLITE_DIR, `monitoring-${ROWS}-${HOURS}h.sqlite`)}`],
  ];
  if (MYSQL_URL) backends.push(['MariaDB', MYSQL_URL]);
  const results: BackendResult[] = [];
  try {
    for (const [name, url] of backends) results.push(await runBackend(name, url));
  } finally {
    if (!KEEP) {
      rmSync(SQLITE_DIR, { recursive: true, force: true });
      if (MYSQL_URL) await dropDatabase(MYSQL_URL);
    }
  }
  report(results, runAnchor());
}

await main();
