/** The two shapes of per-arm data the A/B statistics take. */

/** A binary metric of one arm: `successes` out of `n` units (e.g. correct answers out of labelled units). */
export interface ProportionCounts {
  readonly successes: number;
  readonly n: number;
}

/**
 * Summary statistics of one arm for a metric averaged over units: the sample mean, the per-unit
 * variance and the number of units. (For a proportion the variance is p(1 − p), see
 * {@link proportionSummary}.)
 */
export interface MeanSummary {
  readonly mean: number;
  readonly variance: number;
  readonly n: number;
}
