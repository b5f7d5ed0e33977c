/**
 * API benchmark (issue 6 targets), everything measured side by side on this machine, interleaved:
 *
 *   1. a bare Fastify route (POST, constant JSON) — the ceiling a Node HTTP server reaches here;
 *   2. sporeprint `POST /v1/predict`, durable prediction log on SQLite, one Node process
 *      (target: ≥ 40% of (1)'s requests/s, p99 < 10 ms at 32 connections, peak RSS < 200 MB,
 *      every 200 response has its row in `predictions`);
 *   3. the same on MariaDB (when BENCH_MYSQL_URL is set; also with 2 and 4 log commits in flight and in
 *      async log mode, `mariadb-async`: what durability costs), with SPOREPRINT_LOG_MODE=async on
 *      SQLite, and with a monitoring check every second (SPOREPRINT_MONITOR_CHECK_SECONDS=1) beside one
 *      without;
 *   4. `POST /v1/predict/batch` with 10,000 records (a durable one is answered once journaled, its
 *      rows written right after; also measured, batch only, with SPOREPRINT_BATCH_JOURNAL=false: every
 *      row committed before the answer), one request end to end, from sending it to the last
 *      byte of the answer, timed by curl (time_total; median of 5 requests 1 s apart after 3 warm-ups, < 100 ms; then 5
 *      back to back, printed beside it, each sharing the server with the work the previous one left:
 *      its checkpoint, and in async log mode its log rows, built after the answer). Node's fetch from this
 *      process is timed too and printed beside it (its own sending and reading take tens of ms of CPU
 *      on the cores the server uses), with its JSON.parse of the 2 MB answer; and so is the floor: the
 *      time to commit such a batch's 10,000 log rows through the SQLite writer thread alone (no HTTP,
 *      no prediction);
 *   5. the reference: ../shared/anchors/reference_api.py (FastAPI + pandas + XGBoost, one uvicorn worker,
 *      naive per-request SQLite insert) on its /predict with its own post.lua, and its bare GET /bare.
 *
 *   npm run bench:api
 *   npm run bench:api -- --reuse-db /tmp/prepared     # a dir holding db.sqlite + artifacts/ (see below)
 *   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/sporeprint_bench_api npm run bench:api
 *   BENCH_DURATION=10 BENCH_WARMUP=2 BENCH_ROUNDS=2 BENCH_PROFILE=1 npm run bench:api
 *   BENCH_ONLY=bare-fastify,sqlite-durable,mariadb-durable npm run bench:api   # those wrk runs only
 *   BENCH_ONLY=sqlite-durable,sqlite-durable-checks,sqlite-durable-checks-nice0 npm run bench:api
 *                                       # the scheduled checks' cost alone (issue 17)
 *   BENCH_VARIED=256 npm run bench:api  # also bare-fastify-varied, sqlite-durable-varied, …: 256
 *                                       # distinct records posted in turn, not only row 0
 *
 * The sporeprint servers run the compiled build (the script runs `npm run build` first, then
 * `node dist/main/cli.js serve`), as `npm start`, the installed CLI and the Docker image do.
 * Every server runs in its own child process (the bench process only drives wrk and counts rows), all
 * servers stay up for the whole run and the wrk runs are interleaved round by round (order reversed
 * every other round), so load from other work on the machine hits every variant alike; while one
 * server is measured every other one is paused (SIGSTOP, SIGCONT after), so none of their timers (a
 * monitoring check every second, a checkpoint) takes CPU from it. wrk runs
 * `-t2 -c32 -d<BENCH_DURATION>s --latency` after a discarded warm-up of BENCH_WARMUP seconds. wrk shares
 * the 2 cores with the server, so req/s are a lower bound of server capacity; only ratios within one
 * run mean much.
 *
 * The database must hold a Production model: the script prepares one in a temp dir by running
 * `sporeprint start --no-serve` (ETL + train + register + promote) with DATABASE_URL=sqlite:<tmp>/db.sqlite,
 * unless `--reuse-db <dir>` names a dir prepared that way. Each SQLite variant serves a private copy.
 * MariaDB is prepared the same way in the database named by BENCH_MYSQL_URL, which is dropped at the end.
 * BENCH_PROFILE=1 starts the durable-SQLite and durable-MariaDB servers with `node --cpu-prof` (profiles in
 * bench/out/prof/). A profile spans the whole run, the pauses included: the sample taken across a
 * SIGSTOP carries seconds of "self time" for whatever function was running (leave out samples whose
 * time delta is over ~100 ms before reading self times).
 * Each wrk run also prints the CPU time its server process used per request and, for MariaDB on this
 * machine, that of the `mariadbd` listening on the URL's port (every client of that server counts),
 * and the server's durability settings as found (`innodb_flush_log_at_trx_commit` etc.: the bench
 * changes none of them).
 *
 * Output: a table with targets and met/MISSED on stdout, everything in bench/out/api-results.json.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStorage, type PredictionChunkInput, preparePredictionChunk } from '../src/storage/index.js';
import {
  cpuSeconds,
  dropMysqlDatabase,
  freePort,
  listenerPid,
  median,
  memoryOf,
  mysqlCounter,
  mysqlSettings,
  postBodiesLua,
  postLua,
  prepare,
  type RowCounter,
  root,
  run,
  type Server,
  secondaryRecords,
  sleep,
  spawnServer,
  sqliteCounter,
  startBareFastify,
  startSporeprint,
  stopServer,
  type WrkResult,
  wrk,
  wrkBin,
} from './bench-processes.js';

const outDir = join(root, 'bench', 'out');
const anchorsDir = resolve(root, '..', 'shared', 'anchors');
const referenceScript = join(anchorsDir, 'reference_api.py');
const referenceLua = join(anchorsDir, 'post.lua');
const resultsMd = join(anchorsDir, 'RESULTS.md');
const python = '/usr/bin/python3';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const THREADS = 2;
const CONNS = 32;
const BATCH_RECORDS = 10_000;
const BATCH_REPS = 5;
/** Batch requests sent (1 s apart) before the timed ones. */
const BATCH_WARMUPS = 3;
const MYSQL_URL = process.env.BENCH_MYSQL_URL;
const PROFILE = process.env.BENCH_PROFILE === '1';
/** BENCH_VARIED=N (> 0): also the `-varied` variants, posting N distinct records in turn. */
const VARIED = Number(process.env.BENCH_VARIED ?? 0);
/** Pauses or resumes a server; one that has exited fails the run, naming it, its exit and its output. */
function signalServer(s: Server, signal: 'SIGSTOP' | 'SIGCONT'): void {
  const { exitCode, signalCode } = s.proc;
  if (exitCode !== null || signalCode !== null) {
    throw new Error(
      `server ${s.name} (pid ${s.pid}) exited (${exitCode ?? signalCode}) before ${signal}; its output:\n${s.log.slice(-4000)}`,
    );
  }
  process.kill(s.pid, signal);
}

