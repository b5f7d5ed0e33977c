/** The queries and answers of the monitoring service. */
import type { DatasetDriftResult, DriftOptions, FeatureDriftResult } from '../../stats/index.js';
import type { LabelledFigures } from './labelled-figures.js';
import type { Outcome } from './reference-profile.js';

/** Which predictions to look at. */
export interface MonitorQuery {
  readonly modelName: string;
  /** A number, `production` (default) or an alias. */
  readonly version?: number | string;
  /** The window: hours from `from` (rounded down) to `to` (exclusive, rounded up; default now). */
  readonly from?: Date;
  readonly to?: Date;
  /** Instead of `from`: the most recent whole hours holding at least this many predictions. */
  readonly last?: number;
  readonly experimentId?: string;
  readonly arm?: string;
}

/** Drift settings (Evidently's defaults when absent). */
export interface DriftSettings {
  /** Dataset drift when at least this share of features drifts (default 0.5). */
  readonly share?: number;
  /** Options for every feature (test, thresholds, missing values). */
  readonly all?: DriftOptions;
  /** Options per feature, over `all`. */
  readonly features?: Readonly<Record<string, DriftOptions>>;
}

export interface MonitorWindow {
  readonly from: string | null;
  readonly to: string;
  readonly rows: number;
}

/** One feature's drift, or why it was not tested. */
export type FeatureDrift =
  | ({ readonly feature: string; readonly status: 'tested' } & FeatureDriftResult)
  | { readonly feature: string; readonly status: 'no data'; readonly reason: string };

export interface DriftReport {
  readonly model: string;
  readonly version: number;
  readonly window: MonitorWindow;
  readonly reference: { readonly rows: number; readonly datasetId: string; readonly split: 'train' };
  readonly features: readonly FeatureDrift[];
  /** Null when no feature could be tested (an empty window). */
  readonly dataset: DatasetDriftResult | null;
  readonly prediction: {
    readonly reference: Record<Outcome, number>;
    readonly current: Record<Outcome, number>;
    readonly referenceRows: number;
    /** The outcome distribution tested as a categorical feature (null for an empty window). */
    readonly drift: FeatureDriftResult | null;
    /** Novelty share in the window minus the test split's. */
    readonly noveltyRise: number;
  };
}

export interface PerformanceReport {
  readonly model: string;
  readonly version: number;
  readonly window: MonitorWindow;
  /** Labelled predictions of the window. */
  readonly labelled: LabelledFigures;
  /** Estimated from the probabilities of every prediction of the window (CBPE); null for an empty window. */
  readonly estimated: EstimatedFigures | null;
  /** Per hour, oldest first. */
  readonly hours: ReadonlyArray<{
    readonly hour: string;
    readonly rows: number;
    readonly labelled: LabelledFigures;
    readonly estimated: EstimatedFigures | null;
  }>;
  /** The version's figures on its test split. */
  readonly reference: LabelledFigures;
  /** The calibration behind the estimates (from the reference profile). */
  readonly calibration: {
    readonly calibrated: boolean;
    readonly eceBefore: number | null;
    readonly eceAfter: number | null;
  };
}

/**
 * Performance estimated without labels (NannyML's CBPE over the calibrated probabilities): always
 * marked `estimated`, the same definitions as {@link LabelledFigures}.
 */
export interface EstimatedFigures {
  readonly estimated: true;
  readonly rows: number;
  /** Expected correct among answered rows. */
  readonly accuracy: number | null;
  /** Expected share of poisonous mushrooms not called edible. */
  readonly poisonousRecall: number | null;
  /** Expected false-edible answers. */
  readonly falseEdible: number;
}

/** Drift and performance of one window, as a monitoring check computes them. */
export interface WindowFigures {
  readonly drift: DriftReport;
  readonly performance: PerformanceReport;
}
