/** The classic fixed-horizon test of two rates. */
import { checkOpenUnit, checkProportionCounts } from './check-params.js';
import { normalTwoSidedP, phiInverse } from './distributions.js';
import type { ProportionCounts } from './summaries.js';

/** Options of {@link twoProportionZTest}. */
export interface ZTestOptions {
  /** Significance level; the interval has level 1 − alpha. Default 0.05. */
  readonly alpha?: number;
}

/** Result of {@link twoProportionZTest}. */
export interface ZTestResult {
  readonly controlRate: number;
  readonly challengerRate: number;
  /** challengerRate − controlRate. */
  readonly difference: number;
  /** difference / controlRate; null when the control rate is 0 (a lift over nothing is undefined). */
  readonly relativeLift: number | null;
  /** z statistic with the pooled standard error (0 when every unit had the same outcome). */
  readonly z: number;
  /** Two-sided p-value of H0: equal rates (pooled standard error). */
  readonly pValue: number;
  /** Pooled standard error √(p̄(1 − p̄)(1/n_A + 1/n_B)), used for the test. */
  readonly pooledStandardError: number;
  /** Unpooled standard error √(p_A(1 − p_A)/n_A + p_B(1 − p_B)/n_B), used for the interval. */
  readonly standardError: number;
  /** Wald interval of the difference at level 1 − alpha (unpooled standard error). */
  readonly ci: readonly [number, number];
  readonly alpha: number;
  /** pValue < alpha. */
  readonly significant: boolean;
  /** 'zero-variance' when every unit of both arms had the same outcome: no test is possible (p = 1). */
  readonly degenerate: 'zero-variance' | null;
}

/**
 * Two-proportion z-test of a challenger against the control: two-sided p-value with the pooled standard
 * error (the test of H0: p_A = p_B, as statsmodels' `proportions_ztest`), and a Wald confidence
 * interval of the difference with the unpooled standard error (statsmodels'
 * `confint_proportions_2indep(method='wald')`). The two can disagree at the margin because they use
 * different standard errors; `significant` follows the p-value.
 *
 * @example
 * twoProportionZTest({ successes: 100, n: 1000 }, { successes: 130, n: 1000 }).pValue // ≈ 0.0355
 */
export function twoProportionZTest(
  control: ProportionCounts,
  challenger: ProportionCounts,
  options: ZTestOptions = {},
): ZTestResult {
  checkProportionCounts('control', control);
  checkProportionCounts('challenger', challenger);
  const alpha = options.alpha ?? 0.05;
  checkOpenUnit('alpha', alpha);
  const pA = control.successes / control.n;
  const pB = challenger.successes / challenger.n;
  const difference = pB - pA;
  const pooled = (control.successes + challenger.successes) / (control.n + challenger.n);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / challenger.n));
  const se = Math.sqrt((pA * (1 - pA)) / control.n + (pB * (1 - pB)) / challenger.n);
  const degenerate = pooledSe > 0 ? null : 'zero-variance';
  const z = degenerate ? 0 : difference / pooledSe;
  const pValue = degenerate ? 1 : normalTwoSidedP(z);
  const half = phiInverse(1 - alpha / 2) * se;
  return {
    controlRate: pA,
    challengerRate: pB,
    difference,
    relativeLift: pA > 0 ? difference / pA : null,
    z,
    pValue,
    pooledStandardError: pooledSe,
    standardError: se,
    ci: [difference - half, difference + half],
    alpha,
    significant: pValue < alpha,
    degenerate,
  };
}
