/**
 * Input guards shared by the A/B statistics. Each throws SP_ERR_BAD_PARAM with a message that names the
 * argument (and `details.param` for machines), so a caller sees which input was wrong.
 */
import { SporeprintError } from '../../core/index.js';
import type { MeanSummary, ProportionCounts } from './summaries.js';

/** Throws SP_ERR_BAD_PARAM naming `param`. */
export function badParam(param: string, problem: string): never {
  throw new SporeprintError('SP_ERR_BAD_PARAM', `${param} ${problem}`, { param });
}

/** `value` must be a finite number. */
export function checkFinite(param: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    badParam(param, `must be a finite number, got ${value}`);
}

/** `value` must be a finite number above 0. */
export function checkPositive(param: string, value: number): void {
  checkFinite(param, value);
  if (value <= 0) badParam(param, `must be above 0, got ${value}`);
}

/** `value` must be an integer count ≥ 0. */
export function checkCount(param: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    badParam(param, `must be an integer count ≥ 0, got ${value}`);
  }
}

/** `value` must lie strictly inside (0, 1): a significance level, a power, a probability. */
export function checkOpenUnit(param: string, value: number): void {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    badParam(param, `must lie strictly between 0 and 1, got ${value}`);
  }
}

/** `value` must be a probability in [0, 1] (e.g. a p-value). */
export function checkProbability(param: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    badParam(param, `must lie in [0, 1], got ${value}`);
}

/** Successes and units of one arm: integer counts, at least one unit, successes ≤ units. */
export function checkProportionCounts(param: string, arm: ProportionCounts): void {
  if (arm === null || typeof arm !== 'object') badParam(param, 'must be an object { successes, n }');
  checkCount(`${param}.successes`, arm.successes);
  checkCount(`${param}.n`, arm.n);
  if (arm.n === 0) badParam(`${param}.n`, 'must be at least 1 (an arm with no units has no rate)');
  if (arm.successes > arm.n)
    badParam(`${param}.successes`, `(${arm.successes}) exceeds ${param}.n (${arm.n})`);
}

/**
 * Summary statistics of one arm: finite mean, variance ≥ 0, and at least `minN` units (2 for anything
 * that uses a sample variance or Welch's degrees of freedom).
 */
export function checkMeanSummary(param: string, arm: MeanSummary, minN = 2): void {
  if (arm === null || typeof arm !== 'object') badParam(param, 'must be an object { mean, variance, n }');
  checkFinite(`${param}.mean`, arm.mean);
  checkFinite(`${param}.variance`, arm.variance);
  if (arm.variance < 0) badParam(`${param}.variance`, `must be ≥ 0, got ${arm.variance}`);
  checkFinite(`${param}.n`, arm.n);
  if (arm.n < minN) badParam(`${param}.n`, `must be at least ${minN}, got ${arm.n}`);
}
