/**
 * GrowthBook's sequential testing: asymptotic confidence sequences (Waudby-Smith et al., "Time-uniform
 * central limit theory and asymptotic confidence sequences", arXiv:2103.06476), safe to look at any time.
 */
import { badParam, checkMeanSummary, checkOpenUnit, checkPositive } from './check-params.js';
import { type Degenerate, type DifferenceType, effectMoments } from './effect-moments.js';
import type { MeanSummary } from './summaries.js';

/** GrowthBook's default tuning parameter N* (the total sample size where the sequence is tightest). */
export const GROWTHBOOK_SEQUENTIAL_TUNING = 5000;

/** Eppo's default N_tune for its sequential confidence sequences. */
export const EPPO_SEQUENTIAL_TUNING = 10000;

/** 'two-sided', or one-sided: 'greater' (H1: challenger − control > 0) / 'less' (H1: < 0). */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** Options of {@link confidenceSequence}. */
export interface ConfidenceSequenceOptions {
  /** Error rate over the whole sequence of looks. Default 0.05 (one-sided tests need alpha < 0.5). */
  readonly alpha?: number;
  /** Tuning parameter N* (default {@link GROWTHBOOK_SEQUENTIAL_TUNING} = 5,000; Eppo uses 10,000). */
  readonly tuning?: number;
  /** 'relative' (default, as GrowthBook) or 'absolute'. */
  readonly difference?: DifferenceType;
  /** Default 'two-sided'. */
  readonly alternative?: Alternative;
}

/** Result of {@link confidenceSequence}. */
export interface ConfidenceSequenceResult {
  readonly difference: DifferenceType;
  readonly alternative: Alternative;
  readonly estimate: number;
  readonly standardError: number;
  /** Total units n = n_A + n_B the sequence is indexed by. */
  readonly n: number;
  /** ρ = √((−2 ln α′ + ln(−2 ln α′ + 1)) / N*), α′ = α (two-sided) or 2α (one-sided). */
  readonly rho: number;
  readonly halfWidth: number;
  /** The interval at this look; the open side of a one-sided interval is ±Infinity. */
  readonly ci: readonly [number, number];
  /** Always-valid two-sided p-value min(1, 1/E) (GrowthBook, eq. 155 of the paper); null when one-sided. */
  readonly pValue: number | null;
  /** The interval excludes 0. */
  readonly significant: boolean;
  readonly degenerate: Degenerate | null;
}

/** ρ of GrowthBook's confidence sequences for level `alpha` and tuning N*. */
export function sequentialRho(alpha: number, tuning: number, twoSided = true): number {
  const a = twoSided ? alpha : 2 * alpha;
  return Math.sqrt((-2 * Math.log(a) + Math.log(-2 * Math.log(a) + 1)) / tuning);
}

/**
 * The asymptotic confidence sequence GrowthBook's frequentist engine uses when sequential testing is on
 * (gbstats `SequentialTwoSidedTTest` and its one-sided variants), exactly: with n = n_A + n_B,
 * s² = SE²·n and ρ from {@link sequentialRho}, the two-sided half-width is
 * √s² · √(2(nρ² + 1)/(n²ρ²) · ln(√(nρ² + 1)/α)), the one-sided one
 * √(s² · 2(nρ² + 1)/(nρ)² · ln(1 + √(nρ² + 1)/(2α))), and the p-value is 1/E with
 * E = exp(ρ²·Δ̂²n/SE² / (2(nρ² + 1))) / √(nρ² + 1). The intervals hold simultaneously at every n with
 * probability ≥ 1 − α (asymptotically), so stopping the first time one excludes 0 keeps the error rate.
 * The sequence is tightest near n = N*: set `tuning` to the planned total sample size.
 *
 * @example
 * confidenceSequence(proportionSummary(a), proportionSummary(b), { difference: 'absolute' }).ci
 */
export function confidenceSequence(
  control: MeanSummary,
  challenger: MeanSummary,
  options: ConfidenceSequenceOptions = {},
): ConfidenceSequenceResult {
  checkMeanSummary('control', control, 1);
  checkMeanSummary('challenger', challenger, 1);
  const alpha = options.alpha ?? 0.05;
  checkOpenUnit('alpha', alpha);
  const tuning = options.tuning ?? GROWTHBOOK_SEQUENTIAL_TUNING;
  checkPositive('tuning', tuning);
  const alternative = options.alternative ?? 'two-sided';
  const twoSided = alternative === 'two-sided';
  if (!twoSided && alpha >= 0.5)
    badParam('alpha', `must be below 0.5 for a one-sided sequence, got ${alpha}`);
  const difference = options.difference ?? 'relative';
  const m = effectMoments(control, challenger, difference);
  const n = control.n + challenger.n;
  const rho = sequentialRho(alpha, tuning, twoSided);
  const se = m.standardError;
  const nr2 = n * rho * rho;
  const s2 = se * se * n;
  const halfWidth = twoSided
    ? Math.sqrt(s2) *
      Math.sqrt(((2 * (nr2 + 1)) / (n * n * rho * rho)) * Math.log(Math.sqrt(nr2 + 1) / alpha))
    : Math.sqrt(
        ((s2 * 2 * (nr2 + 1)) / (n * n * rho * rho)) * Math.log(1 + Math.sqrt(nr2 + 1) / (2 * alpha)),
      );
  const est = m.estimate;
  const lower = alternative === 'less' ? Number.NEGATIVE_INFINITY : est - halfWidth;
  const upper = alternative === 'greater' ? Number.POSITIVE_INFINITY : est + halfWidth;
  let pValue: number | null = null;
  if (twoSided) {
    if (m.degenerate) pValue = 1;
    else {
      const st2 = (est * est * n) / (se * se);
      const logE = (rho * rho * st2) / (2 * (nr2 + 1)) - 0.5 * Math.log(nr2 + 1);
      pValue = Math.min(1, Math.exp(-logE));
    }
  }
  return {
    difference,
    alternative,
    estimate: est,
    standardError: se,
    n,
    rho,
    halfWidth,
    ci: [lower, upper],
    pValue,
    significant: !m.degenerate && (lower > 0 || upper < 0),
    degenerate: m.degenerate,
  };
}
