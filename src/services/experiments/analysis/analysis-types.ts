/** What {@link analyzeExperiment} returns: per-challenger comparisons, the SRM check and a decision. */
import type { GuardrailResult, SrmResult } from '../../../stats/index.js';
import type { ArmRole, PrimaryMetric } from '../../../storage/index.js';

/** One arm's primary metric: `successes` of `n` (the metric's own rate is successes / n). */
export interface MetricCounts {
  readonly successes: number;
  readonly n: number;
  /** successes / n (null when n = 0). */
  readonly rate: number | null;
}

/** The primary-metric comparison of one challenger (or shadow) with the control. */
export interface PrimaryComparison {
  readonly metric: PrimaryMetric;
  /** false for the false-edible rate: lower is better. */
  readonly higherIsBetter: boolean;
  readonly control: MetricCounts;
  readonly challenger: MetricCounts;
  /** How the comparison was made. */
  readonly method: 'bayesian' | 'z-test' | 'confidence-sequence';
  /** challenger rate − control rate, on the metric's own scale (null until both arms have data). */
  readonly difference: number | null;
  /** Interval of the difference at level 1 − alpha (frequentist), on the metric's scale. */
  readonly ci: readonly [number, number] | null;
  /** Two-sided p-value (frequentist; always-valid for the confidence sequence). */
  readonly pValue: number | null;
  /** The p-value adjusted across the challengers (Holm-Bonferroni / Benjamini-Hochberg / none). */
  readonly adjustedPValue: number | null;
  /** Bayesian: chance that the challenger is better than the control on the metric. */
  readonly chanceToWin: number | null;
  /** Bayesian: expected loss of choosing the challenger, in rate units of the metric. */
  readonly expectedLoss: number | null;
  /** Both arms have at least `minLabelledPerArm` labelled predictions: the comparison may decide. */
  readonly enoughData: boolean;
  /** The comparison decides, in the direction `better` says (only when enoughData). */
  readonly conclusive: boolean;
  /** The challenger is the better arm (null when inconclusive). */
  readonly better: boolean | null;
}

/** One non-control arm's analysis. */
export interface ChallengerAnalysis {
  readonly arm: string;
  readonly role: Exclude<ArmRole, 'control'>;
  /** Its labelled predictions. */
  readonly labelled: number;
  readonly primary: PrimaryComparison;
  /** The false-edible guardrail (null until both arms have a poisonous-truth label). */
  readonly guardrail: GuardrailResult | null;
}

/** What the experiments service should do now. */
export type DecisionAction =
  | 'continue'
  | 'stop-guardrail'
  | 'pause-srm'
  | 'stop-significant'
  | 'stop-max-duration';

/** JSON-safe figures recorded with a decision (into the experiment's history). */
export type DecisionFigures = Readonly<Record<string, number | string | boolean | null>>;

/** The decision with the reason written for people and the figures behind it. */
export interface ExperimentDecision {
  readonly action: DecisionAction;
  readonly reason: string;
  /** The arm concerned: the harmful challenger, or the winner (the control when every challenger lost). */
  readonly arm?: string;
  readonly figures: DecisionFigures;
}

/** The whole analysis of an experiment at one moment. */
export interface ExperimentAnalysis {
  readonly experimentId: string;
  /** ISO-8601 time of the analysis. */
  readonly at: string;
  readonly engine: 'bayesian' | 'frequentist';
  readonly sequential: boolean;
  readonly primaryMetric: PrimaryMetric;
  readonly control: string;
  readonly challengers: readonly ChallengerAnalysis[];
  /** Sample-ratio check over the served arms (null with fewer than 2 served arms or no unit yet). */
  readonly srm:
    | (SrmResult & { readonly arms: readonly string[]; readonly observed: readonly number[] })
    | null;
  readonly decision: ExperimentDecision;
}
