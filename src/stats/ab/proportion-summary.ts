/** From counts to the mean/variance summary the tests on means take. */
import { checkProportionCounts } from './check-params.js';
import type { MeanSummary, ProportionCounts } from './summaries.js';

/**
 * Turns counts into the summary GrowthBook uses for a proportion metric: mean p = successes / n and
 * per-unit variance p(1 − p) (the Bernoulli variance, without the n − 1 correction — as gbstats'
 * `ProportionStatistic` does).
 *
 * @example proportionSummary({ successes: 30, n: 200 }) // { mean: 0.15, variance: 0.1275, n: 200 }
 */
export function proportionSummary(arm: ProportionCounts, param = 'arm'): MeanSummary {
  checkProportionCounts(param, arm);
  const p = arm.successes / arm.n;
  return { mean: p, variance: p * (1 - p), n: arm.n };
}
