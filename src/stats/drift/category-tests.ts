import { chiSquareSf, normalSf } from './distributions.js';
import type { CategoryTable } from './samples.js';

/** A test statistic with its p-value. */
export interface PValueResult {
  readonly statistic: number;
  readonly pValue: number;
}

/**
 * Evidently's chi-square test: a goodness-of-fit test of the current counts against the reference
 * shares scaled to the current size (`scipy.stats.chisquare(f_obs=cur, f_exp=ref·n_cur/n_ref)`), over the
 * categories seen on either side, with k − 1 degrees of freedom. A category unseen in the reference has
 * an expected count of 0: the statistic is +∞ and the p-value 0 (drift), as in scipy.
 * Deviation: with a single category scipy returns NaN (0 degrees of freedom); this returns p = 1.
 */
export function chiSquareTest(t: CategoryTable): PValueResult {
  const k = t.keys.length;
  if (k <= 1) return { statistic: 0, pValue: 1 };
  const scale = t.currentTotal / t.referenceTotal;
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const expected = t.reference[i] * scale;
    const d = t.current[i] - expected;
    stat += expected === 0 ? (d === 0 ? 0 : Number.POSITIVE_INFINITY) : (d * d) / expected;
  }
  return { statistic: stat, pValue: chiSquareSf(stat, k - 1) };
}

/**
 * Evidently's Z-test for two proportions: the share of every category but the first (in sorted order)
 * in reference vs current, pooled standard error, two-sided. When both sides hold the same single value
 * the p-value is 1. Deviation: the p-value is 2·P(Z ≥ |z|) from erfc rather than Evidently's
 * 2·(1 − Φ(|z|)), which rounds to 0 past |z| ≈ 8.3; they agree to 1e-15 absolute everywhere.
 */
export function zTest(t: CategoryTable): PValueResult {
  const n1 = t.referenceTotal;
  const n2 = t.currentTotal;
  if (t.keys.length <= 1) return { statistic: 0, pValue: 1 };
  const first = firstKeyIndex(t.keys);
  const x1 = n1 - t.reference[first];
  const x2 = n2 - t.current[first];
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * normalSf(Math.abs(z)) };
}

function firstKeyIndex(keys: readonly (string | number)[]): number {
  let best = 0;
  for (let i = 1; i < keys.length; i++) {
    const a = keys[i];
    const b = keys[best];
    if (typeof a === 'number' && typeof b === 'number' ? a < b : String(a) < String(b)) best = i;
  }
  return best;
}

/**
 * Cramér's V of the 2 × k contingency table reference-vs-current (Pearson χ² without continuity
 * correction, as `scipy.stats.contingency.association(…, method='cramer')`): 0 when the two windows have
 * the same shares, 1 when they share no category. The effect size reported with chi-square and Z-tests,
 * finite even when a category is unseen in the reference. 0 for a single category.
 */
export function cramersV(t: CategoryTable): number {
  const k = t.keys.length;
  if (k <= 1) return 0;
  const n = t.referenceTotal + t.currentTotal;
  let chi2 = 0;
  for (let i = 0; i < k; i++) {
    const col = t.reference[i] + t.current[i];
    const e1 = (col * t.referenceTotal) / n;
    const e2 = (col * t.currentTotal) / n;
    chi2 += (t.reference[i] - e1) ** 2 / e1 + (t.current[i] - e2) ** 2 / e2;
  }
  return Math.sqrt(chi2 / n);
}
