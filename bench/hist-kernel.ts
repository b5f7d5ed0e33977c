/**
 * Histogram kernel benchmark: the generated, unrolled kernel (src/ml/gbt/hist-kernel.ts) against the
 * plain loop, on the secondary data's joint bins (or BENCH_SOURCE's), interleaved in one process;
 * checks that the sums agree.
 *
 *   node --import tsx bench/hist-kernel.ts
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TreeEncoder } from '../src/data/index.js';
import { binMatrix } from '../src/ml/gbt/binning.js';
import { histKernel } from '../src/ml/gbt/hist-kernel.js';
import { jointLayout } from '../src/ml/gbt/joint-bins.js';
import { loadRecords } from './load-records.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.env.BENCH_SOURCE ?? join(root, 'data', 'secondary_data.csv');
const PASSES = 30;
const ROUNDS = 9;

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main(): Promise<void> {
  const { records, schema } = await loadRecords(source);
  const enc = new TreeEncoder().fit(records, schema);
  const X = enc.transform(records);
  const layout = jointLayout(binMatrix(X, enc.featureInfo(), 256));
  const n = X.rows;
  const rows = Uint32Array.from({ length: n }, (_, i) => i);
  const gh = Float64Array.from({ length: 2 * n }, (_, i) => Math.sin(i) * 0.25 + (i & 1 ? 0.3 : 0));
  const kernels = { generated: histKernel(layout.units), plain: histKernel(layout.units, false) };
  const sums = { generated: new Float64Array(2 * layout.cells), plain: new Float64Array(2 * layout.cells) };
  const time = (which: 'generated' | 'plain'): number => {
    const hist = sums[which].fill(0);
    const t = performance.now();
    for (let p = 0; p < PASSES; p++) kernels[which](hist, rows, 0, n, gh, layout.cellOf);
    return (performance.now() - t) / PASSES;
  };
  for (let w = 0; w < 5; w++) for (const k of ['generated', 'plain'] as const) time(k);
  const t = { generated: [] as number[], plain: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? (['generated', 'plain'] as const) : (['plain', 'generated'] as const);
    for (const k of order) t[k].push(time(k));
  }
  const same = sums.generated.every((v, i) => v === sums.plain[i]);
  const g = median(t.generated);
  const p = median(t.plain);
  process.stdout.write(
    `histogram of ${n} rows × ${layout.units} joint cells, median of ${ROUNDS} interleaved rounds of ${PASSES} passes:\n` +
      `  generated (unrolled)  ${g.toFixed(2)} ms per pass\n` +
      `  plain loop            ${p.toFixed(2)} ms per pass   generated ×${(p / g).toFixed(2)} faster\n` +
      `  same sums: ${same ? 'yes' : 'NO'}\n`,
  );
  if (!same) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
