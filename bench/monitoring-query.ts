/**
 * The timed part of the monitoring benchmark, run by bench/monitoring.ts in a child process of its
 * own so that its peak RSS is the queries' alone (filling holds far more): MonitoringService.drift
 * and .performance over the whole filled window, cold (first in this process) and then the median
 * of BENCH_RUNS warm runs each, then both one after the other. Prints one JSON line
 * ({@link QueryResult}).
 *
 *   node --import tsx bench/monitoring-query.ts <database url> <from ISO> <to ISO>
 */
import { performance } from 'node:perf_hooks';
import { openStorage } from '../src/storage/index.js';
import { MODEL_NAME, servicesOver } from './monitoring-fill.js';

/** Cold and warm (median) wall time of one query, in ms. */
export interface QueryTiming {
  readonly cold: number;
  readonly warm: number;
}

/** What the child prints. */
export interface QueryResult {
  readonly drift: QueryTiming;
  readonly performance: QueryTiming;
  readonly both: QueryTiming;
  /** Rows in the drift window, as the report counts them. */
  readonly windowRows: number;
  readonly driftedFeatures: number;
  readonly testedFeatures: number;
  readonly estimatedAccuracy: number | null;
  /** RSS once the modules are loaded and the database open, before any query (MB). */
  readonly baseRssMb: number;
  /** Peak RSS of this process (MB). */
  readonly peakRssMb: number;
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function time(fn: () => Promise<unknown>): Promise<QueryTiming> {
  const t0 = performance.now();
  await fn();
  const cold = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  return { cold, warm: warm[Math.floor(warm.length / 2)] ?? cold };
}

async function main(): Promise<void> {
  const [url, from, to] = process.argv.slice(2);
  if (url === undefined || from === undefined || to === undefined) {
    throw new Error('usage: monitoring-query.ts <database url> <from ISO> <to ISO>');
  }
  const storage = await openStorage(url);
  try {
    const { monitoring } = servicesOver(storage);
    const q = { modelName: MODEL_NAME, from: new Date(from), to: new Date(to) };
    const baseRssMb = process.memoryUsage().rss / 2 ** 20;
    const drift = await time(() => monitoring.drift(q));
    const perf = await time(() => monitoring.performance(q));
    const both = await time(async () => {
      await monitoring.drift(q);
      await monitoring.performance(q);
    });
    const report = await monitoring.drift(q);
    const estimated = (await monitoring.performance(q)).estimated;
    const result: QueryResult = {
      drift,
      performance: perf,
      both,
      windowRows: report.window.rows,
      driftedFeatures: report.dataset?.driftedFeatures ?? 0,
      testedFeatures: report.dataset?.features ?? 0,
      estimatedAccuracy: estimated?.accuracy ?? null,
      baseRssMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await storage.close();
  }
}

await main();
