/**
 * The effect of a challenger over the control and its standard error, absolute or relative (lift), as
 * GrowthBook's engines estimate it before any test (https://docs.growthbook.io/statistics/details):
 *
 * - absolute: Δ = μ_B − μ_A, Var = σ²_A/n_A + σ²_B/n_B;
 * - relative: Δ = (μ_B − μ_A)/μ_A, Var = σ²_B/(μ_A² n_B) + σ²_A μ_B²/(μ_A⁴ n_A) (delta method).
 */
import type { MeanSummary } from './summaries.js';

/** Which effect to estimate: the difference of means, or the relative lift over the control. */
export type DifferenceType = 'absolute' | 'relative';

/**
 * Why a test could not say anything: every unit had the same value (no variance), or the control mean is
 * 0 so a relative lift is undefined. Results then carry GrowthBook's uninformative output (p = 1, an
 * interval of zero width at the estimate) and name the reason here.
 */
export type Degenerate = 'zero-variance' | 'zero-control-mean';

/** An effect estimate with its standard error. */
export interface EffectEstimate {
  readonly estimate: number;
  readonly standardError: number;
  readonly degenerate: Degenerate | null;
}

/** Estimates the effect of `challenger` over `control` (inputs already checked). */
export function effectMoments(
  control: MeanSummary,
  challenger: MeanSummary,
  difference: DifferenceType,
): EffectEstimate {
  const vA = control.variance / control.n;
  const vB = challenger.variance / challenger.n;
  if (difference === 'absolute') {
    const estimate = challenger.mean - control.mean;
    const se = Math.sqrt(vA + vB);
    return { estimate, standardError: se, degenerate: se > 0 ? null : 'zero-variance' };
  }
  const mA = control.mean;
  if (mA === 0) return { estimate: 0, standardError: 0, degenerate: 'zero-control-mean' };
  const estimate = (challenger.mean - mA) / mA;
  const variance = vB / (mA * mA) + (vA * challenger.mean * challenger.mean) / (mA * mA * mA * mA);
  const se = Math.sqrt(variance);
  return { estimate, standardError: se, degenerate: se > 0 ? null : 'zero-variance' };
}

/** Welch–Satterthwaite degrees of freedom of the difference of two means (0 when both variances are 0). */
export function welchDegreesOfFreedom(control: MeanSummary, challenger: MeanSummary): number {
  const vA = control.variance / control.n;
  const vB = challenger.variance / challenger.n;
  const den = (vA * vA) / (control.n - 1) + (vB * vB) / (challenger.n - 1);
  if (den === 0) return 0;
  return ((vA + vB) * (vA + vB)) / den;
}
