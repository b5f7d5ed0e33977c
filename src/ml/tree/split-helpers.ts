/** Small numeric helpers of the CART builder (internal to the tree module). */

/** Impurity of a node with class weights (w0, w1). */
export function impurityOf(criterion: 'gini' | 'entropy', w0: number, w1: number): number {
  const w = w0 + w1;
  if (w <= 0) return 0;
  const p0 = w0 / w;
  const p1 = w1 / w;
  if (criterion === 'gini') return 1 - p0 * p0 - p1 * p1;
  let h = 0;
  if (p0 > 0) h -= p0 * Math.log2(p0);
  if (p1 > 0) h -= p1 * Math.log2(p1);
  return h;
}

/** Adjacent values closer than this are treated as equal (scikit-learn's FEATURE_THRESHOLD). */
export const FEATURE_THRESHOLD = 1e-7;
/** Numeric columns with at most this many distinct values are scanned as histograms. */
export const MAX_BINS = 256;

/** Threshold between two adjacent values a < b: the midpoint, or b when rounding makes it ≤ a. */
export function midpoint(a: number, b: number): number {
  const t = a / 2 + b / 2;
  return t > a && t <= b ? t : b;
}

/** Sorted distinct non-NaN values of `x`, or null when there are more than `max`. */
export function distinctValues(x: Float64Array, max: number): Float64Array | null {
  const seen = new Set<number>();
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) continue;
    seen.add(v === 0 ? 0 : v); // −0 and 0 are one value
    if (seen.size > max) return null;
  }
  return Float64Array.from(seen).sort();
}

/** Index of the first element ≥ v in the sorted array. */
export function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
