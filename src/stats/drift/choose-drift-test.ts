import { badParam, type FeatureKind } from './samples.js';

/** The drift tests and distances sporeprint computes (Evidently's names). */
export type DriftTestName = 'ks' | 'chisquare' | 'z' | 'jensenshannon' | 'wasserstein' | 'psi' | 'hellinger';

/** Every {@link DriftTestName}. */
export const DRIFT_TESTS: readonly DriftTestName[] = Object.freeze([
  'ks',
  'chisquare',
  'z',
  'jensenshannon',
  'wasserstein',
  'psi',
  'hellinger',
]);

/**
 * Evidently's default thresholds: p-value tests drift below 0.05 (KS at or below), distances drift at or
 * above 0.1 (JS, normed Wasserstein, PSI, Hellinger; `default_threshold` of each registered StatTest).
 */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<Record<DriftTestName, number>> = Object.freeze({
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  jensenshannon: 0.1,
  wasserstein: 0.1,
  psi: 0.1,
  hellinger: 0.1,
});

/** Tests that give a p-value (drift when it is small) rather than a distance (drift when it is large). */
export function isPValueTest(test: DriftTestName): boolean {
  return test === 'ks' || test === 'chisquare' || test === 'z';
}

/** Options of {@link chooseDriftTest}. */
export interface DriftTestChoice {
  /** Use this test whatever the sizes (Evidently's `stattest`); must suit the feature kind. */
  readonly test?: DriftTestName;
  /** Force a test per feature kind (Evidently's `num_stattest` / `cat_stattest`); `test` wins. */
  readonly numericTest?: DriftTestName;
  readonly categoricalTest?: DriftTestName;
  /** Distances above this many reference rows, p-value tests at or below (Evidently: 1,000). */
  readonly largeReferenceRows?: number;
  /** Numeric features with at most this many distinct values are tested as categories (Evidently: 5). */
  readonly maxDiscreteValues?: number;
}

/**
 * Evidently's default test choice (`_get_default_stattest`), `distinctValues` being the number of distinct
 * non-missing values of reference ∪ current:
 * - reference > 1,000 rows: Jensen–Shannon for categorical features and numeric ones with ≤ 5 distinct
 *   values, normed Wasserstein for other numeric features;
 * - reference ≤ 1,000 rows: KS for numeric features with > 5 distinct values, otherwise chi-square when
 *   there are > 2 distinct values and the two-proportion Z-test when there are ≤ 2.
 * KS and Wasserstein need ordered values, so they refuse categorical features (SP_ERR_BAD_PARAM).
 *
 * @example
 * chooseDriftTest('numeric', 8124, 40); // 'wasserstein'
 * chooseDriftTest('categorical', 500, 2); // 'z'
 */
export function chooseDriftTest(
  featureKind: FeatureKind,
  referenceRows: number,
  distinctValues: number,
  options: DriftTestChoice = {},
): DriftTestName {
  if (featureKind !== 'numeric' && featureKind !== 'categorical') {
    badParam('featureKind', `must be "numeric" or "categorical", got ${String(featureKind)}`);
  }
  if (!Number.isSafeInteger(referenceRows) || referenceRows < 1) {
    badParam('referenceRows', `must be an integer ≥ 1, got ${String(referenceRows)}`);
  }
  if (!Number.isSafeInteger(distinctValues) || distinctValues < 1) {
    badParam('distinctValues', `must be an integer ≥ 1, got ${String(distinctValues)}`);
  }
  const large = options.largeReferenceRows ?? 1000;
  const few = options.maxDiscreteValues ?? 5;
  const forced = options.test ?? (featureKind === 'numeric' ? options.numericTest : options.categoricalTest);
  if (forced !== undefined) {
    if (!DRIFT_TESTS.includes(forced)) {
      badParam(
        'options.test',
        `unknown drift test ${JSON.stringify(forced)} (one of ${DRIFT_TESTS.join(', ')})`,
      );
    }
    if (featureKind === 'categorical' && (forced === 'ks' || forced === 'wasserstein')) {
      badParam('options.test', `${forced} needs ordered values and cannot test a categorical feature`);
    }
    return forced;
  }
  const discrete = featureKind === 'categorical' || distinctValues <= few;
  if (referenceRows > large) return discrete ? 'jensenshannon' : 'wasserstein';
  if (!discrete) return 'ks';
  return distinctValues > 2 ? 'chisquare' : 'z';
}