/** BENCH_ONLY=key,key…: only these wrk variants (keys as printed), no batch runs. */
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((k) => k.trim())) : null;
const want = (key: string): boolean => ONLY === null || ONLY.has(key);

// ---------------------------------------------------------------------------------------------- servers

function startServer(name: string, env: Record<string, string>, profile = false): Promise<Server> {
  return startSporeprint(name, env, {
    nodeArgs: profile ? ['--cpu-prof', '--cpu-prof-dir', join(outDir, 'prof')] : [],
  });
}

async function startReference(dir: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANCHOR_OUT: process.env.ANCHOR_OUT ?? dir,
    PREDICTION_LOG: 'sqlite',
    PREDICTION_DB: join(dir, 'reference-predictions.db'),
  };
  return spawnServer(
    'reference',
    python,
    [referenceScript, 'serve', '--workers', '1', '--host', '127.0.0.1', '--port', String(port)],
    // without the reference_ml.py artifacts the app retrains XGBoost at startup
    { cwd: anchorsDir, env, stopSignal: 'SIGINT', timeoutMs: 300_000 },
    async () => {
      const r = await fetch(`${url}/health`);
      return r.ok ? url : null;
    },
  );
}

// ---------------------------------------------------------------------------------------------- main

interface Variant {
  readonly key: string;
  readonly label: string;
  readonly server: Server;
  readonly path: string;
  readonly lua: string | null;
  readonly rows: RowCounter | null;
  /** How long to wait after wrk before counting rows (async log needs its flush). */
  readonly settleMs: number;
  readonly sporeprint: boolean;
}

