/** The analysis of an experiment from its per-arm figures: pure, no I/O. */
import { SporeprintError } from '../../../core/index.js';
import { falseEdibleGuardrail, srmCheck } from '../../../stats/index.js';
import type { ArmMetrics, ExperimentRecord } from '../../../storage/index.js';
import type { ChallengerAnalysis, ExperimentAnalysis } from './analysis-types.js';
import { decide } from './decide.js';
import { adjustAcrossChallengers, comparePrimary } from './primary-comparison.js';

/**
 * Analyses `experiment` from `metrics` (one entry per arm, as the metrics query returns them) at `now`:
 *
 * - per challenger and shadow, the primary metric against the control — Bayesian beta-binomial chance
 *   to win and expected loss (GrowthBook's default engine), or a two-proportion z-test, or the
 *   asymptotic confidence sequence when `settings.sequential` (safe to look at any time), with the
 *   p-values adjusted across challengers (Holm-Bonferroni / Benjamini-Hochberg);
 * - the false-edible guardrail per challenger (a sequential one-sided test that never waits);
 * - the SRM check over the served arms (units against weights; shadows take no traffic share);
 * - the decision, first rule first: guardrail → SRM → maximum duration → significance → continue.
 *
 * Throws SP_ERR_BAD_PARAM when the experiment has no control or `metrics` lacks one of its arms.
 */
export function analyzeExperiment(
  experiment: ExperimentRecord,
  metrics: readonly ArmMetrics[],
  now: Date,
): ExperimentAnalysis {
  const settings = experiment.settings;
  const byArm = new Map(metrics.map((m) => [m.arm, m]));
  const controlArm = experiment.arms.find((a) => a.role === 'control');
  if (controlArm === undefined) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `Experiment ${experiment.id} has no control arm`, {
      experimentId: experiment.id,
    });
  }
  const metricsOf = (arm: string): ArmMetrics => {
    const m = byArm.get(arm);
    if (m === undefined) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `No metrics for arm "${arm}" of experiment ${experiment.id}`,
        { experimentId: experiment.id, arm },
      );
    }
    return m;
  };
  const control = metricsOf(controlArm.name);
  const others = experiment.arms.filter((a) => a.role !== 'control');
  const comparisons = adjustAcrossChallengers(
    others.map((a) => comparePrimary(control, metricsOf(a.name), settings)),
    settings,
  );
  const challengers: ChallengerAnalysis[] = others.map((a, i) => {
    const m = metricsOf(a.name);
    return {
      arm: a.name,
      role: a.role === 'shadow' ? 'shadow' : 'challenger',
      labelled: m.labelled,
      primary: comparisons[i],
      guardrail:
        control.poisonousLabelled > 0 && m.poisonousLabelled > 0
          ? falseEdibleGuardrail(control, m, {
              margin: settings.guardrailMargin,
              alpha: settings.alpha,
              tuning: settings.sequentialTuning,
            })
          : null,
    };
  });
  const srm = servedSrm(experiment, metricsOf);
  return {
    experimentId: experiment.id,
    at: now.toISOString(),
    engine: settings.engine,
    sequential: settings.sequential,
    primaryMetric: settings.primaryMetric,
    control: controlArm.name,
    challengers,
    srm,
    decision: decide(experiment, control, challengers, srm, now),
  };
}

/** The SRM check over the served arms (control and challengers), units against weights. */
function servedSrm(
  experiment: ExperimentRecord,
  metricsOf: (arm: string) => ArmMetrics,
): ExperimentAnalysis['srm'] {
  const served = experiment.arms.filter((a) => a.role !== 'shadow');
  const observed = served.map((a) => metricsOf(a.name).units);
  const weights = served.map((a) => a.weight);
  if (served.length < 2 || observed.every((o) => o === 0) || !(weights.reduce((s, w) => s + w, 0) > 0)) {
    return null;
  }
  return { ...srmCheck(observed, weights), arms: served.map((a) => a.name), observed };
}
