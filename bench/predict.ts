/**
 * Prediction benchmark (issue 3 targets): gradient-boosting batch prediction ≥ 1,000,000 rows/s for
 * 100 trees of depth 6 on one core, and a whole-pipeline single prediction (raw record in, decision out)
 * under 10 µs.
 *
 *   npm run bench:predict
 *   BENCH_ROWS=2000000 BENCH_REPS=7 npm run bench:predict
 *
 * Data: data/secondary_data.csv through src/data (detectFormat, parseRows, validateRow, TreeEncoder),
 * GBT (100 trees, depth 6, eta 0.3) trained on a stratified 80% split; the other 20% is the held-out set
 * the decision policy is fitted on and the batch matrix is tiled from. Everything runs on this thread.
 * The old interpreter (FlatForest) and the compiled forest are timed interleaved in the same process, so
 * load on the machine affects both alike.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Matrix } from '../src/core/index.js';
import { type CleanRecord, getSchema, stratifiedSplit, TreeEncoder } from '../src/data/index.js';
import { CompiledForest, FlatForest, GradientBoostingClassifier } from '../src/ml/gbt/index.js';
import { NoveltyDetector, NoveltyGuard } from '../src/ml/novelty/index.js';
import { ModelPipeline } from '../src/ml/pipeline/index.js';
import { DecisionPolicy } from '../src/ml/policy/index.js';
import { loadRecords } from './load-records.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.env.BENCH_SOURCE ?? join(root, 'data', 'secondary_data.csv');
const TARGET_ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const SINGLE_CALLS = Number(process.env.BENCH_SINGLE ?? 200_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmtRate(rowsPerSec: number): string {
  return `${(rowsPerSec / 1e6).toFixed(2)} M rows/s`;
}

function take(records: CleanRecord[], split: Uint8Array, code: number): CleanRecord[] {
  return records.filter((_, i) => split[i] === code);
}

function tile(m: Matrix, rows: number): Matrix {
  const data = new Float64Array(rows * m.cols);
  for (let r = 0; r < rows; r += m.rows) {
    const n = Math.min(m.rows, rows - r);
    data.set(m.data.subarray(0, n * m.cols), r * m.cols);
  }
  return { data, rows, cols: m.cols };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const { records, invalid } = await loadRecords(source, 'secondary');
  if (invalid > 0) process.stdout.write(`(${invalid} invalid rows skipped)\n`);
  const labels = Uint8Array.from(records.map((r) => r.label));
  const split = stratifiedSplit(labels, { train: 0.8, validation: 0.2, test: 0 }, 42);
  const train = take(records, split, 0);
  const held = take(records, split, 1);
  const schema = getSchema('secondary');
  const enc = new TreeEncoder().fit(train, schema);
  const Xtr = enc.transform(train);
  const ytr = Uint8Array.from(train.map((r) => r.label));
  const Xte = enc.transform(held);
  const yte = Uint8Array.from(held.map((r) => r.label));
  const tl = performance.now();
  const gbt = new GradientBoostingClassifier({ nEstimators: 100, maxDepth: 6, eta: 0.3, seed: 42 }).fit(
    Xtr,
    ytr,
    { features: enc.featureInfo() },
  );
  const tf = performance.now();
  const trees = gbt.trees;
  let nodes = 0;
  for (const t of trees) nodes += t.left.length;
  process.stdout.write(
    `data: ${records.length} rows (load ${((tl - t0) / 1000).toFixed(2)} s), train ${train.length}, held-out ${held.length}\n` +
      `model: ${trees.length} trees, depth ≤ 6, ${nodes} nodes (fit ${((tf - tl) / 1000).toFixed(2)} s)\n`,
  );

  // ---- batch prediction --------------------------------------------------------------------------
  const rows = Math.max(TARGET_ROWS, Xte.rows);
  const big = tile(Xte, rows);
  const flat = new FlatForest(trees);
  const compiled = new CompiledForest(trees);
  process.stdout.write(`compiled path: ${compiled.isCompiled() ? 'yes' : 'NO (fallback interpreter)'}\n`);
  const outFlat = new Float64Array(rows);
  const outComp = new Float64Array(rows);
  const base = gbt.baseMargin;
  const runFlat = (): number => {
    const s = performance.now();
    outFlat.fill(base);
    flat.accumulate(big.data, rows, big.cols, outFlat);
    return performance.now() - s;
  };
  const runComp = (): number => {
    const s = performance.now();
    outComp.fill(base);
    compiled.accumulate(big.data, rows, big.cols, outComp);
    return performance.now() - s;
  };
  // Warm-up (JIT) on a slice, then interleaved timed runs.
  const warm = Math.min(rows, 50_000);
  for (let k = 0; k < 3; k++) {
    flat.accumulate(big.data, warm, big.cols, outFlat.fill(base, 0, warm));
    compiled.accumulate(big.data, warm, big.cols, outComp.fill(base, 0, warm));
  }
  const tFlat: number[] = [];
  const tComp: number[] = [];
  for (let k = 0; k < REPS; k++) {
    tFlat.push(runFlat());
    tComp.push(runComp());
  }
  for (let i = 0; i < rows; i++) {
    if (!Object.is(outFlat[i], outComp[i])) throw new Error(`margin mismatch at row ${i}`);
  }
  // Through the public API (compiled path + sigmoid).
  const proba = new Float64Array(rows);
  const tApi: number[] = [];
  for (let k = 0; k < REPS; k++) {
    const s = performance.now();
    gbt.predictProba(big, proba);
    tApi.push(performance.now() - s);
  }
  const rFlat = rows / (median(tFlat) / 1000);
  const rComp = rows / (median(tComp) / 1000);
  const rApi = rows / (median(tApi) / 1000);
  process.stdout.write(
    `\nbatch prediction, ${rows} rows × ${big.cols} cols, ${trees.length} trees, one thread, median of ${REPS}:\n` +
      `  FlatForest interpreter (old)     ${fmtRate(rFlat).padStart(16)}   ${median(tFlat).toFixed(1)} ms\n` +
      `  CompiledForest (new)             ${fmtRate(rComp).padStart(16)}   ${median(tComp).toFixed(1)} ms   ×${(rComp / rFlat).toFixed(1)}\n` +
      `  GradientBoostingClassifier.predictProba ${fmtRate(rApi).padStart(9)}   ${median(tApi).toFixed(1)} ms\n` +
      `  target ≥ 1.00 M rows/s: ${rApi >= 1e6 ? 'met' : 'NOT met'} (margins bit-identical: yes)\n`,
  );

  // ---- single prediction through the whole pipeline ---------------------------------------------
  const pVal = gbt.predictProba(Xte);
  let correct = 0;
  for (let i = 0; i < yte.length; i++) if ((pVal[i] > 0.5 ? 1 : 0) === yte[i]) correct++;
  const pipe = ModelPipeline.create({
    schema: 'secondary',
    modelKind: 'gradient-boosting',
    encoder: enc,
    estimator: gbt,
    policy: DecisionPolicy.fit(yte, pVal),
  });
  const inputs = held.map((r) => r.values);
  let sink = 0;
  for (let k = 0; k < 50_000; k++) sink += pipe.predictOne(inputs[k % inputs.length]).probability;
  // Per-call times measured in batches of 100 calls (timer resolution), median over batches.
  const BATCH = 100;
  const perCall: number[] = [];
  for (let k = 0; k < SINGLE_CALLS; k += BATCH) {
    const s = process.hrtime.bigint();
    for (let j = 0; j < BATCH; j++) {
      const one = pipe.predictOne(inputs[(k + j) % inputs.length]);
      if (one.decision === 'poisonous') sink++;
    }
    perCall.push(Number(process.hrtime.bigint() - s) / BATCH);
  }
  for (let i = 0; i < 1000; i++) {
    if (pipe.predictOne(inputs[i]).probability !== pVal[i]) throw new Error(`predictOne mismatch at ${i}`);
  }
  const ns = median(perCall);
  process.stdout.write(
    `\nsingle prediction, ModelPipeline.predictOne (raw values → decision), ${SINGLE_CALLS} calls:\n` +
      `  median ${ns.toFixed(0)} ns/call (${(ns / 1000).toFixed(2)} µs), p90 ${(
        [...perCall].sort((a, b) => a - b)[Math.floor(perCall.length * 0.9)] / 1000
      ).toFixed(2)} µs; target < 10 µs: ${ns < 10_000 ? 'met' : 'NOT met'}\n` +
      `  held-out accuracy at 0.5: ${((100 * correct) / yte.length).toFixed(2)}%  (sink ${sink > 0 ? 'ok' : '-'})\n`,
  );

  // ---- the same pipeline with the unknown-species guard: its added cost per prediction ----------
  const detector = new NoveltyDetector().fit(enc.transform(train), enc.featureInfo());
  const guard = NoveltyGuard.calibrate(detector, Xte);
  const guarded = ModelPipeline.create({
    schema: 'secondary',
    modelKind: 'gradient-boosting',
    encoder: enc,
    estimator: gbt,
    policy: DecisionPolicy.fit(yte, pVal),
    guard: { encoder: enc, guard },
  });
  for (let k = 0; k < 50_000; k++) sink += guarded.predictOne(inputs[k % inputs.length]).probability;
  const plainT: number[] = [];
  const guardT: number[] = [];
  for (let k = 0; k < SINGLE_CALLS; k += BATCH) {
    let s = process.hrtime.bigint();
    for (let j = 0; j < BATCH; j++) sink += pipe.predictOne(inputs[(k + j) % inputs.length]).probability;
    plainT.push(Number(process.hrtime.bigint() - s) / BATCH);
    s = process.hrtime.bigint();
    for (let j = 0; j < BATCH; j++) sink += guarded.predictOne(inputs[(k + j) % inputs.length]).probability;
    guardT.push(Number(process.hrtime.bigint() - s) / BATCH);
  }
  const added = median(guardT) - median(plainT);
  process.stdout.write(
    `\nunknown-species guard, interleaved batches of ${BATCH} calls:\n` +
      `  without ${(median(plainT) / 1000).toFixed(2)} µs, with ${(median(guardT) / 1000).toFixed(2)} µs: adds ${(added / 1000).toFixed(2)} µs per prediction; target < 50 µs: ${
        added < 50_000 ? 'met' : 'NOT met'
      }\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
