/*
 * Runtime code generation, kept because it is measurably faster (issue 15): the generated, unrolled
 * kernel against the plain loop (`genericKernel`, same arithmetic, same sums), interleaved in one process
 * on a loaded 2-core box:
 * - one pass over the secondary data's 61,069 rows × 7 joint cells: 1.6–2.6 ms against 2.3–3.6 ms,
 *   ×1.3–1.6 in five runs of `node --import tsx bench/hist-kernel.ts` (classic data, 3 cells: ×4);
 * - a whole fit of 100 trees of depth 6 on it: ×1.15 (median of 16 interleaved pairs of fits, the
 *   plain loop forced by MAX_UNROLLED = 0 in a second copy of the code).
 */

/**
 * Adds the gradient pairs (`gh[2r]`, `gh[2r + 1]`) of rows `rows[start … end)` into `hist` (interleaved
 * g, h per cell); row `r` adds to the cells `cellOf[r·units … r·units + units)`.
 */
export type HistKernel = (
  hist: Float64Array,
  rows: Uint32Array,
  start: number,
  end: number,
  gh: Float64Array,
  cellOf: Uint16Array | Uint32Array,
) => void;

/** Widest row that gets a generated, fully unrolled kernel. */
const MAX_UNROLLED = 64;

const cache = new Map<number, HistKernel>();

/** The loop every kernel computes, for any width. */
function genericKernel(units: number): HistKernel {
  return (hist, rows, start, end, gh, cellOf) => {
    for (let k = start; k < end; k++) {
      const r = rows[k];
      const g = gh[2 * r];
      const h = gh[2 * r + 1];
      const base = r * units;
      for (let u = 0; u < units; u++) {
        const b = cellOf[base + u] << 1;
        hist[b] += g;
        hist[b + 1] += h;
      }
    }
  };
}

/**
 * The histogram kernel for rows of `units` cells: for up to {@link MAX_UNROLLED} units a generated
 * function with the per-row loop unrolled (loading all cell indices first, then updating), which runs a
 * third faster than the loop; the arithmetic, and so every sum, is the same. Kernels are cached by width.
 * `unrolled: false` gives the plain loop (for benchmarks).
 */
export function histKernel(units: number, unrolled = true): HistKernel {
  if (!unrolled) return genericKernel(units);
  let kernel = cache.get(units);
  if (kernel !== undefined) return kernel;
  if (units > MAX_UNROLLED || units < 1) kernel = genericKernel(units);
  else {
    const lines = [
      'for (let k = start; k < end; k++) {',
      '  const r = rows[k];',
      '  const g = gh[2 * r];',
      '  const h = gh[2 * r + 1];',
      `  const base = r * ${units};`,
    ];
    for (let u = 0; u < units; u++) lines.push(`  const c${u} = cellOf[base + ${u}] << 1;`);
    for (let u = 0; u < units; u++) lines.push(`  hist[c${u}] += g;`, `  hist[c${u} + 1] += h;`);
    lines.push('}');
    kernel = new Function('hist', 'rows', 'start', 'end', 'gh', 'cellOf', lines.join('\n')) as HistKernel;
  }
  cache.set(units, kernel);
  return kernel;
}
