/**
 * The safety guardrail of sporeprint's experiments: stop a challenger the moment it credibly calls more
 * poisonous mushrooms edible than the control does — without waiting for the planned sample size.
 */
import { badParam, checkCount, checkFinite, checkOpenUnit, checkPositive } from './check-params.js';
import { confidenceSequence, GROWTHBOOK_SEQUENTIAL_TUNING } from './confidence-sequence.js';

/**
 * One arm's false-edible count over its labelled units whose true label is poisonous. The denominator
 * is the poisonous-truth units, not all labelled units: only a poisonous mushroom can be called edible
 * wrongly, so the rate is 1 − poisonous recall — a property of the model that does not move with the share
 * of poisonous mushrooms in the traffic — and leaving out the edible units (which can never count) removes
 * noise, which makes the test a little more powerful for the same data.
 */
export interface FalseEdibleCounts {
  /** Poisonous-truth units the arm called edible. */
  readonly falseEdible: number;
  /** Labelled units of the arm whose true label is poisonous. */
  readonly poisonousLabelled: number;
}

/** Options of {@link falseEdibleGuardrail}. */
export interface GuardrailOptions {
  /**
   * Tolerated increase of the false-edible rate (challenger − control, absolute). Default 0: any credible
   * increase trips the guardrail.
   */
  readonly margin?: number;
  /** One-sided error rate over every look. Default 0.05. */
  readonly alpha?: number;
  /** Tuning N* of the confidence sequence (default 5,000, GrowthBook's). */
  readonly tuning?: number;
}

/** What the guardrail concluded. */
export type GuardrailDecision = 'harm' | 'no-evidence';

/** Result of {@link falseEdibleGuardrail}. */
export interface GuardrailResult {
  readonly controlRate: number;
  readonly challengerRate: number;
  /** challengerRate − controlRate. */
  readonly difference: number;
  /**
   * Lower end of the one-sided (1 − alpha) confidence sequence for the difference: the challenger's rate
   * is credibly at least this much above the control's, at this and every other look.
   */
  readonly lowerBound: number;
  readonly margin: number;
  readonly alpha: number;
  readonly tuning: number;
  /** 'harm' when lowerBound > margin: stop the challenger. */
  readonly decision: GuardrailDecision;
}

/**
 * Decides whether the challenger's false-edible rate is credibly worse than the control's by more than
 * `margin`, with GrowthBook's one-sided asymptotic confidence sequence on the difference of rates
 * ({@link confidenceSequence}, alternative 'greater'), so the experiments service may call it after every
 * new label and stop at the first 'harm' with the error rate still alpha. The variance of each arm uses
 * Agresti–Caffo-adjusted rates (x + 1)/(n + 2) — an arm with no false-edible yet would otherwise have zero
 * variance and collapse the interval to a point; the estimate is the raw difference.
 *
 * @example
 * falseEdibleGuardrail({ falseEdible: 4, poisonousLabelled: 400 }, { falseEdible: 40, poisonousLabelled: 400 }).decision // 'harm'
 */
export function falseEdibleGuardrail(
  control: FalseEdibleCounts,
  challenger: FalseEdibleCounts,
  options: GuardrailOptions = {},
): GuardrailResult {
  checkArm('control', control);
  checkArm('challenger', challenger);
  const margin = options.margin ?? 0;
  checkFinite('margin', margin);
  if (margin < 0 || margin >= 1) badParam('margin', `must lie in [0, 1), got ${margin}`);
  const alpha = options.alpha ?? 0.05;
  checkOpenUnit('alpha', alpha);
  if (alpha >= 0.5) badParam('alpha', `must be below 0.5 for a one-sided sequence, got ${alpha}`);
  const tuning = options.tuning ?? GROWTHBOOK_SEQUENTIAL_TUNING;
  checkPositive('tuning', tuning);

  const rateA = control.falseEdible / control.poisonousLabelled;
  const rateB = challenger.falseEdible / challenger.poisonousLabelled;
  const cs = confidenceSequence(adjustedSummary(control, rateA), adjustedSummary(challenger, rateB), {
    alpha,
    tuning,
    difference: 'absolute',
    alternative: 'greater',
  });
  const lowerBound = cs.ci[0];
  return {
    controlRate: rateA,
    challengerRate: rateB,
    difference: rateB - rateA,
    lowerBound,
    margin,
    alpha,
    tuning,
    decision: lowerBound > margin ? 'harm' : 'no-evidence',
  };
}

function checkArm(param: string, arm: FalseEdibleCounts): void {
  if (arm === null || typeof arm !== 'object')
    badParam(param, 'must be an object { falseEdible, poisonousLabelled }');
  checkCount(`${param}.falseEdible`, arm.falseEdible);
  checkCount(`${param}.poisonousLabelled`, arm.poisonousLabelled);
  if (arm.poisonousLabelled === 0) badParam(`${param}.poisonousLabelled`, 'must be at least 1');
  if (arm.falseEdible > arm.poisonousLabelled) {
    badParam(
      `${param}.falseEdible`,
      `(${arm.falseEdible}) exceeds ${param}.poisonousLabelled (${arm.poisonousLabelled})`,
    );
  }
}

/** The raw rate as mean, with the Agresti–Caffo-adjusted Bernoulli variance. */
function adjustedSummary(arm: FalseEdibleCounts, rate: number) {
  const adjusted = (arm.falseEdible + 1) / (arm.poisonousLabelled + 2);
  return { mean: rate, variance: adjusted * (1 - adjusted), n: arm.poisonousLabelled };
}
