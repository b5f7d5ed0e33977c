/**
 * The stop rules of an experiment, in order: the false-edible guardrail (never waits), a sample ratio
 * mismatch, the maximum duration, then significance on the primary metric.
 */
import type { ArmMetrics, ExperimentRecord } from '../../../storage/index.js';
import type { ChallengerAnalysis, ExperimentAnalysis, ExperimentDecision } from './analysis-types.js';

const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)}%`);
const points = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} points`;

/** The first rule that applies, or 'continue' saying what the experiment waits for. */
export function decide(
  experiment: ExperimentRecord,
  control: ArmMetrics,
  challengers: readonly ChallengerAnalysis[],
  srm: ExperimentAnalysis['srm'],
  now: Date,
): ExperimentDecision {
  return (
    guardrailStop(challengers) ??
    srmPause(srm) ??
    durationStop(experiment, now) ??
    significanceStop(experiment, challengers) ??
    keepGoing(experiment, control, challengers)
  );
}

/** A served challenger credibly calling more poisonous mushrooms edible than the control (shadows serve nobody). */
function guardrailStop(challengers: readonly ChallengerAnalysis[]): ExperimentDecision | null {
  const harmful = challengers
    .filter((c) => c.role === 'challenger' && c.guardrail?.decision === 'harm')
    .sort((x, y) => (y.guardrail?.lowerBound ?? 0) - (x.guardrail?.lowerBound ?? 0));
  const worst = harmful[0];
  if (worst?.guardrail == null) return null;
  const g = worst.guardrail;
  return {
    action: 'stop-guardrail',
    arm: worst.arm,
    reason:
      `false-edible guardrail: challenger "${worst.arm}" calls poisonous mushrooms edible in ` +
      `${pct(g.challengerRate)} of poisonous-truth labels against ${pct(g.controlRate)} for the control; ` +
      `the sequential lower bound of the increase (${points(g.lowerBound)}) exceeds the margin ` +
      `(${points(g.margin)})`,
    figures: {
      controlRate: g.controlRate,
      challengerRate: g.challengerRate,
      difference: g.difference,
      lowerBound: g.lowerBound,
      margin: g.margin,
      alpha: g.alpha,
      tuning: g.tuning,
    },
  };
}

function srmPause(srm: ExperimentAnalysis['srm']): ExperimentDecision | null {
  if (srm === null || !srm.flagged) return null;
  const split = srm.arms
    .map((arm, i) => `${arm} ${srm.observed[i]} (expected ${srm.expected[i].toFixed(1)})`)
    .join(', ');
  const why =
    srm.rule === 'zero-weight-arm-has-units'
      ? 'an arm with weight 0 received units'
      : `chi-square p = ${srm.pValue.toExponential(2)} < ${srm.threshold}`;
  return {
    action: 'pause-srm',
    reason: `sample ratio mismatch: units per arm do not match the weights (${why}): ${split}`,
    figures: {
      chiSquare: srm.chiSquare,
      df: srm.df,
      pValue: srm.pValue,
      threshold: srm.threshold,
      rule: srm.rule,
      ...Object.fromEntries(srm.arms.map((arm, i) => [`units.${arm}`, srm.observed[i]])),
    },
  };
}

function durationStop(experiment: ExperimentRecord, now: Date): ExperimentDecision | null {
  const hours = experiment.settings.maxDurationHours;
  if (hours === null || experiment.startedAt === null) return null;
  const ranHours = (now.getTime() - experiment.startedAt.getTime()) / 3_600_000;
  if (ranHours < hours) return null;
  return {
    action: 'stop-max-duration',
    reason: `maximum duration reached: running ${ranHours.toFixed(1)} h of at most ${hours} h`,
    figures: { ranHours, maxDurationHours: hours },
  };
}

/** The figures of one primary comparison, for a decision's details. */
function primaryFigures(c: ChallengerAnalysis) {
  const p = c.primary;
  return {
    metric: p.metric,
    method: p.method,
    controlRate: p.control.rate,
    challengerRate: p.challenger.rate,
    controlN: p.control.n,
    challengerN: p.challenger.n,
    difference: p.difference,
    ciLower: p.ci?.[0] ?? null,
    ciUpper: p.ci?.[1] ?? null,
    pValue: p.pValue,
    adjustedPValue: p.adjustedPValue,
    chanceToWin: p.chanceToWin,
    expectedLoss: p.expectedLoss,
  };
}

function evidence(c: ChallengerAnalysis): string {
  const p = c.primary;
  const rates = `${pct(p.challenger.rate)} vs ${pct(p.control.rate)} for the control`;
  return p.method === 'bayesian'
    ? `${rates}, chance to win ${pct(p.chanceToWin)}`
    : `${rates}, adjusted p = ${p.adjustedPValue?.toPrecision(3)} < alpha`;
}

/** A winner among the challengers (and shadows), or the control when every one of them lost. */
function significanceStop(
  experiment: ExperimentRecord,
  challengers: readonly ChallengerAnalysis[],
): ExperimentDecision | null {
  const metric = experiment.settings.primaryMetric;
  const winners = challengers
    .filter((c) => c.primary.conclusive && c.primary.better === true)
    .sort((x, y) => strength(y) - strength(x));
  const best = winners[0];
  if (best !== undefined) {
    return {
      action: 'stop-significant',
      arm: best.arm,
      reason: `${best.role} "${best.arm}" is better on ${metric}: ${evidence(best)}`,
      figures: primaryFigures(best),
    };
  }
  if (
    challengers.length > 0 &&
    challengers.every((c) => c.primary.conclusive && c.primary.better === false)
  ) {
    const control = experiment.arms.find((a) => a.role === 'control')?.name ?? 'control';
    return {
      action: 'stop-significant',
      arm: control,
      reason: `every challenger is worse than the control on ${metric}: ${challengers.map((c) => `"${c.arm}" ${evidence(c)}`).join('; ')}`,
      figures: primaryFigures(challengers[0]),
    };
  }
  return null;
}

/** How strongly a winner wins: its chance to win, or 1 − its adjusted p-value. */
function strength(c: ChallengerAnalysis): number {
  return c.primary.method === 'bayesian' ? (c.primary.chanceToWin ?? 0) : 1 - (c.primary.adjustedPValue ?? 1);
}

function keepGoing(
  experiment: ExperimentRecord,
  control: ArmMetrics,
  challengers: readonly ChallengerAnalysis[],
): ExperimentDecision {
  const min = experiment.settings.minLabelledPerArm;
  const waiting = challengers.filter((c) => !c.primary.enoughData);
  const figures = { minLabelledPerArm: min, challengers: challengers.length };
  if (waiting.length > 0) {
    const counts = [
      `"${control.arm}" has ${control.labelled}`,
      ...waiting.map((c) => `"${c.arm}" ${c.labelled}`),
    ];
    return {
      action: 'continue',
      reason: `waiting for ${min} labelled predictions per arm before the primary metric may decide (${counts.join(', ')})`,
      figures,
    };
  }
  return {
    action: 'continue',
    reason: `no conclusive difference yet on ${experiment.settings.primaryMetric}`,
    figures,
  };
}
