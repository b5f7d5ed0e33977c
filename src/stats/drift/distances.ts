import { type CategoryTable, categoryTable, valuesAsCategories, type WeightedValues } from './samples.js';

/** The two windows of one feature, after missing values are handled. */
export type DriftData =
  | { readonly kind: 'categorical'; readonly table: CategoryTable<string> }
  | { readonly kind: 'numeric'; readonly reference: WeightedValues; readonly current: WeightedValues };

/** Shares of reference and current rows per bin (or category), aligned. */
export interface BinnedShares {
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

/** Evidently bins a numeric feature for JS / PSI only when its reference has more than 20 distinct values. */
const BIN_ABOVE_DISTINCT = 20;

/** The counts per category, or per distinct value of a numeric feature. */
export function discreteTable(data: DriftData): CategoryTable {
  if (data.kind === 'categorical') return data.table;
  return categoryTable(valuesAsCategories(data.reference), valuesAsCategories(data.current));
}

/**
 * numpy's `histogram_bin_edges(x, bins='sturges')` for a sample of `n` values spanning [lo, hi]:
 * width = (hi − lo)/(log₂ n + 1), ⌈(hi − lo)/width⌉ equal bins (one bin of width 1 around a constant),
 * edges from `linspace`.
 */
export function sturgesEdges(n: number, lo: number, hi: number): Float64Array {
  let first = lo;
  let last = hi;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (hi - lo) / (Math.log2(n) + 1);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/** Counts per bin as `np.histogram(x, edges)`: bins are [e_i, e_{i+1}), the last one closed. */
export function histogramCounts(w: WeightedValues, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const out = new Float64Array(bins);
  for (let i = 0; i < w.values.length; i++) {
    const v = w.values[i];
    if (v < edges[0] || v > edges[bins]) continue;
    // number of edges ≤ v, minus one; v = last edge falls in the last bin
    let lo = 0;
    let hi = bins + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    out[Math.min(lo - 1, bins - 1)] += w.counts[i];
  }
  return out;
}

function minMax(a: WeightedValues, b: WeightedValues): [number, number] {
  const lo = Math.min(a.values[0] ?? Number.POSITIVE_INFINITY, b.values[0] ?? Number.POSITIVE_INFINITY);
  const hi = Math.max(
    a.values.at(-1) ?? Number.NEGATIVE_INFINITY,
    b.values.at(-1) ?? Number.NEGATIVE_INFINITY,
  );
  return [lo, hi];
}

/**
 * Evidently's `get_binned_data`: a numeric feature whose reference has more than 20 distinct values is
 * cut into Sturges bins over reference ∪ current; anything else is taken per category (per value). With
 * `fillZeroes` (PSI) an empty bin gets 0.0001, or a millionth of the smallest non-zero share when that is
 * ≤ 0.0001, so that logarithms stay finite.
 */
export function binnedShares(data: DriftData, fillZeroes: boolean): BinnedShares {
  let ref: Float64Array;
  let cur: Float64Array;
  let nRef: number;
  let nCur: number;
  if (data.kind === 'numeric' && data.reference.values.length > BIN_ABOVE_DISTINCT) {
    const [lo, hi] = minMax(data.reference, data.current);
    nRef = data.reference.total;
    nCur = data.current.total;
    const edges = sturgesEdges(nRef + nCur, lo, hi);
    ref = histogramCounts(data.reference, edges);
    cur = histogramCounts(data.current, edges);
  } else {
    const t = discreteTable(data);
    ref = t.reference.slice();
    cur = t.current.slice();
    nRef = t.referenceTotal;
    nCur = t.currentTotal;
  }
  for (let i = 0; i < ref.length; i++) {
    ref[i] /= nRef;
    cur[i] /= nCur;
  }
  if (fillZeroes) {
    fillEmpty(ref);
    fillEmpty(cur);
  }
  return { reference: ref, current: cur };
}

function fillEmpty(shares: Float64Array): void {
  let min = Number.POSITIVE_INFINITY;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
}

/** x·ln(x/y) with the conventions of `scipy.special.rel_entr` (0 for x = 0, +∞ for y = 0 < x). */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0;
  if (y === 0) return Number.POSITIVE_INFINITY;
  return x * Math.log(x / y);
}

/**
 * Jensen–Shannon distance (the square root of the divergence) between two share vectors, as
 * `scipy.spatial.distance.jensenshannon(p, q, base)`: both are normalised to sum 1; natural logarithm
 * unless `base` is given (Evidently passes none since 0.2.2, so its JS distance is in nats: at most
 * √ln 2 ≈ 0.8326).
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base?: number): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / sp;
    const b = q[i] / sq;
    const m = (a + b) / 2;
    js += relEntr(a, m) + relEntr(b, m);
  }
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(js / 2);
}

/** Evidently's Jensen–Shannon drift: {@link binnedShares} without zero filling, then the distance. */
export function jensenShannonDrift(data: DriftData, base?: number): number {
  const { reference, current } = binnedShares(data, false);
  return jensenShannonDistance(reference, current, base);
}

/** Population Stability Index Σ (r − c)·ln(r/c) over {@link binnedShares} with zero filling (Evidently). */
export function psi(data: DriftData): number {
  const { reference, current } = binnedShares(data, true);
  let s = 0;
  for (let i = 0; i < reference.length; i++) {
    s += (reference[i] - current[i]) * Math.log(reference[i] / current[i]);
  }
  return s;
}

/**
 * Evidently's Hellinger distance √(1 − BC), BC = Σ √(p·q) clipped to [0, 1]. Categorical: shares per
 * category. Numeric (any number of values): density histograms over Sturges bins whose count is set by
 * the number of *distinct* values of reference ∪ current, as Evidently does, BC = Σ √(h_ref·h_cur)·width.
 */
export function hellingerDistance(data: DriftData): number {
  let bc = 0;
  if (data.kind === 'categorical') {
    const t = data.table;
    for (let i = 0; i < t.keys.length; i++) {
      bc += Math.sqrt((t.reference[i] / t.referenceTotal) * (t.current[i] / t.currentTotal));
    }
  } else {
    const distinct = discreteTable(data).keys.length;
    const [lo, hi] = minMax(data.reference, data.current);
    const edges = sturgesEdges(distinct, lo, hi);
    const ref = histogramCounts(data.reference, edges);
    const cur = histogramCounts(data.current, edges);
    const bins = edges.length - 1;
    const width = (edges[bins] - edges[0]) / bins;
    for (let i = 0; i < bins; i++) {
      const db = edges[i + 1] - edges[i];
      const h1 = ref[i] / db / data.reference.total;
      const h2 = cur[i] / db / data.current.total;
      bc += Math.sqrt(h1 * h2) * width;
    }
  }
  bc = Math.min(1, Math.max(0, bc));
  return Math.sqrt(1 - bc);
}
