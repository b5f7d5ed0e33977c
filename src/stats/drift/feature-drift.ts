import { chiSquareTest, cramersV, zTest } from './category-tests.js';
import {
  chooseDriftTest,
  DEFAULT_DRIFT_THRESHOLDS,
  type DriftTestChoice,
  type DriftTestName,
  isPValueTest,
} from './choose-drift-test.js';
import { type DriftData, discreteTable, hellingerDistance, jensenShannonDrift, psi } from './distances.js';
import { ksTwoSample } from './ks-two-sample.js';
import {
  badParam,
  categoryCounts,
  categoryTable,
  type FeatureKind,
  type FeatureSample,
  weightedValues,
} from './samples.js';
import { wassersteinNormed } from './wasserstein.js';

/** Options of {@link featureDrift}: the test choice, thresholds and how missing values count. */
export interface DriftOptions extends DriftTestChoice {
  /** Threshold for this feature, whatever the test (overrides `thresholds`). */
  readonly threshold?: number;
  /** Threshold per test (defaults: {@link DEFAULT_DRIFT_THRESHOLDS}). */
  readonly thresholds?: Partial<Record<DriftTestName, number>>;
  /**
   * Missing values of a categorical feature: `exclude` (default, as Evidently, which drops NaN before
   * testing) or `category` (one more category, so a change in the missing share is drift too). Missing
   * numeric values are always excluded: they have no place on the number line.
   */
  readonly missing?: 'exclude' | 'category';
  /** Logarithm base of the Jensen–Shannon distance (default e, as Evidently). */
  readonly jensenShannonBase?: number;
}

/** The effect size reported with every result, on a scale that does not grow with the sample size. */
export interface EffectSize {
  /**
   * `ks_d` (KS D, 0–1), `cramers_v` (chi-square and Z-tests, 0–1), or for distances the distance itself:
   * `wasserstein_normed` (reference standard deviations), `jensenshannon`, `psi`, `hellinger`.
   */
  readonly measure: 'ks_d' | 'cramers_v' | 'wasserstein_normed' | 'jensenshannon' | 'psi' | 'hellinger';
  readonly value: number;
}

/** Drift of one feature between a reference and a current window. */
export interface FeatureDriftResult {
  readonly test: DriftTestName;
  readonly kind: FeatureKind;
  /** KS D, χ², z, or the distance. χ² is +∞ when a category unseen in the reference appears. */
  readonly statistic: number;
  /** p-value of KS, chi-square and Z-tests; null for distances. */
  readonly pValue: number | null;
  /** What is compared with the threshold (Evidently's `drift_score`): the p-value or the distance. */
  readonly score: number;
  readonly threshold: number;
  /** p < threshold (KS: p ≤ threshold, as Evidently) or distance ≥ threshold. */
  readonly drifted: boolean;
  readonly effectSize: EffectSize;
  /** Rows tested on each side (missing values excluded unless counted as a category). */
  readonly referenceRows: number;
  readonly currentRows: number;
  /** Distinct non-missing values of reference ∪ current (what the test choice looked at). */
  readonly distinctValues: number;
  /** Bounds on the statistic when numeric values were rounded or binned (Wasserstein only). */
  readonly statisticBounds?: readonly [number, number];
  /** KS: `exact` or `asymptotic` p-value. */
  readonly method?: 'exact' | 'asymptotic';
}

function toDriftData(reference: FeatureSample, current: FeatureSample, options: DriftOptions): DriftData {
  if (reference === null || typeof reference !== 'object') badParam('reference', 'must be a feature sample');
  if (current === null || typeof current !== 'object') badParam('current', 'must be a feature sample');
  if (reference.kind !== current.kind) {
    badParam('current', `is ${String(current.kind)} but reference is ${String(reference.kind)}`);
  }
  const missing = options.missing ?? 'exclude';
  if (missing !== 'exclude' && missing !== 'category') {
    badParam('options.missing', `must be "exclude" or "category", got ${String(missing)}`);
  }
  if (reference.kind === 'categorical' && current.kind === 'categorical') {
    const asCategory = missing === 'category';
    const table = categoryTable(
      categoryCounts(reference, 'reference', asCategory),
      categoryCounts(current, 'current', asCategory),
    );
    return { kind: 'categorical', table };
  }
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    return {
      kind: 'numeric',
      reference: weightedValues(reference, 'reference'),
      current: weightedValues(current, 'current'),
    };
  }
  return badParam('reference', `unknown kind ${String(reference.kind)} (numeric or categorical)`);
}

