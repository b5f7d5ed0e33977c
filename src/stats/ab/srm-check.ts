/** Sample ratio mismatch: do the units per arm match the configured weights? */
import { badParam, checkCount, checkFinite, checkOpenUnit } from './check-params.js';
import { chiSquareSf } from './distributions.js';

/** GrowthBook flags a sample ratio mismatch when the chi-square p-value is below 0.001. */
export const SRM_P_THRESHOLD = 0.001;

/** GrowthBook checks the split only once every arm has at least 8 units. */
export const SRM_MIN_UNITS = 8;

/** Options of {@link srmCheck}. */
export interface SrmOptions {
  /** Flag below this p-value. Default {@link SRM_P_THRESHOLD} (0.001). */
  readonly threshold?: number;
  /** Judge only when every arm has at least this many units. Default {@link SRM_MIN_UNITS} (8). */
  readonly minUnits?: number;
}

/**
 * Which rule decided: the chi-square test ran and decided; an arm had fewer than `minUnits` units (not
 * judged yet); or an arm with weight 0 received units (a mismatch whatever the statistic says).
 */
export type SrmRule = 'chi-square' | 'min-units-not-met' | 'zero-weight-arm-has-units';

/** Result of {@link srmCheck}. */
export interface SrmResult {
  /** Chi-square statistic over the arms with positive weight. */
  readonly chiSquare: number;
  /** Degrees of freedom: (arms with positive weight) − 1. */
  readonly df: number;
  readonly pValue: number;
  /** Expected units per arm: the weights' share of the units in arms with positive weight (input order). */
  readonly expected: readonly number[];
  readonly flagged: boolean;
  readonly rule: SrmRule;
  readonly threshold: number;
  readonly minUnits: number;
}

/**
 * Chi-square goodness of fit of the observed units per arm against the configured weights (any positive
 * scale: they are normalised), as GrowthBook's SRM check: flagged when p < 0.001 and only once every arm
 * has at least 8 units — `rule` says which applied. Arms with weight 0 are left out of the statistic
 * (GrowthBook skips them too); one that nonetheless received units is flagged on its own.
 *
 * @example srmCheck([5100, 4900], [0.5, 0.5]) // { pValue: 0.0455…, flagged: false, rule: 'chi-square', … }
 */
export function srmCheck(
  observed: readonly number[],
  weights: readonly number[],
  options: SrmOptions = {},
): SrmResult {
  if (!Array.isArray(observed) || observed.length < 2)
    badParam('observed', 'must list the units of at least 2 arms');
  if (!Array.isArray(weights) || weights.length !== observed.length) {
    badParam('weights', `must have one weight per arm (${observed.length})`);
  }
  observed.forEach((o, i) => {
    checkCount(`observed[${i}]`, o);
  });
  weights.forEach((w, i) => {
    checkFinite(`weights[${i}]`, w);
    if (w < 0) badParam(`weights[${i}]`, `must be ≥ 0, got ${w}`);
  });
  const totalWeight = weights.reduce((s, w) => s + w, 0);
  if (!(totalWeight > 0)) badParam('weights', 'must sum to a positive number');
  const total = observed.reduce((s, o) => s + o, 0);
  if (total === 0) badParam('observed', 'has no units in any arm');
  const threshold = options.threshold ?? SRM_P_THRESHOLD;
  checkOpenUnit('threshold', threshold);
  const minUnits = options.minUnits ?? SRM_MIN_UNITS;
  checkCount('minUnits', minUnits);

  // The weights split the units of the arms that should receive any (weight > 0).
  const splitUnits = observed.reduce((s, o, i) => (weights[i] > 0 ? s + o : s), 0);
  const expected = weights.map((w) => (w / totalWeight) * splitUnits);
  let chiSquare = 0;
  for (let i = 0; i < observed.length; i++) {
    if (weights[i] === 0 || splitUnits === 0) continue;
    const diff = observed[i] - expected[i];
    chiSquare += (diff * diff) / expected[i];
  }
  const df = weights.filter((w) => w > 0).length - 1;
  const pValue = df > 0 && splitUnits > 0 ? chiSquareSf(chiSquare, df) : 1;
  const base = { chiSquare, df, pValue, expected, threshold, minUnits };
  if (observed.some((o, i) => weights[i] === 0 && o > 0)) {
    return { ...base, flagged: true, rule: 'zero-weight-arm-has-units' };
  }
  if (observed.some((o, i) => weights[i] > 0 && o < minUnits)) {
    return { ...base, flagged: false, rule: 'min-units-not-met' };
  }
  return { ...base, flagged: pValue < threshold, rule: 'chi-square' };
}
