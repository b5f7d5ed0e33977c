/** The primary-metric comparison of one arm with the control, by the experiment's engine. */
import {
  benjaminiHochberg,
  betaBinomialTest,
  CHANCE_TO_WIN_WINNING,
  confidenceSequence,
  holmBonferroni,
  proportionSummary,
  twoProportionZTest,
} from '../../../stats/index.js';
import type { ArmMetrics, ExperimentSettings, PrimaryMetric } from '../../../storage/index.js';
import type { MetricCounts, PrimaryComparison } from './analysis-types.js';

/** The primary metric of one arm as successes of n, on the metric's own scale. */
export function metricCounts(arm: ArmMetrics, metric: PrimaryMetric): MetricCounts {
  const [successes, n] =
    metric === 'accuracy'
      ? [arm.correct, arm.labelled]
      : metric === 'poisonous_recall'
        ? [arm.poisonousCaught, arm.poisonousLabelled]
        : [arm.falseEdible, arm.poisonousLabelled];
  return { successes, n, rate: n > 0 ? successes / n : null };
}

/** Every metric is better higher except the false-edible rate. */
export function higherIsBetter(metric: PrimaryMetric): boolean {
  return metric !== 'false_edible_rate';
}

/**
 * Compares `challenger` with `control` on the settings' primary metric: Bayesian beta-binomial chance to
 * win and expected loss (engine 'bayesian', GrowthBook's default); else a two-proportion z-test, or the
 * asymptotic confidence sequence when `sequential` (with the Bayesian engine too: its figures are
 * reported and a win must also hold on the sequence, so that looking often keeps the error rate).
 * `adjustedPValue` equals the raw p-value here: {@link adjustAcrossChallengers} sets it and the verdict
 * of every comparison with a p-value once every challenger is compared.
 */
export function comparePrimary(
  control: ArmMetrics,
  challenger: ArmMetrics,
  settings: ExperimentSettings,
): PrimaryComparison {
  const metric = settings.primaryMetric;
  const up = higherIsBetter(metric);
  const a = metricCounts(control, metric);
  const b = metricCounts(challenger, metric);
  const enoughData =
    control.labelled >= settings.minLabelledPerArm && challenger.labelled >= settings.minLabelledPerArm;
  const method =
    settings.engine === 'bayesian' ? 'bayesian' : settings.sequential ? 'confidence-sequence' : 'z-test';
  const base = { metric, higherIsBetter: up, control: a, challenger: b, method, enoughData } as const;
  const empty = {
    ...base,
    difference: null,
    ci: null,
    pValue: null,
    adjustedPValue: null,
    chanceToWin: null,
    expectedLoss: null,
    conclusive: false,
    better: null,
  };
  if (a.n === 0 || b.n === 0) return empty;
  const difference = b.successes / b.n - a.successes / a.n;
  if (method === 'bayesian') {
    // The test runs on the "good" outcome, so its chance to beat control is the chance to be better.
    const good = (c: MetricCounts) => ({ successes: up ? c.successes : c.n - c.successes, n: c.n });
    const r = betaBinomialTest(good(a), good(b));
    const bayes = {
      ...empty,
      difference,
      chanceToWin: r.chanceToBeatControl,
      expectedLoss: r.riskChallenger,
    };
    if (settings.sequential) {
      // Looked at again and again, a chance to win crosses 95 % by luck far more often than 5 % of the
      // time; with `sequential` the win must also hold on the confidence sequence (set by the adjustment).
      const { ci, pValue } = sequentialTest(a, b, settings);
      return { ...bayes, ci, pValue, adjustedPValue: pValue };
    }
    // Only a win decides (chance to win beyond 95 %, GrowthBook's highlight): counting a loss below 5 %
    // too would double the rate of false decisions in an A/A experiment.
    const conclusive = enoughData && r.highlight === 'winning';
    return { ...bayes, conclusive, better: conclusive ? true : null };
  }
  const { ci, pValue } =
    method === 'z-test'
      ? twoProportionZTest(a, b, { alpha: settings.alpha })
      : sequentialTest(a, b, settings);
  return { ...empty, difference, ci, pValue, adjustedPValue: pValue };
}

function sequentialTest(a: MetricCounts, b: MetricCounts, settings: ExperimentSettings) {
  const cs = confidenceSequence(proportionSummary(a, 'control'), proportionSummary(b, 'challenger'), {
    alpha: settings.alpha,
    tuning: settings.sequentialTuning,
    difference: 'absolute',
  });
  return { ci: cs.ci, pValue: cs.pValue ?? 1 };
}

/**
 * Adjusts the frequentist p-values across the challengers (Holm-Bonferroni or Benjamini-Hochberg, as
 * GrowthBook) and sets each comparison's verdict: conclusive when it has enough data and its adjusted
 * p-value is below alpha, better when the difference points the metric's good way. Bayesian
 * comparisons without a sequence pass through (GrowthBook does not correct its chance to win).
 */
export function adjustAcrossChallengers(
  comparisons: readonly PrimaryComparison[],
  settings: ExperimentSettings,
): PrimaryComparison[] {
  const tested = comparisons.flatMap((c, i) => (c.pValue !== null ? [i] : []));
  if (tested.length === 0) return [...comparisons];
  const raw = tested.map((i) => comparisons[i].pValue as number);
  const adjusted =
    settings.correction === 'holm-bonferroni'
      ? holmBonferroni(raw)
      : settings.correction === 'benjamini-hochberg'
        ? benjaminiHochberg(raw)
        : raw;
  const out = [...comparisons];
  tested.forEach((i, k) => {
    const c = comparisons[i];
    const sign = c.higherIsBetter ? 1 : -1;
    const better = sign * (c.difference as number) > 0;
    // Bayesian with `sequential`: a win needs both the chance to win and the confidence sequence.
    const conclusive =
      c.enoughData &&
      adjusted[k] < settings.alpha &&
      (c.method !== 'bayesian' || (better && (c.chanceToWin ?? 0) > CHANCE_TO_WIN_WINNING));
    out[i] = { ...c, adjustedPValue: adjusted[k], conclusive, better: conclusive ? better : null };
  });
  return out;
}
