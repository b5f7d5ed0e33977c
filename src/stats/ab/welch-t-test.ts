/** Welch's unequal-variance t-test from summary statistics, on the difference or on the relative lift. */
import { checkMeanSummary, checkOpenUnit } from './check-params.js';
import { tInverse, tTwoSidedP } from './distributions.js';
import {
  type Degenerate,
  type DifferenceType,
  effectMoments,
  welchDegreesOfFreedom,
} from './effect-moments.js';
import type { MeanSummary } from './summaries.js';

/** Options of {@link welchTTest}. */
export interface WelchOptions {
  /** Significance level; the interval has level 1 − alpha. Default 0.05 (GrowthBook's default). */
  readonly alpha?: number;
  /**
   * 'absolute' (default): the difference of means; 'relative': the lift (μ_B − μ_A)/μ_A with the
   * delta-method standard error, as GrowthBook's frequentist engine reports it.
   */
  readonly difference?: DifferenceType;
}

/** Result of {@link welchTTest}. */
export interface WelchResult {
  readonly difference: DifferenceType;
  /** μ_B − μ_A, or (μ_B − μ_A)/μ_A for 'relative'. */
  readonly estimate: number;
  readonly standardError: number;
  /** Welch–Satterthwaite degrees of freedom (0 when degenerate). */
  readonly df: number;
  readonly t: number;
  /** Two-sided p-value. */
  readonly pValue: number;
  /** estimate ± t_{1−α/2, df} · standardError. */
  readonly ci: readonly [number, number];
  readonly alpha: number;
  readonly significant: boolean;
  /** Set when no test is possible; the result is then GrowthBook's uninformative one (p = 1). */
  readonly degenerate: Degenerate | null;
}

/**
 * Welch's t-test of a challenger against the control from per-arm mean, variance and n, with the
 * Welch–Satterthwaite degrees of freedom, a two-sided p-value and a confidence interval of the effect.
 * With `difference: 'relative'` it is GrowthBook's frequentist engine (gbstats `TwoSidedTTest`): the
 * lift with its delta-method variance, the same Welch degrees of freedom, and a symmetric interval.
 * Zero variance in both arms (or a relative lift over a control mean of 0) gives p = 1 and an interval
 * of zero width, flagged in `degenerate` — GrowthBook's uninformative output.
 *
 * @example
 * welchTTest({ mean: 10, variance: 4, n: 50 }, { mean: 11, variance: 9, n: 60 }).pValue // ≈ 0.0395
 */
export function welchTTest(
  control: MeanSummary,
  challenger: MeanSummary,
  options: WelchOptions = {},
): WelchResult {
  checkMeanSummary('control', control);
  checkMeanSummary('challenger', challenger);
  const alpha = options.alpha ?? 0.05;
  checkOpenUnit('alpha', alpha);
  const difference = options.difference ?? 'absolute';
  const m = effectMoments(control, challenger, difference);
  const common = { difference, estimate: m.estimate, standardError: m.standardError, alpha };
  if (m.degenerate) {
    return {
      ...common,
      df: 0,
      t: 0,
      pValue: 1,
      ci: [m.estimate, m.estimate],
      significant: false,
      degenerate: m.degenerate,
    };
  }
  const df = welchDegreesOfFreedom(control, challenger);
  const t = m.estimate / m.standardError;
  const pValue = tTwoSidedP(t, df);
  const half = tInverse(1 - alpha / 2, df) * m.standardError;
  return {
    ...common,
    df,
    t,
    pValue,
    ci: [m.estimate - half, m.estimate + half],
    significant: pValue < alpha,
    degenerate: null,
  };
}
