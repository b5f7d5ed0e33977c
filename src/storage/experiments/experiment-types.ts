/**
 * The experiments aggregate: A/B experiments between versions of one registered model, their
 * append-only history, and the per-arm figures computed in SQL from the prediction log joined with
 * feedback. Records as the repository returns them (rows are internal to storage).
 */

/** draft → running ⇄ paused → stopped → concluded (a draft may also be stopped). */
export type ExperimentStatus = 'draft' | 'running' | 'paused' | 'stopped' | 'concluded';

/** How requests are assigned to arms: each request on its own, or sticky per client (`X-Client-Id`). */
export type AssignmentUnit = 'request' | 'client';

/** An arm's part: exactly one control; challengers share the traffic by weight; shadows score a copy. */
export type ArmRole = 'control' | 'challenger' | 'shadow';

/** One arm: a version of the experiment's model. */
export interface ExperimentArm {
  /** Unique in the experiment: [a-z0-9][a-z0-9_-]{0,31} (e.g. "control", "challenger-1"). */
  readonly name: string;
  readonly version: number;
  readonly role: ArmRole;
  /** Share of the traffic (relative; > 0 for control and challengers, 0 for shadows). */
  readonly weight: number;
}

/** The primary metric a winner is picked on (all are per labelled prediction, higher is better but FE). */
export type PrimaryMetric = 'accuracy' | 'poisonous_recall' | 'false_edible_rate';

/** How an experiment is analysed and when it stops. */
export interface ExperimentSettings {
  readonly primaryMetric: PrimaryMetric;
  /** GrowthBook's default engine is Bayesian. */
  readonly engine: 'bayesian' | 'frequentist';
  /**
   * Safe to look at any time (default true: running experiments are checked every few seconds):
   * frequentist, asymptotic confidence sequences instead of the fixed z-test; Bayesian, a win must
   * also hold on the confidence sequence (an A/A test looked at every 100 units declared a winner 23.7%
   * of the time without it, 1.0% with it).
   */
  readonly sequential: boolean;
  /** N* of the confidence sequences (GrowthBook 5,000; Eppo 10,000). */
  readonly sequentialTuning: number;
  /** Two-sided error rate of the primary metric (0.05). */
  readonly alpha: number;
  /** Across several challengers. */
  readonly correction: 'holm-bonferroni' | 'benjamini-hochberg' | 'none';
  /** Tolerated absolute increase of the false-edible rate before the guardrail stops a challenger (0). */
  readonly guardrailMargin: number;
  /** Labelled predictions per arm before the primary metric may decide (the guardrail never waits). */
  readonly minLabelledPerArm: number;
  /** Stop after this long running (null: no limit). */
  readonly maxDurationHours: number | null;
}

/** One experiment as stored. */
export interface ExperimentRecord {
  /** "exp-" + 12 lower-case hex digits or a user-given slug ([a-z0-9][a-z0-9_-]{2,63}). */
  readonly id: string;
  readonly modelName: string;
  readonly description: string | null;
  readonly status: ExperimentStatus;
  readonly assignment: AssignmentUnit;
  readonly arms: readonly ExperimentArm[];
  readonly settings: ExperimentSettings;
  readonly createdAt: Date;
  readonly createdBy: string;
  /** First start (null while a draft). */
  readonly startedAt: Date | null;
  /** When it was stopped (null until then). */
  readonly stoppedAt: Date | null;
  readonly concludedAt: Date | null;
  /** The arm concluded as winner (null: none, or not concluded). */
  readonly winner: string | null;
  /** Why it stopped or paused last (guardrail, SRM, max duration, significance, a user's reason). */
  readonly statusReason: string | null;
}

/** One entry of an experiment's append-only history. */
export interface ExperimentEvent {
  readonly seq: number;
  readonly experimentId: string;
  readonly at: Date;
  readonly actor: string;
  /** create, start, pause, resume, stop, conclude, weights, guardrail-stop, srm-pause, … */
  readonly action: string;
  readonly fromStatus: ExperimentStatus | null;
  readonly toStatus: ExperimentStatus;
  readonly reason: string | null;
  /** Figures recorded with the change (e.g. the guardrail's result), JSON-safe. */
  readonly details: unknown;
}

/** One arm's figures over the experiment's predictions (shadow rows included for shadow arms). */
export interface ArmMetrics {
  readonly arm: string;
  readonly version: number;
  readonly role: ArmRole;
  /** Predictions the arm made (answered, or scored in shadow). */
  readonly requests: number;
  /** Distinct assignment units (clients; = requests when assigned per request). */
  readonly units: number;
  /** Predictions with a feedback label. */
  readonly labelled: number;
  /** Labelled predictions whose decision equals the label (an "uncertain" answer is never correct). */
  readonly correct: number;
  /** Labelled predictions whose true label is poisonous. */
  readonly poisonousLabelled: number;
  /** … of which the arm did not call edible (poisonous or uncertain: the forager is safe). */
  readonly poisonousCaught: number;
  /** Poisonous-truth predictions the arm called edible: the error that kills. */
  readonly falseEdible: number;
  /** Answers "uncertain". */
  readonly uncertain: number;
  readonly latencyP50Us: number | null;
  readonly latencyP95Us: number | null;
}

/** How often a shadow (or challenger) said X where the control said Y, on the same requests. */
export interface DisagreementCell {
  readonly control: 'edible' | 'poisonous' | 'uncertain';
  readonly other: 'edible' | 'poisonous' | 'uncertain';
  readonly count: number;
}
