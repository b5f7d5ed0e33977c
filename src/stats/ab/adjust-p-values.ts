/** Corrections for several challengers tested against one control. */
import { badParam, checkProbability } from './check-params.js';

function checkPValues(pValues: readonly number[]): void {
  if (!Array.isArray(pValues)) badParam('pValues', 'must be an array of p-values');
  if (pValues.length === 0) badParam('pValues', 'is empty: there is nothing to adjust');
  pValues.forEach((p, i) => {
    checkProbability(`pValues[${i}]`, p);
  });
}

/** Indices of `pValues` in ascending order of p (ties keep their input order). */
function ascendingOrder(pValues: readonly number[]): number[] {
  return pValues.map((_, i) => i).sort((i, j) => pValues[i] - pValues[j] || i - j);
}

/**
 * Holm–Bonferroni adjusted p-values (step-down; controls the family-wise error rate), in input order:
 * with p₍₁₎ ≤ … ≤ p₍ₘ₎, adjusted p₍ᵢ₎ = min(1, max_{j≤i} (m − j + 1)·p₍ⱼ₎). Same figures as statsmodels'
 * `multipletests(method='holm')`. Reject hypothesis i at level α when its adjusted p-value ≤ α.
 *
 * @example holmBonferroni([0.01, 0.04, 0.03]) // [0.03, 0.06, 0.06]
 */
export function holmBonferroni(pValues: readonly number[]): number[] {
  checkPValues(pValues);
  const m = pValues.length;
  const out = new Array<number>(m);
  let running = 0;
  ascendingOrder(pValues).forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[idx]));
    out[idx] = running;
  });
  return out;
}

/**
 * Benjamini–Hochberg adjusted p-values (step-up; controls the false discovery rate), in input order:
 * adjusted p₍ᵢ₎ = min(1, min_{j≥i} m·p₍ⱼ₎/j). Same figures as statsmodels' `multipletests(method='fdr_bh')`.
 *
 * @example benjaminiHochberg([0.01, 0.04, 0.03]) // [0.03, 0.04, 0.04]
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  checkPValues(pValues);
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const out = new Array<number>(m);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const idx = order[rank];
    running = Math.min(running, (m * pValues[idx]) / (rank + 1));
    out[idx] = running;
  }
  return out;
}
