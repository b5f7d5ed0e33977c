/**
 * Dashboard benchmark (issue 19 targets: every page interactive in under 1 s in headless Chromium with
 * 1,000,000 logged predictions, 1,000 model versions and 100 experiments in the database; the shipped
 * JavaScript under 300 KB gzipped).
 *
 *   npm run bench:dashboard
 *   npm run bench:dashboard -- --rows 100000 --keep      # smaller; keep the filled database
 *
 * Fill (SQLite, a file in a temp dir): the bundled secondary data through the ETL, a logistic
 * regression trained, registered and promoted (bench/monitoring-fill.ts), then `--versions` (default
 * 1,000) versions of that model in all, `--experiments` (default 100) experiments on it — drafts,
 * stopped and concluded ones, and one running between v1 and v2 — and `--rows` (default 1,000,000)
 * predictions through the real prediction log over the last 24 hours, one chunk in ten answered by an
 * arm of the running experiment. A kept database that holds the rows is reused.
 *
 * Timed: `sporeprint serve` over it (its own process; scheduled checks off so that they do not share
 * the machine with the timing), and headless Chromium loading each page in a fresh browser context
 * (nothing cached), once to warm the server, then BENCH_RUNS times (default 3). A page is interactive
 * when its data is in the document (the performance mark `sporeprint:ready` its page sets) and its main
 * thread is free: the time printed is from navigation start to the later of the two (the end of the
 * last long task). The
 * shipped scripts and styles are gzipped at level 9, as the server sends them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildWeb, staleWebReason } from '../scripts/build.js';
import { DEFAULT_SETTINGS } from '../src/services/index.js';
import { openStorage, type Storage } from '../src/storage/index.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { argNumber as argOf } from './bench-args.js';
import { fillLog, MODEL_NAME, prepareModel, servicesOver } from './monitoring-fill.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const argNumber = (name: string, fallback: number): number => argOf(args, name, fallback);
const ROWS = argNumber('--rows', 1_000_000);
const VERSIONS = argNumber('--versions', 1000);
const EXPERIMENTS = argNumber('--experiments', 100);
const KEEP = args.includes('--keep');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SOURCE = join(root, 'data', 'secondary_data.csv');
const DIR = join(tmpdir(), 'sporeprint-bench-dashboard');
const DB_URL = `sqlite:${join(DIR, 'dashboard.db')}`;
const RUNNING = 'exp-bench-running';
const TARGET_MS = 1000;
const TARGET_GZ_KB = 300;

/** Versions 2…n of the model: copies of v1's record (the registry's own insert, no training). */
async function registerVersions(storage: Storage, n: number): Promise<void> {
  const v1 = await storage.registry.getVersion(MODEL_NAME, 1);
  for (let v = 2; v <= n; v++) {
    await storage.registry.registerVersion({
      modelName: MODEL_NAME,
      runId: v1.runId,
      datasetId: v1.datasetId,
      sourceSha256: v1.sourceSha256,
      artifactSha256: v1.artifactSha256,
      artifactStore: v1.artifactStore,
      metrics: v1.metrics,
      params: v1.params,
      tags: { ...v1.tags, bench: String(v) },
      author: 'bench',
    });
  }
}

/** `n` experiments: drafts, stopped and concluded ones, and the running one (v1 against v2). */
async function createExperiments(storage: Storage, n: number): Promise<void> {
  const arms = (a: number, b: number) => [
    { name: 'control', version: a, role: 'control' as const, weight: 1 },
    { name: 'challenger', version: b, role: 'challenger' as const, weight: 1 },
  ];
  const change = (id: string, from: 'draft' | 'running' | 'stopped', action: string) => ({
    id,
    from: [from],
    action,
    actor: 'bench',
  });
  for (let i = 1; i < n; i++) {
    const id = `exp-bench-${String(i).padStart(4, '0')}`;
    await storage.experiments.create({
      id,
      modelName: MODEL_NAME,
      description: `benchmark experiment ${i}`,
      assignment: 'client',
      arms: arms(1, 2 + (i % (VERSIONS - 1))),
      settings: DEFAULT_SETTINGS,
      createdBy: 'bench',
    });
    if (i % 3 === 0) continue;
    await storage.experiments.transition({ ...change(id, 'draft', 'start'), to: 'running' });
    await storage.experiments.transition({ ...change(id, 'running', 'stop'), to: 'stopped' });
    if (i % 3 === 2) {
      await storage.experiments.transition({
        ...change(id, 'stopped', 'conclude'),
        to: 'concluded',
        winner: 'control',
      });
    }
  }
  await storage.experiments.create({
    id: RUNNING,
    modelName: MODEL_NAME,
    description: 'the running benchmark experiment',
    assignment: 'client',
    arms: arms(1, 2),
    settings: DEFAULT_SETTINGS,
    createdBy: 'bench',
  });
  await storage.experiments.transition({ ...change(RUNNING, 'draft', 'start'), to: 'running' });
}