function sizes(data: DriftData): [number, number] {
  return data.kind === 'categorical'
    ? [data.table.referenceTotal, data.table.currentTotal]
    : [data.reference.total, data.current.total];
}

function thresholdFor(test: DriftTestName, options: DriftOptions): number {
  const t = options.threshold ?? options.thresholds?.[test] ?? DEFAULT_DRIFT_THRESHOLDS[test];
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
    badParam('options.threshold', `must be a finite number ≥ 0, got ${String(t)}`);
  }
  if (isPValueTest(test) && t > 1) badParam('options.threshold', `a p-value threshold must be ≤ 1, got ${t}`);
  return t;
}

/**
 * Tests one feature for drift between a reference and a current window, choosing the test as Evidently
 * does by default ({@link chooseDriftTest}) unless `options` forces one. Every result carries the test
 * used, its threshold and an effect size. Throws SP_ERR_BAD_PARAM naming the argument for negative or
 * non-integer counts, mismatched lengths, mismatched kinds, and an empty reference or current window
 * (after missing values are excluded: Evidently refuses empty columns too).
 *
 * @example
 * featureDrift(
 *   { kind: 'categorical', counts: { x: 600, f: 400 } },
 *   { kind: 'categorical', counts: { x: 20, f: 80 } },
 * ); // two values, 1,000 reference rows → { test: 'z', pValue: < 1e-20, drifted: true, … }
 */
export function featureDrift(
  reference: FeatureSample,
  current: FeatureSample,
  options: DriftOptions = {},
): FeatureDriftResult {
  const data = toDriftData(reference, current, options);
  const [nRef, nCur] = sizes(data);
  if (nRef === 0) badParam('reference', 'has no non-missing values: drift needs a reference');
  if (nCur === 0) badParam('current', 'has no non-missing values (an empty or all-missing window)');
  const distinct = discreteTable(data).keys.length;
  const test = chooseDriftTest(data.kind, nRef, distinct, options);
  const threshold = thresholdFor(test, options);
  const base = {
    test,
    kind: data.kind,
    threshold,
    referenceRows: nRef,
    currentRows: nCur,
    distinctValues: distinct,
  };
  switch (test) {
    case 'ks': {
      if (data.kind !== 'numeric') return badParam('options.test', 'ks needs a numeric feature');
      const r = ksTwoSample(data.reference, data.current);
      const effectSize: EffectSize = { measure: 'ks_d', value: r.statistic };
      const drifted = r.pValue <= threshold;
      return {
        ...base,
        statistic: r.statistic,
        pValue: r.pValue,
        score: r.pValue,
        drifted,
        effectSize,
        method: r.method,
      };
    }
    case 'chisquare':
    case 'z': {
      const table = discreteTable(data);
      const r = test === 'z' ? zTest(table) : chiSquareTest(table);
      const effectSize: EffectSize = { measure: 'cramers_v', value: cramersV(table) };
      const drifted = r.pValue < threshold;
      return { ...base, statistic: r.statistic, pValue: r.pValue, score: r.pValue, drifted, effectSize };
    }
    case 'wasserstein': {
      if (data.kind !== 'numeric') return badParam('options.test', 'wasserstein needs a numeric feature');
      const r = wassersteinNormed(data.reference, data.current);
      return distanceResult(base, 'wasserstein_normed', r.value, r.bounds);
    }
    case 'jensenshannon':
      return distanceResult(base, 'jensenshannon', jensenShannonDrift(data, options.jensenShannonBase));
    case 'psi':
      return distanceResult(base, 'psi', psi(data));
    case 'hellinger':
      return distanceResult(base, 'hellinger', hellingerDistance(data));
  }
}

type ResultBase = Pick<
  FeatureDriftResult,
  'test' | 'kind' | 'threshold' | 'referenceRows' | 'currentRows' | 'distinctValues'
>;

function distanceResult(
  base: ResultBase,
  measure: EffectSize['measure'],
  value: number,
  bounds?: readonly [number, number],
): FeatureDriftResult {
  const result: FeatureDriftResult = {
    ...base,
    statistic: value,
    pValue: null,
    score: value,
    drifted: value >= base.threshold,
    effectSize: { measure, value },
  };
  return bounds !== undefined && bounds[0] !== bounds[1] ? { ...result, statisticBounds: bounds } : result;
}
