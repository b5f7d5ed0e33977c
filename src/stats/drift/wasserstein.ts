import type { WeightedValues } from './samples.js';

/** Evidently's floor on the reference standard deviation that norms the Wasserstein distance. */
export const WASSERSTEIN_STD_FLOOR = 0.001;

/**
 * First Wasserstein (earth mover's) distance between two weighted samples: ∫|F_u − F_v| dx, the area
 * between the two empirical CDFs (as `scipy.stats.wasserstein_distance(u, v, u_weights, v_weights)`).
 */
export function wassersteinDistance(u: WeightedValues, v: WeightedValues): number {
  let i = 0;
  let j = 0;
  let cu = 0;
  let cv = 0;
  let prev = Number.NaN;
  let area = 0;
  while (i < u.values.length || j < v.values.length) {
    const a = i < u.values.length ? u.values[i] : Number.POSITIVE_INFINITY;
    const b = j < v.values.length ? v.values[j] : Number.POSITIVE_INFINITY;
    const x = Math.min(a, b);
    if (!Number.isNaN(prev)) area += Math.abs(cu / u.total - cv / v.total) * (x - prev);
    if (a === x) cu += u.counts[i++];
    if (b === x) cv += v.counts[j++];
    prev = x;
  }
  return area;
}

/** Population standard deviation (ddof = 0, as `np.std`) of a weighted sample, two-pass. */
export function weightedStd(w: WeightedValues): number {
  let s = 0;
  for (let i = 0; i < w.values.length; i++) s += w.values[i] * w.counts[i];
  const mean = s / w.total;
  let ss = 0;
  for (let i = 0; i < w.values.length; i++) {
    const d = w.values[i] - mean;
    ss += d * d * w.counts[i];
  }
  return Math.sqrt(ss / w.total);
}

/** Result of {@link wassersteinNormed}. */
export interface WassersteinNormedResult {
  /** W₁(ref, cur) / max(std(ref), 0.001). */
  readonly value: number;
  /** The distance before norming, in the feature's unit. */
  readonly distance: number;
  readonly norm: number;
  /**
   * Proven bounds on the normed distance of the unrounded data when either sample has a resolution > 0:
   * moving every row by at most ρ moves W₁ by at most ρ_ref + ρ_cur and the standard deviation by at
   * most ρ_ref (both are 1-Lipschitz in that coupling). Equal to [value, value] when exact.
   */
  readonly bounds: readonly [number, number];
}

/**
 * Evidently's "Wasserstein distance (normed)": W₁ divided by the reference's population standard
 * deviation, floored at 0.001 (so a constant reference does not divide by zero).
 */
export function wassersteinNormed(ref: WeightedValues, cur: WeightedValues): WassersteinNormedResult {
  const distance = wassersteinDistance(ref, cur);
  const sd = weightedStd(ref);
  const norm = Math.max(sd, WASSERSTEIN_STD_FLOOR);
  const value = distance / norm;
  const err = ref.resolution + cur.resolution;
  if (err === 0) return { value, distance, norm, bounds: [value, value] };
  const lower = Math.max(0, distance - err) / Math.max(sd + ref.resolution, WASSERSTEIN_STD_FLOOR);
  const upper = (distance + err) / Math.max(sd - ref.resolution, WASSERSTEIN_STD_FLOOR);
  return { value, distance, norm, bounds: [lower, upper] };
}