interface RunRecord {
  readonly round: number;
  readonly key: string;
  readonly label: string;
  readonly wrk: Omit<WrkResult, 'raw'>;
  readonly ok200: number;
  readonly rowsLogged: number | null;
  readonly ratioToBareFastify: number | null;
  /** CPU time of the server process (all its threads) per request of the run, µs. */
  readonly serverCpuUs: number | null;
  /** MariaDB variant: CPU time of the database server per request (all its clients), µs. */
  readonly dbCpuUs: number | null;
  readonly raw: string;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const reuseIdx = argv.indexOf('--reuse-db');
  const reuseDir = reuseIdx >= 0 ? resolve(argv[reuseIdx + 1] ?? '') : null;
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'sporeprint-bench-api-'));
  const load0 = loadavg();
  console.log(
    `sporeprint API bench — node ${process.version}, ${cpus().length} CPUs, loadavg ${load0.map((x) => x.toFixed(2)).join(' ')} at start`,
  );
  console.log(
    `wrk -t${THREADS} -c${CONNS} -d${DURATION}s --latency (after a ${WARMUP}s warm-up), ${ROUNDS} interleaved round(s); tmp ${tmp}`,
  );

  // the wrk body: row 0 of the secondary data keyed by feature names, missing cells omitted
  const sample = secondaryRecords(1)[0];
  const spLua = join(outDir, 'api-post.lua');
  writeFileSync(
    spLua,
    `-- generated by bench/api.ts: POST row 0 of data/secondary_data.csv (missing cells omitted)\n${postLua(JSON.stringify(sample))}`,
  );
  const bareLua = join(outDir, 'api-bare.lua');
  writeFileSync(bareLua, postLua(JSON.stringify(sample)));

  if (!existsSync(wrkBin)) throw new Error(`${wrkBin} not found: apt-get install -y wrk`);
  // the servers run the compiled build, as `npm start`, `bin/sporeprint.js` and the Docker image do
  const build = await run('npm', ['run', 'build', '--silent'], {
    cwd: root,
    env: process.env,
    timeoutMs: 300_000,
  });
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.out.slice(-3000)}`);

  // ---- prepare databases
  const prep: Record<string, number> = {};
  let prepDir: string;
  if (reuseDir) {
    if (!existsSync(join(reuseDir, 'db.sqlite'))) throw new Error(`--reuse-db: no db.sqlite in ${reuseDir}`);
    prepDir = reuseDir;
    console.log(`reusing prepared SQLite dir ${reuseDir}`);
  } else {
    prepDir = join(tmp, 'prepared');
    mkdirSync(prepDir);
    prep.sqlite = await prepare('SQLite', `sqlite:${join(prepDir, 'db.sqlite')}`, prepDir);
  }
  const copyPrepared = (name: string): string => {
    const d = join(tmp, name);
    mkdirSync(d);
    for (const f of ['db.sqlite', 'db.sqlite-wal', 'db.sqlite-shm']) {
      if (existsSync(join(prepDir, f))) cpSync(join(prepDir, f), join(d, f));
    }
    if (existsSync(join(prepDir, 'artifacts')))
      cpSync(join(prepDir, 'artifacts'), join(d, 'artifacts'), { recursive: true });
    return d;
  };
  const mysqlVarDir = join(tmp, 'mysql');
  let mysqlFound: Record<string, string> | null = null;
  let dbPid: number | null = null;
  if (MYSQL_URL) {
    mkdirSync(mysqlVarDir);
    await dropMysqlDatabase(MYSQL_URL);
    prep.mariadb = await prepare('MariaDB', MYSQL_URL, mysqlVarDir);
    mysqlFound = await mysqlSettings(MYSQL_URL);
    const u = new URL(MYSQL_URL);
    if (['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
      dbPid = await listenerPid(Number(u.port || 3306));
    console.log(
      `MariaDB server as found (the bench changes none of it): ${Object.entries(mysqlFound)
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ', ',
        )}; its process ${dbPid ?? 'not found (not local)'}${dbPid ? ' (its CPU counts every client of that server, not only this bench)' : ''}`,
    );
  } else {
    console.log('MariaDB: skipped (set BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/sporeprint_bench_api)');
  }

  const haveFastapi =
    existsSync(referenceScript) &&
    (await run(python, ['-c', 'import fastapi, uvicorn, pandas, xgboost, sklearn'])).code === 0;

  // ---- start every server (each in its own process) and keep them up for the whole run
  const servers: Server[] = [];
  const variants: Variant[] = [];
  /** Servers whose batch figure only is measured. */
  const batchOnly: Variant[] = [];
  const batch: Record<
    string,
    {
      /** curl's time_total, one request at a time (1 s apart): the judged figure. */
      medianMs: number;
      allMs: number[];
      /** curl, the requests back to back. */
      backToBackMedianMs: number;
      backToBackAllMs: number[];
      fetchMedianMs: number;
      fetchAllMs: number[];
      medianWithClientParseMs: number;
      predicted: number;
    }
  > = {};
  const memory: Record<
    string,
    { afterWrk: ReturnType<typeof memoryOf>; afterBatch?: ReturnType<typeof memoryOf> }
  > = {};
  const runs: RunRecord[] = [];
  let referenceStartS: number | null = null;
  try {
    if (want('bare-fastify')) {
      const bare = await startBareFastify();
      servers.push(bare);
      variants.push({
        key: 'bare-fastify',
        label: 'bare Fastify route (POST, constant JSON)',
        server: bare,
        path: '/bare',
        lua: bareLua,
        rows: null,
        settleMs: 0,
        sporeprint: false,
      });
    }

    /** A durable (or `env`'s) SQLite server on a private copy of the prepared database, measured by wrk. */
    const sqliteVariant = async (
      key: string,
      label: string,
      env: Record<string, string>,
      settleMs: number,
      profile = false,
    ): Promise<void> => {
      if (!want(key)) return;
      const dir = copyPrepared(key);
      const file = join(dir, 'db.sqlite');
      const server = await startServer(
        key,
        { DATABASE_URL: `sqlite:${file}`, SPOREPRINT_VAR_DIR: dir, ...env },
        profile,
      );
      servers.push(server);
      variants.push({
        key,
        label,
        server,
        path: '/v1/predict',
        lua: spLua,
        rows: sqliteCounter(file),
        settleMs,
        sporeprint: true,
      });
    };
    await sqliteVariant(
      'sqlite-durable',
      'sporeprint /v1/predict, SQLite, durable log',
      // no monitoring check: the baseline of the variant below
      { SPOREPRINT_MONITOR_CHECK_MINUTES: '0' },
      300,
      PROFILE,
    );
    // the same durable server running a monitoring check every second (drift, performance and the
    // alert rules over the last hour, under the database lease): its p99 beside the one above is the
    // check's cost to predictions (issue 17: no measurable latency)
    await sqliteVariant(
      'sqlite-durable-checks',
      'sporeprint /v1/predict, SQLite, durable log, monitoring check every 1 s',
      { SPOREPRINT_MONITOR_CHECK_SECONDS: '1' },
      300,
    );
    // the same with the check thread at the serving thread's priority (SPOREPRINT_MONITOR_CHECK_NICE=0):
    // beside the two above, what the check's lower priority is worth
    await sqliteVariant(
      'sqlite-durable-checks-nice0',
      'sporeprint /v1/predict, SQLite, durable log, monitoring check every 1 s at nice 0',
      { SPOREPRINT_MONITOR_CHECK_SECONDS: '1', SPOREPRINT_MONITOR_CHECK_NICE: '0' },
      300,
    );
    await sqliteVariant(
      'sqlite-async',
      'sporeprint /v1/predict, SQLite, async log',
      { SPOREPRINT_LOG_MODE: 'async' },
      1500,
    );

    // MariaDB as configured by default (one log transaction in flight), with four in flight
    // (SPOREPRINT_LOG_COMMITS=4, the default before) and with two: what the setting is worth, side by
    // side; and in async mode (answers without waiting for the commit): what durability costs here
    for (const [key, label, env, settleMs] of [
      ['mariadb-durable', 'sporeprint /v1/predict, MariaDB, durable log', {}, 300],
      [
        'mariadb-durable-commits2',
        'sporeprint /v1/predict, MariaDB, durable log, 2 commits in flight',
        { SPOREPRINT_LOG_COMMITS: '2' },
        300,
      ],
      [
        'mariadb-durable-commits4',
        'sporeprint /v1/predict, MariaDB, durable log, 4 commits in flight',
        { SPOREPRINT_LOG_COMMITS: '4' },
        300,
      ],
      ['mariadb-async', 'sporeprint /v1/predict, MariaDB, async log', { SPOREPRINT_LOG_MODE: 'async' }, 1500],
    ] as const) {
      if (!MYSQL_URL || !want(key)) continue;
      const my = await startServer(
        key,
        { DATABASE_URL: MYSQL_URL, SPOREPRINT_VAR_DIR: mysqlVarDir, ...env },
        PROFILE && key === 'mariadb-durable',
      );
      servers.push(my);
      variants.push({
        key,
        label,
        server: my,
        path: '/v1/predict',
        lua: spLua,
        rows: mysqlCounter(MYSQL_URL),
        settleMs,
        sporeprint: true,
      });
    }

    // batch only (no wrk): the durable log without the batch journal, every row committed before the
    // answer, for comparison with sqlite-durable's journaled batch
    if (ONLY === null) {
      const rowsDir = copyPrepared('sqlite-durable-rows');
      const rowsSrv = await startServer('sqlite-durable-rows', {
        DATABASE_URL: `sqlite:${join(rowsDir, 'db.sqlite')}`,
        SPOREPRINT_VAR_DIR: rowsDir,
        SPOREPRINT_BATCH_JOURNAL: 'false',
      });
      servers.push(rowsSrv);
      batchOnly.push({
        key: 'sqlite-durable-rows',
        label: 'sporeprint, SQLite, durable log, batch journal off',
        server: rowsSrv,
        path: '/v1/predict',
        lua: spLua,
        rows: sqliteCounter(join(rowsDir, 'db.sqlite')),
        settleMs: 0,
        sporeprint: true,
      });
    }

    if (MYSQL_URL && ONLY === null) {
      // the same on MariaDB: a second server on the same database (its rows are not counted by wrk)
      const myRows = await startServer('mariadb-durable-rows', {
        DATABASE_URL: MYSQL_URL,
        SPOREPRINT_VAR_DIR: mysqlVarDir,
        SPOREPRINT_BATCH_JOURNAL: 'false',
      });
      servers.push(myRows);
      batchOnly.push({
        key: 'mariadb-durable-rows',
        label: 'sporeprint, MariaDB, durable log, batch journal off',
        server: myRows,
        path: '/v1/predict',
        lua: spLua,
        rows: null,
        settleMs: 0,
        sporeprint: true,
      });
    }

    if (haveFastapi && want('reference-predict')) {
      const t0 = performance.now();
      const ref = await startReference(tmp);
      referenceStartS = (performance.now() - t0) / 1000;
      console.log(
        `reference server up in ${referenceStartS.toFixed(1)} s (reference_api.py serve --workers 1)`,
      );
      servers.push(ref);
      variants.push({
        key: 'reference-predict',
        label: 'reference FastAPI /predict (pandas+XGBoost, sync SQLite insert)',
        server: ref,
        path: '/predict',
        lua: referenceLua,
        rows: sqliteCounter(join(tmp, 'reference-predictions.db')),
        settleMs: 300,
        sporeprint: false,
      });
      variants.push({
        key: 'reference-bare',
        label: 'reference bare FastAPI route (GET /bare)',
        server: ref,
        path: '/bare',
        lua: null,
        rows: null,
        settleMs: 0,
        sporeprint: false,
      });
    } else {
      console.log('reference: python3-fastapi/uvicorn (or pandas/xgboost/sklearn) missing: not measured now');
    }

    // sanity: one request per variant must answer 200 before it is measured
    for (const v of variants) {
      const body =
        v.lua === null ? undefined : v.lua === referenceLua ? referenceBody() : JSON.stringify(sample);
      const r = await fetch(v.server.url + v.path, {
        method: v.lua === null ? 'GET' : 'POST',
        headers: body ? { 'content-type': 'application/json' } : {},
        body,
      });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`${v.key}: sanity request got ${r.status}: ${text}`);
      if (v.key === 'sqlite-durable') console.log(`sample answer: ${text}`);
    }

    // BENCH_VARIED=N: the same servers also measured with N distinct records, spread over the file's
    // species (one record shares each feature's value with every other: the log's monitoring roll-up
    // touches ~17 counter rows a commit; N records touch as many as real traffic does)
    if (VARIED > 0) {
      const records = secondaryRecords(61_069).filter((_, i) => i % Math.floor(61_069 / VARIED) === 0);
      const variedLua = join(outDir, 'api-post-varied.lua');
      writeFileSync(
        variedLua,
        `-- generated by bench/api.ts: ${VARIED} rows of data/secondary_data.csv, one after another\n${postBodiesLua(records.slice(0, VARIED).map((r) => JSON.stringify(r)))}`,
      );
      for (const v of [...variants]) {
        if (!['bare-fastify', 'sqlite-durable', 'mariadb-durable'].includes(v.key)) continue;
        variants.push({
          ...v,
          key: `${v.key}-varied`,
          label: `${v.label}, ${VARIED} records`,
          lua: variedLua,
        });
      }
    }

    // ---- interleaved wrk rounds
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? variants : [...variants].reverse();
      const roundRuns: RunRecord[] = [];
      for (const v of order) {
        // every other server is paused while one is measured: their own timers (a monitoring check
        // every second, a WAL checkpoint, an async log's rows) would otherwise take CPU from it
        const others = servers.filter((s) => s.pid !== v.server.pid);
        if (v.settleMs) await sleep(v.settleMs); // the previous variant's rows land before pausing it
        for (const o of others) signalServer(o, 'SIGSTOP');
        let w: WrkResult;
        let before: number | null;
        let after: number | null;
        const db = v.key.startsWith('mariadb-') && dbPid !== null ? dbPid : null;
        let cpu0: (number | null)[];
        let cpu1: (number | null)[];
        try {
          await wrk(v.server.url + v.path, v.lua, WARMUP, { threads: THREADS, conns: CONNS });
          if (v.settleMs) await sleep(v.settleMs); // async log: the warm-up's rows land before counting
          before = v.rows ? await v.rows() : null;
          cpu0 = [cpuSeconds(v.server.pid), db === null ? null : cpuSeconds(db)];
          w = await wrk(v.server.url + v.path, v.lua, DURATION, { threads: THREADS, conns: CONNS });
          cpu1 = [cpuSeconds(v.server.pid), db === null ? null : cpuSeconds(db)];
          if (v.settleMs) await sleep(v.settleMs);
          after = v.rows ? await v.rows() : null;
        } finally {
          for (const o of others) signalServer(o, 'SIGCONT');
        }
        const perRequest = (i: number): number | null => {
          const a = cpu0[i];
          const b = cpu1[i];
          return a === null || b === null || w.requests === 0 ? null : ((b - a) / w.requests) * 1e6;
        };
        const { raw, ...summary } = w;
        const rec: RunRecord = {
          round,
          key: v.key,
          label: v.label,
          wrk: summary,
          ok200: w.requests - w.non2xx,
          rowsLogged: before !== null && after !== null ? after - before : null,
          ratioToBareFastify: null,
          serverCpuUs: perRequest(0),
          dbCpuUs: perRequest(1),
          raw,
        };
        roundRuns.push(rec);
        console.log(
          `  round ${round} ${v.key.padEnd(18)} ${w.requestsPerSec.toFixed(1).padStart(9)} req/s  p50 ${w.p50Ms.toFixed(2)} ms  p99 ${w.p99Ms.toFixed(2)} ms  non-2xx ${w.non2xx}${w.socketErrors ? `  socket errors: ${w.socketErrors}` : ''}${rec.rowsLogged !== null ? `  rows ${rec.rowsLogged}` : ''}${rec.serverCpuUs !== null ? `  server CPU ${rec.serverCpuUs.toFixed(0)} µs/req` : ''}${rec.dbCpuUs !== null ? `  mariadbd CPU ${rec.dbCpuUs.toFixed(0)} µs/req` : ''}  loadavg ${loadavg()[0].toFixed(2)}`,
        );
      }
      const bareRun = roundRuns.find((r) => r.key === 'bare-fastify');
      for (const r of roundRuns) {
        runs.push({
          ...r,
          ratioToBareFastify: bareRun ? r.wrk.requestsPerSec / bareRun.wrk.requestsPerSec : null,
        });
      }
    }

    // ---- memory after the wrk runs, then the batch endpoint
    for (const s of servers) memory[s.name] = { afterWrk: memoryOf(s.pid) };
    const records = secondaryRecords(BATCH_RECORDS);
    const batchBody = JSON.stringify({ records });
    const batchFile = join(tmp, 'batch.json');
    writeFileSync(batchFile, batchBody);
    // BENCH_ONLY: the wrk runs only
    for (const v of ONLY === null ? [...variants.filter((x) => x.sporeprint), ...batchOnly] : []) {
      const times: number[] = [];
      const withParse: number[] = [];
      const curlTimes: number[] = [];
      const backToBack: number[] = [];
      let predicted = 0;
      // curl, as wrk for /v1/predict: a C client, whose own CPU (on the 2 cores the server uses) is small.
      // One request at a time, 1 s apart: the judged figure is one request's time, not that of a request
      // sharing the server with the work the previous one left (its WAL checkpoint; in async log mode,
      // its log rows, built and written after the answer; a journaled batch's too). Then back to back,
      // printed beside it. The first BATCH_WARMUPS requests warm the server up (the first 10,000-record
      // request after the wrk runs took 2-3× the later ones, the next one or two still 20-50% more)
      for (let i = 0; i < BATCH_WARMUPS + BATCH_REPS; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const c = curlPost(`${v.server.url}/v1/predict/batch`, batchFile);
        if (c.status !== 200) throw new Error(`${v.key}: batch answered ${c.status} to curl`);
        if (i >= BATCH_WARMUPS) curlTimes.push(c.ms);
      }
      for (let i = 0; i < BATCH_REPS; i++) {
        const c = curlPost(`${v.server.url}/v1/predict/batch`, batchFile);
        if (c.status !== 200) throw new Error(`${v.key}: batch answered ${c.status} to curl`);
        backToBack.push(c.ms);
      }
      // Node's fetch from this process, the figure printed before: its own sending and reading cost
      // tens of ms of CPU on the same cores
      for (let i = 0; i <= BATCH_REPS; i++) {
        // end to end = request sent → last byte of the answer received (as wrk and curl time it);
        // the client's own JSON.parse of the 2 MB answer is timed apart
        const t0 = performance.now();
        const r = await fetch(`${v.server.url}/v1/predict/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: batchBody,
        });
        const bytes = await r.arrayBuffer();
        const ms = performance.now() - t0;
        const j = JSON.parse(Buffer.from(bytes).toString('utf8')) as { count?: number; predicted?: number };
        const msParsed = performance.now() - t0;
        if (r.status !== 200 || j.count !== BATCH_RECORDS)
          throw new Error(`${v.key}: batch answered ${r.status} ${JSON.stringify(j).slice(0, 300)}`);
        predicted = j.predicted ?? 0;
        if (i > 0) {
          // the first request is a warm-up
          times.push(ms);
          withParse.push(msParsed);
        }
      }
      batch[v.key] = {
        medianMs: median(curlTimes),
        allMs: curlTimes,
        backToBackMedianMs: median(backToBack),
        backToBackAllMs: backToBack,
        fetchMedianMs: median(times),
        fetchAllMs: times,
        medianWithClientParseMs: median(withParse),
        predicted,
      };
      memory[v.server.name].afterBatch = memoryOf(v.server.pid);
      console.log(
        `  batch ${v.key.padEnd(18)} ${BATCH_RECORDS} records: median ${median(curlTimes).toFixed(1)} ms to the last byte with curl, 1 s apart (${curlTimes.map((t) => t.toFixed(0)).join(', ')}); back to back ${median(backToBack).toFixed(1)} ms (${backToBack.map((t) => t.toFixed(0)).join(', ')}); with Node's fetch ${median(times).toFixed(1)} ms (${times.map((t) => t.toFixed(0)).join(', ')}), ${median(withParse).toFixed(1)} ms with its JSON.parse; predicted ${predicted}`,
      );
    }
  } finally {
    for (const s of [...servers].reverse()) {
      const code = await stopServer(s);
      if (code !== 0 && code !== null) console.log(`note: ${s.name} exited with code ${code}`);
    }
    if (MYSQL_URL)
      await dropMysqlDatabase(MYSQL_URL).catch((e: Error) => console.log(`drop failed: ${e.message}`));
  }

  // ---- what the durable log write alone costs, for the batch figures
  const floor = ONLY === null ? await durableWriteFloor(secondaryRecords(BATCH_RECORDS), tmp) : null;
  if (floor !== null)
    console.log(
      `  floor: committing the ${BATCH_RECORDS} log rows of such a batch alone (SQLite writer thread, one transaction, no HTTP, no prediction): median ${floor.medianMs.toFixed(1)} ms (${floor.allMs.map((t) => t.toFixed(0)).join(', ')})`,
    );

  // ---- summary
  const load1 = loadavg();
  const byKey = (key: string): RunRecord[] => runs.filter((r) => r.key === key);
  interface Row {
    key: string;
    label: string;
    rps: number;
    p50: number;
    p99: number;
    ratio: number | null;
    hwmMb: number | null;
    ok200: number;
    rows: number | null;
    serverCpuUs: number | null;
    dbCpuUs: number | null;
  }
  const rows: Row[] = variants.map((v) => {
    const rs = byKey(v.key);
    const ratios = rs.map((r) => r.ratioToBareFastify).filter((x): x is number => x !== null);
    const mem = memory[v.server.name]?.afterWrk;
    const logged = rs.map((r) => r.rowsLogged);
    return {
      key: v.key,
      label: v.label,
      rps: median(rs.map((r) => r.wrk.requestsPerSec)),
      p50: median(rs.map((r) => r.wrk.p50Ms)),
      p99: median(rs.map((r) => r.wrk.p99Ms)),
      ratio: v.key === 'bare-fastify' || ratios.length === 0 ? null : median(ratios),
      hwmMb: mem ? mem.hwmMb : null,
      ok200: rs.reduce((a, r) => a + r.ok200, 0),
      rows: logged.every((x) => x !== null) ? logged.reduce<number>((a, x) => a + (x ?? 0), 0) : null,
      serverCpuUs: medianOrNull(rs.map((r) => r.serverCpuUs)),
      dbCpuUs: medianOrNull(rs.map((r) => r.dbCpuUs)),
    };
  });

  const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  const fmt = (x: number | null, d = 1): string => (x === null || Number.isNaN(x) ? '-' : x.toFixed(d));
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `Results (median over ${ROUNDS} interleaved round(s); ratio = req/s ÷ bare Fastify req/s of the same round; RSS = VmHWM after the wrk runs)`,
  );
  const head = [
    'run',
    'req/s',
    'p50 ms',
    'p99 ms',
    'vs bare',
    'peak RSS MB',
    '200s',
    'rows logged',
    'server CPU µs/req',
    'mariadbd CPU µs/req',
  ];
  const table: string[][] = rows.map((r) => [
    r.key,
    fmt(r.rps),
    fmt(r.p50, 2),
    fmt(r.p99, 2),
    r.ratio === null ? '-' : `${(r.ratio * 100).toFixed(1)}%`,
    fmt(r.hwmMb),
    String(r.ok200),
    r.rows === null ? '-' : String(r.rows),
    fmt(r.serverCpuUs, 0),
    fmt(r.dbCpuUs, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  lines.push(line(head));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const t of table) lines.push(line(t));

  lines.push(...checkCostLines(byKey('sqlite-durable'), byKey));

  lines.push('');
  lines.push('Targets (issue 6)');
  const targets: { what: string; value: string; target: string; ok: boolean }[] = [];
  for (const r of rows.filter((x) => variants.find((v) => v.key === x.key)?.sporeprint)) {
    if (r.ratio !== null)
      targets.push({
        what: `${r.key}: req/s vs bare Fastify`,
        value: `${(r.ratio * 100).toFixed(1)}% (${fmt(r.rps)} req/s)`,
        target: '>= 40%',
        ok: r.ratio >= 0.4,
      });
    targets.push({
      what: `${r.key}: p99 at 32 conns`,
      value: `${fmt(r.p99, 2)} ms`,
      target: '< 10 ms',
      ok: r.p99 < 10,
    });
    if (r.hwmMb !== null)
      targets.push({
        what: `${r.key}: server peak RSS (VmHWM)`,
        value: `${fmt(r.hwmMb)} MB`,
        target: '< 200 MB',
        ok: r.hwmMb < 200,
      });
    if (r.rows !== null)
      targets.push({
        what: `${r.key}: rows in predictions vs 200s`,
        value: `${r.rows} rows / ${r.ok200} 200s (diff ${r.rows - r.ok200})`,
        target: `rows >= 200s (in-flight at wrk stop: <= ${CONNS * ROUNDS} extra)`,
        ok: r.rows >= r.ok200 && r.rows - r.ok200 <= CONNS * ROUNDS,
      });
    const b = batch[r.key];
    if (b)
      targets.push({
        what: `${r.key}: /v1/predict/batch ${BATCH_RECORDS} records, end to end (to the last byte)`,
        value: `${fmt(b.medianMs)} ms (curl, median of ${BATCH_REPS} 1 s apart; back to back ${fmt(b.backToBackMedianMs)})`,
        target: '< 100 ms',
        ok: b.medianMs < 100,
      });
  }
  for (const v of batchOnly) {
    const b = batch[v.key];
    if (b)
      targets.push({
        what: `${v.key}: /v1/predict/batch ${BATCH_RECORDS} records (${v.label}; for comparison)`,
        value: `${fmt(b.medianMs)} ms (curl, median of ${BATCH_REPS} 1 s apart; back to back ${fmt(b.backToBackMedianMs)})`,
        target: '–',
        ok: true,
      });
  }
  const ref = rows.find((r) => r.key === 'reference-predict');
  const durableRow = rows.find((r) => r.key === 'sqlite-durable');
  const tw = [
    Math.max(...targets.map((t) => t.what.length)),
    Math.max(...targets.map((t) => t.value.length)),
    Math.max(...targets.map((t) => t.target.length)),
  ];
  for (const t of targets)
    lines.push(
      `${t.what.padEnd(tw[0])}  ${t.value.padStart(tw[1])}  ${t.target.padEnd(tw[2])}  ${t.target === '–' ? '' : mark(t.ok)}`,
    );
  if (ref && durableRow)
    lines.push(
      `sqlite-durable vs reference /predict (measured now): ${(durableRow.rps / ref.rps).toFixed(1)}× the requests/s (issue: roughly 50×)`,
    );
  if (!haveFastapi) {
    lines.push('');
    lines.push(
      'Reference NOT measured now; figures from ../shared/anchors/RESULTS.md (2026-11-26, same kind of machine):',
    );
    lines.push(...resultsMdApiRows());
  }
  lines.push('');
  lines.push(
    `loadavg ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${load1.map((x) => x.toFixed(2)).join(' ')} at end — the machine is shared with other sessions; absolute req/s are noisy, compare within this run.`,
  );
  console.log(lines.join('\n'));

  const out = {
    startedLoadavg: load0,
    endedLoadavg: load1,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    wrk: { threads: THREADS, connections: CONNS, durationS: DURATION, warmupS: WARMUP, rounds: ROUNDS },
    prepareSeconds: prep,
    reuseDir,
    referenceMeasured: haveFastapi,
    referenceStartupS: referenceStartS,
    mysql: MYSQL_URL ?? null,
    mysqlSettingsFound: mysqlFound,
    sampleBody: sample,
    summary: rows,
    targets,
    batch,
    durableWriteFloor: floor,
    memory,
    runs,
  };
  const file = join(outDir, 'api-results.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${file}`);
  rmSync(tmp, { recursive: true, force: true });
}

/** POSTs a JSON file with curl; its HTTP status and time to the last byte (time_total). */
/**
 * Issue 17, "scheduled checks add no measurable latency": each checking variant's p99 minus the
 * no-check server's p99 of the same round (a paired difference: both met the same load from the rest
 * of the machine), their median and a 95% bootstrap interval of that median (10,000 resamples, a fixed
 * seed). An interval holding 0 means this run could not tell the check's cost from the noise.
 */
function checkCostLines(base: readonly RunRecord[], byKey: (key: string) => RunRecord[]): string[] {
  const lines: string[] = [];
  for (const key of ['sqlite-durable-checks', 'sqlite-durable-checks-nice0']) {
    const diffs = byKey(key).flatMap((r) => {
      const b = base.find((x) => x.round === r.round);
      return b ? [r.wrk.p99Ms - b.wrk.p99Ms] : [];
    });
    if (diffs.length === 0) continue;
    if (lines.length === 0) {
      lines.push('');
      lines.push("Scheduled checks' cost (issue 17): p99 minus sqlite-durable's p99 in the same round");
    }
    let seed = 17;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const medians: number[] = [];
    for (let i = 0; i < 10_000; i++)
      medians.push(median(diffs.map(() => diffs[Math.floor(random() * diffs.length)] ?? 0)));
    medians.sort((a, b) => a - b);
    const lo = medians[249] ?? Number.NaN;
    const hi = medians[9_749] ?? Number.NaN;
    const higher = diffs.filter((d) => d > 0).length;
    lines.push(
      `  ${key}: ${diffs.map((d) => d.toFixed(2)).join(', ')} ms; median ${median(diffs).toFixed(2)} ms, 95% interval [${lo.toFixed(2)}, ${hi.toFixed(2)}]; higher in ${higher} of ${diffs.length} rounds${lo <= 0 && hi >= 0 ? ' — not told apart from the noise' : ' — measurable'}`,
    );
  }
  return lines;
}

function curlPost(url: string, file: string): { status: number; ms: number } {
  const r = spawnSync(
    'curl',
    [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{time_total}',
      '-H',
      'content-type: application/json',
      '--data-binary',
      `@${file}`,
      url,
    ],
    { encoding: 'utf8' },
  );
  if (r.error) throw r.error;
  const [code, seconds] = r.stdout.trim().split(' ');
  return { status: Number(code), ms: Number(seconds) * 1000 };
}

/**
 * The time to commit the prediction-log rows of one batch through the SQLite writer thread alone
 * (`insertPrepared`, one transaction; the rows go as the server hands them over, 1,000 per chunk of
 * columns, checked before the clock starts): part of every durable batch's end-to-end time, whatever
 * the server does around it. Median of 5 after a warm-up, on a fresh migrated database, idle 300 ms
 * between writes (the WAL checkpoint that follows a commit is not counted).
 */
async function durableWriteFloor(
  records: readonly Record<string, string | number>[],
  dir: string,
): Promise<{ medianMs: number; allMs: number[] }> {
  const storage = await openStorage(`sqlite:${join(dir, 'floor.sqlite')}`);
  const output =
    '{"decision":"poisonous","probability":0.9999734,"novelty":0.2091,"reason":null,"warnings":[]}';
  const inputs = records.map((r) => JSON.stringify(r));
  const times: number[] = [];
  try {
    for (let rep = 0; rep <= 5; rep++) {
      const chunks = [];
      for (let start = 0; start < records.length; start += 1000) {
        const n = Math.min(1000, records.length - start);
        chunks.push(
          preparePredictionChunk({
            ids: Array.from({ length: n }, (_, i) => `floor-${rep}-${start + i}`),
            createdAt: new Date(),
            modelName: 'sporeprint-secondary',
            modelVersion: 3,
            arm: null,
            clientId: '127.0.0.1',
            inputJson: inputs.slice(start, start + n),
            outputJson: new Array<string>(n).fill(output),
            decisions: new Array<'poisonous'>(n).fill('poisonous'),
            probabilities: new Float64Array(n).fill(0.9999734),
            latencyUs: 2,
            requestKind: 'batch',
          } satisfies PredictionChunkInput),
        );
      }
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      await storage.predictions.insertPrepared(chunks);
      if (rep > 0) times.push(performance.now() - t0);
    }
  } finally {
    await storage.close();
  }
  return { medianMs: median(times), allMs: times };
}

/** The median of the known values, or null when none is. */
function medianOrNull(xs: readonly (number | null)[]): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length === 0 ? null : median(known);
}

/** The reference's own wrk body (post.lua), for the sanity request. */
function referenceBody(): string {
  const lua = readFileSync(referenceLua, 'utf8');
  return /wrk\.body = '(.*)'/.exec(lua)?.[1] ?? '{}';
}

/** The API rows of RESULTS.md, for when the reference cannot run here. */
function resultsMdApiRows(): string[] {
  if (!existsSync(resultsMd)) return ['  (RESULTS.md not found)'];
  const text = readFileSync(resultsMd, 'utf8');
  const start = text.indexOf('## API');
  const rows = text
    .slice(start)
    .split('\n')
    .filter((l) => /^\| (bare_get_constant|predict_nolog|predict_sqlite)(_c1)? \| 1 \|/.test(l));
  return rows.map((l) => `  ${l}`);
}

await main();