/** Fills the database (or reuses a kept one that holds the rows); returns the fill time, or null. */
async function fill(): Promise<number | null> {
  mkdirSync(DIR, { recursive: true });
  const storage = await openStorage(DB_URL);
  try {
    if ((await storage.predictions.count()) >= ROWS) return null;
    await storage.close();
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
  } catch (e) {
    await storage.close();
    throw e;
  }
  const fresh = await openStorage(DB_URL);
  try {
    const t0 = performance.now();
    const version = await prepareModel(fresh, root, SOURCE);
    await registerVersions(fresh, VERSIONS);
    await createExperiments(fresh, EXPERIMENTS);
    const start = new Date(Date.now() - 24 * 3_600_000);
    // one chunk in ten answered by an arm of the running experiment
    await fillLog(fresh, SOURCE, version, {
      rows: ROWS,
      hours: 24,
      start,
      arm: (c) =>
        c % 10 === 3
          ? {
              experimentId: RUNNING,
              arm: c % 20 === 3 ? 'control' : 'challenger',
              version: c % 20 === 3 ? 1 : 2,
            }
          : null,
    });
    await servicesOver(fresh).monitoring.profile(MODEL_NAME, 'production');
    return performance.now() - t0;
  } finally {
    await fresh.close();
  }
}

/** `sporeprint serve` over the filled database; resolves with its URL. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'serve', '--port', '0'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: DB_URL,
        SPOREPRINT_VAR_DIR: join(DIR, 'var'),
        SPOREPRINT_MODEL_NAME: MODEL_NAME,
        SPOREPRINT_ARTIFACT_STORE: 'database',
        SPOREPRINT_LOG_LEVEL: 'warn',
        SPOREPRINT_ACCESS_LOG: 'false',
        SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
        SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolvePromise({ child, url: m[1] });
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  });
}

/** Gzipped bytes of the built dashboard's scripts and of its styles. */
function shippedSizes(): { js: number; css: number; jsRaw: number } {
  const assets = join(root, 'dist', 'web', 'assets');
  let js = 0;
  let css = 0;
  let jsRaw = 0;
  for (const f of readdirSync(assets)) {
    const body = readFileSync(join(assets, f));
    const gz = gzipSync(body, { level: 9 }).length;
    if (f.endsWith('.js')) {
      js += gz;
      jsRaw += body.length;
    } else if (f.endsWith('.css')) css += gz;
  }
  return { js, css, jsRaw };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** What the page reports when ready: when its data was drawn, and when its last long task ended. */
const LONG_TASKS = `
  window.__longTaskEnd = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTaskEnd = Math.max(window.__longTaskEnd, e.startTime + e.duration);
  }).observe({ type: 'longtask', buffered: true });
`;

async function main(): Promise<void> {
  console.log(`dashboard benchmark — ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}`);
  const reason = staleWebReason(root);
  if (reason !== null && (await buildWeb(root, { log: (l) => console.log(l) })) !== 0) {
    throw new Error(`building the dashboard failed (${reason})`);
  }
  const filled = await fill();
  console.log(
    filled === null
      ? `reusing ${DB_URL}`
      : `filled ${DB_URL}: ${ROWS.toLocaleString('en-US')} predictions, ${VERSIONS} versions, ${EXPERIMENTS} experiments in ${(filled / 1000).toFixed(1)} s`,
  );
  const { child, url } = await serve();
  const browser = await launchChromium();
  const pages = [
    ['Overview', '#/'],
    ['Models', '#/models'],
    [`Model (${VERSIONS} versions)`, `#/models/${MODEL_NAME}`],
    [`Experiments (${EXPERIMENTS})`, '#/experiments'],
    ['Experiment (running)', `#/experiments/${RUNNING}`],
    ['Monitoring (last hour)', '#/monitoring'],
    [`Monitoring (24 h: ${ROWS.toLocaleString('en-US')} rows)`, '#/monitoring/24'],
    ['Pipelines', '#/pipelines'],
    ['Data', '#/data'],
    ['Classify', '#/classify'],
  ] as const;
  const rows: string[][] = [];
  let worst = 0;
  try {
    for (const [name, hash] of pages) {
      const times: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.addInitScript(LONG_TASKS);
        await page.goto(`${url}/${hash}`);
        await page.waitForSelector('[data-ready]', { state: 'attached', timeout: 60_000 });
        const readyAt = (await page.evaluate(
          "performance.getEntriesByName('sporeprint:ready').at(-1)?.startTime ?? performance.now()",
        )) as number;
        await page.waitForTimeout(300); // a long task still running shows up here
        const longTaskEnd = (await page.evaluate('window.__longTaskEnd')) as number;
        if (run > 0) times.push(Math.max(readyAt, longTaskEnd));
        await context.close();
      }
      const m = median(times);
      worst = Math.max(worst, ...times);
      rows.push([name, m.toFixed(0), Math.max(...times).toFixed(0), m < TARGET_MS ? 'yes' : 'NO']);
    }
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...[['page', 'median ms', 'max ms', `< ${TARGET_MS} ms`], ...rows].map((r) => r[i].length)),
  );
  for (const r of [['page', 'median ms', 'max ms', `< ${TARGET_MS} ms`], ...rows]) {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
  const size = shippedSizes();
  console.log(
    `time to interactive (${RUNS} runs per page, fresh browser context each): worst ${worst.toFixed(0)} ms`,
  );
  console.log(
    `shipped JavaScript: ${(size.js / 1024).toFixed(1)} KB gzipped (${(size.jsRaw / 1024).toFixed(1)} KB raw; target < ${TARGET_GZ_KB} KB), styles ${(size.css / 1024).toFixed(1)} KB gzipped`,
  );
  if (!KEEP) rmSync(DIR, { recursive: true, force: true });
  else console.log(`kept ${DIR}`);
}

await main();
