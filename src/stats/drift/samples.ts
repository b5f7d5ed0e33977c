import { SporeprintError } from '../../core/index.js';

/** How a feature is tested: numeric features are ordered, categorical ones are not. */
export type FeatureKind = 'numeric' | 'categorical';

/**
 * One window of a categorical feature, as SQL gives it cheaply: `SELECT value, COUNT(*) … GROUP BY value`.
 * Categories may be missing on either side (an absent category and a count of 0 are the same).
 */
export interface CategoricalSample {
  readonly kind: 'categorical';
  /** Rows per category. Counts are non-negative integers. */
  readonly counts: Readonly<Record<string, number>>;
  /** Rows where the feature is missing (default 0); see {@link DriftOptions.missing}. */
  readonly missing?: number;
}

/**
 * One window of a numeric feature as weighted values: `values[i]` stands for `counts[i]` rows (one row
 * when `counts` is absent). Values may come in any order and repeat. Three ways to fill it:
 * - small windows: the raw values, no counts (exact);
 * - `SELECT x, COUNT(*) … GROUP BY x`: exact whenever the data has few distinct values (the mushroom
 *   measurements have two decimals, so a few thousand rows at most);
 * - `GROUP BY ROUND(x, k)` or bin mid-points for a truly continuous feature, with `resolution` set: the
 *   Wasserstein result then carries proven bounds (see {@link FeatureDriftResult.statisticBounds}).
 * Non-finite values (NaN, ±Infinity) count as missing, as in Evidently.
 */
export interface NumericSample {
  readonly kind: 'numeric';
  readonly values: ArrayLike<number>;
  readonly counts?: ArrayLike<number>;
  /** Rows where the feature is missing (default 0). */
  readonly missing?: number;
  /**
   * Largest distance between a row's true value and the value it is counted under: 0 (default) when
   * values are exact, half the step for `ROUND(x, k)` (0.5·10^-k), half the widest bin for mid-points.
   */
  readonly resolution?: number;
}

/** One window of one feature. */
export type FeatureSample = CategoricalSample | NumericSample;

/** A numeric sample as strictly increasing distinct values with positive integer counts. */
export interface WeightedValues {
  readonly values: Float64Array;
  readonly counts: Float64Array;
  /** Sum of counts. */
  readonly total: number;
  /** Rows excluded as missing (given missing + non-finite values). */
  readonly missing: number;
  readonly resolution: number;
}

/** Counts of reference and current over the union of their categories (each key counted on a side). */
export interface CategoryTable<K extends string | number = string | number> {
  readonly keys: readonly K[];
  readonly reference: Float64Array;
  readonly current: Float64Array;
  readonly referenceTotal: number;
  readonly currentTotal: number;
}

/** Throws SP_ERR_BAD_PARAM naming `argument`. */
export function badParam(argument: string, message: string): never {
  throw new SporeprintError('SP_ERR_BAD_PARAM', `${argument}: ${message}`, { argument });
}

/** Checks that `x` is a count: a non-negative safe integer. */
export function checkCount(x: unknown, argument: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
    badParam(argument, `must be a non-negative integer count, got ${String(x)}`);
  }
  return x;
}

/** The key a missing value gets when missing values are their own category. */
export const MISSING_CATEGORY = '\u0000missing';

/**
 * Category counts of a categorical sample; missing rows become the category {@link MISSING_CATEGORY}
 * when `missingAsCategory`, else they are dropped.
 */
export function categoryCounts(
  sample: CategoricalSample,
  argument: string,
  missingAsCategory: boolean,
): Map<string, number> {
  if (sample === null || typeof sample !== 'object' || sample.kind !== 'categorical') {
    badParam(argument, 'must be a categorical sample ({ kind: "categorical", counts })');
  }
  if (sample.counts === null || typeof sample.counts !== 'object') {
    badParam(`${argument}.counts`, 'must be an object of counts per category');
  }
  const out = new Map<string, number>();
  for (const [key, count] of Object.entries(sample.counts)) {
    checkCount(count, `${argument}.counts[${JSON.stringify(key)}]`);
    if (count > 0) out.set(key, count);
  }
  const missing = checkCount(sample.missing ?? 0, `${argument}.missing`);
  if (missingAsCategory && missing > 0) out.set(MISSING_CATEGORY, missing);
  return out;
}

/**
 * Sorts and merges a numeric sample into {@link WeightedValues}: equal values are merged, zero counts and
 * non-finite values dropped (the latter counted as missing).
 */
export function weightedValues(sample: NumericSample, argument: string): WeightedValues {
  if (sample === null || typeof sample !== 'object' || sample.kind !== 'numeric') {
    badParam(argument, 'must be a numeric sample ({ kind: "numeric", values, counts? })');
  }
  const { values, counts } = sample;
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    badParam(`${argument}.values`, 'must be an array of numbers');
  }
  if (counts !== undefined && (counts === null || counts.length !== values.length)) {
    badParam(
      `${argument}.counts`,
      `must have one count per value (${values.length} values, ${counts === null ? 'null' : counts.length} counts)`,
    );
  }
  let missing = checkCount(sample.missing ?? 0, `${argument}.missing`);
  const resolution = sample.resolution ?? 0;
  if (typeof resolution !== 'number' || !(resolution >= 0) || !Number.isFinite(resolution)) {
    badParam(`${argument}.resolution`, `must be a finite number ≥ 0, got ${String(resolution)}`);
  }
  const order: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const c = counts === undefined ? 1 : checkCount(counts[i], `${argument}.counts[${i}]`);
    if (typeof v !== 'number') badParam(`${argument}.values[${i}]`, `must be a number, got ${String(v)}`);
    if (!Number.isFinite(v)) {
      missing += c;
      continue;
    }
    if (c > 0) order.push(i);
  }
  order.sort((a, b) => values[a] - values[b]);
  const outValues: number[] = [];
  const outCounts: number[] = [];
  let total = 0;
  for (const i of order) {
    const v = values[i] === 0 ? 0 : values[i]; // -0 and 0 are one value
    const c = counts === undefined ? 1 : counts[i];
    total += c;
    if (outValues.length > 0 && outValues[outValues.length - 1] === v) {
      outCounts[outCounts.length - 1] += c;
    } else {
      outValues.push(v);
      outCounts.push(c);
    }
  }
  if (!Number.isSafeInteger(total)) badParam(argument, 'the total count exceeds 2^53');
  return {
    values: Float64Array.from(outValues),
    counts: Float64Array.from(outCounts),
    total,
    missing,
    resolution,
  };
}

/** Reference and current category counts over the union of categories seen on either side. */
export function categoryTable<K extends string | number>(
  reference: ReadonlyMap<K, number>,
  current: ReadonlyMap<K, number>,
): CategoryTable<K> {
  const keys = [...new Set([...reference.keys(), ...current.keys()])];
  const ref = new Float64Array(keys.length);
  const cur = new Float64Array(keys.length);
  let referenceTotal = 0;
  let currentTotal = 0;
  keys.forEach((k, i) => {
    ref[i] = reference.get(k) ?? 0;
    cur[i] = current.get(k) ?? 0;
    referenceTotal += ref[i];
    currentTotal += cur[i];
  });
  return { keys, reference: ref, current: cur, referenceTotal, currentTotal };
}

/** A numeric sample's distinct values as categories (how Evidently tests numeric features with few values). */
export function valuesAsCategories(w: WeightedValues): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < w.values.length; i++) out.set(w.values[i], w.counts[i]);
  return out;
}
