/**
 * What a monitoring report shows, as plain data: the monitoring service fills a {@link MonitoringReport}
 * (also the `--json` output), {@link renderMonitoringReport} turns it into one self-contained HTML file.
 *
 * Conventions: times are ISO 8601 strings (UTC), shares are fractions in [0, 1] (not percentages),
 * `null` means "not available" (no labels yet, an empty window) and is shown as such, never as 0.
 * Every string may hold anything (`<`, `&`, quotes, control characters): the renderer escapes it.
 */
import type { DatasetDriftResult, DriftTestName, FeatureDriftResult } from '../stats/index.js';

/** Overall verdict: `alert` needs action now, `warning` needs a look, `ok` needs nothing. */
export type Verdict = 'ok' | 'warning' | 'alert';

/**
 * What a verdict reason is about. The renderer lists `poisonous-recall` and `false-edible` first, whatever
 * order they come in: calling a poisonous mushroom edible is the error that kills.
 */
export type VerdictReasonKind =
  | 'poisonous-recall'
  | 'false-edible'
  | 'estimated-performance'
  | 'dataset-drift'
  | 'feature-drift'
  | 'prediction-drift'
  | 'novelty'
  | 'alert'
  | 'no-data'
  | 'no-labels'
  | 'other';

/** One reason behind the verdict. */
export interface VerdictReason {
  readonly kind: VerdictReasonKind;
  /** How much this reason weighs: `ok` reasons are notes ("no labels yet"). */
  readonly severity: Verdict;
  /** One sentence, e.g. "Poisonous recall 0.962 on 412 labelled rows, below the 0.99 floor". */
  readonly message: string;
}

/** The summary shown first. */
export interface ReportSummary {
  readonly verdict: Verdict;
  readonly reasons: readonly VerdictReason[];
}

/** One model version that served predictions in the window. */
export interface ReportModelVersion {
  readonly version: number;
  /** Registry stage or alias at report time, e.g. `Production`, `Staging`, `challenger`. */
  readonly stage?: string;
  /** Rows of the window this version answered. */
  readonly rows: number;
}

/** The model the report is about. */
export interface ReportModel {
  readonly name: string;
  /** The versions in the window, most rows first; more than one during an experiment or a rollout. */
  readonly versions: readonly ReportModelVersion[];
}

/** The window of logged predictions compared with the reference. */
export interface ReportWindow {
  /** Inclusive start and exclusive end, ISO 8601. */
  readonly from: string;
  readonly to: string;
  /** Logged predictions in the window; 0 makes an empty report that says so. */
  readonly rows: number;
  /** Of them, rows whose true label has arrived (feedback). */
  readonly labelledRows: number;
  /** How the window was chosen, e.g. "last 10,000 predictions" (optional, shown as given). */
  readonly description?: string;
}

/** Which split of the model's dataset version a reference profile was built from. */
export type ReferenceSplit = 'train' | 'validation' | 'test';

/** The reference the window is compared with. */
export interface ReferenceDescription {
  readonly rows: number;
  readonly split: ReferenceSplit;
  /** Dataset version the split belongs to, e.g. `secondary@3`. */
  readonly datasetVersion?: string;
  /** When the profile was built (ISO 8601). */
  readonly builtAt?: string;
}

/**
 * Drift of one feature: a {@link FeatureDriftResult} from `featureDrift()` plus the feature's name, so the
 * service can write `{ feature, ...featureDrift(ref, cur, options) }`.
 */
export interface FeatureDriftRow
  extends Pick<
    FeatureDriftResult,
    | 'kind'
    | 'test'
    | 'statistic'
    | 'pValue'
    | 'score'
    | 'threshold'
    | 'drifted'
    | 'effectSize'
    | 'referenceRows'
    | 'currentRows'
  > {
  readonly feature: string;
}

/** Data drift: one row per feature, and the dataset verdict (`datasetDrift()`). */
export interface DataDriftSection {
  readonly features: readonly FeatureDriftRow[];
  readonly dataset: DatasetDriftResult;
}

/** A categorical feature's distribution on both sides: category → share of non-missing rows. */
export interface CategoricalDistribution {
  readonly kind: 'categorical';
  readonly feature: string;
  /** A category absent on one side has share 0 there (it may be left out). */
  readonly reference: Readonly<Record<string, number>>;
  readonly current: Readonly<Record<string, number>>;
  /** Human names of category codes, e.g. `{ x: 'convex' }`; codes without one are shown as they are. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Share of rows where the feature is missing, per side. */
  readonly referenceMissing?: number;
  readonly currentMissing?: number;
}

/** A numeric feature's histogram on both sides, over the same bins. */
export interface NumericDistribution {
  readonly kind: 'numeric';
  readonly feature: string;
  /** Unit of the values, e.g. `cm`. */
  readonly unit?: string;
  /**
   * Bin edges, increasing, one more than the bins: bin i is [edges[i], edges[i+1]), the last one closed.
   * A constant feature has edges `[c, c]` (one bin).
   */
  readonly edges: readonly number[];
  /** Share of non-missing rows per bin, per side. */
  readonly reference: readonly number[];
  readonly current: readonly number[];
  readonly referenceMissing?: number;
  readonly currentMissing?: number;
}

/** Reference vs current distribution of one feature. */
export type FeatureDistribution = CategoricalDistribution | NumericDistribution;

/**
 * Shares of the predictions. `edible + poisonous + uncertain = 1`; `novelty` is the share flagged as an
 * unknown species, whatever the class (it overlaps the other three).
 */
export interface PredictionShares {
  readonly edible: number;
  readonly poisonous: number;
  readonly uncertain: number;
  readonly novelty: number;
}

/** Prediction drift: the window's shares against the reference split's (the test split). */
export interface PredictionDriftSection {
  readonly reference: PredictionShares;
  readonly current: PredictionShares;
  readonly referenceRows: number;
  readonly referenceSplit: ReferenceSplit;
  /** Test of the class shares, when computed (e.g. Jensen–Shannon over edible/poisonous/uncertain). */
  readonly drift?: {
    readonly test: DriftTestName;
    readonly score: number;
    readonly threshold: number;
    readonly drifted: boolean;
  };
}

/** Performance measured on rows whose labels arrived. */
export interface LabelledPerformance {
  /** Labelled rows behind the figures. */
  readonly n: number;
  readonly accuracy: number;
  /** Poisonous rows predicted poisonous / poisonous rows; null when no labelled row is poisonous. */
  readonly poisonousRecall: number | null;
  /** Poisonous rows predicted edible: the error that kills. */
  readonly falseEdible: number;
}

/** Performance estimated from calibrated probabilities (NannyML's CBPE), always shown as estimated. */
export interface EstimatedPerformance {
  readonly accuracy: number;
  readonly poisonousRecall: number;
  /** Expected number of false-edible answers. */
  readonly falseEdible?: number;
}

/** One time bucket of performance. */
export interface PerformanceBucket {
  /** Bucket start and end, ISO 8601. */
  readonly from: string;
  readonly to: string;
  /** Predictions in the bucket. */
  readonly rows: number;
  /** null when no label has arrived for the bucket. */
  readonly labelled: LabelledPerformance | null;
  /** null when not estimated (no calibration, or nothing to estimate). */
  readonly estimated: EstimatedPerformance | null;
}

/** Performance over time, and over the whole window. */
export interface PerformanceSection {
  readonly buckets: readonly PerformanceBucket[];
  readonly overall: {
    readonly labelled: LabelledPerformance | null;
    readonly estimated: EstimatedPerformance | null;
  };
  /** The model's figures on its test split, drawn as a reference line when given. */
  readonly reference?: { readonly accuracy: number; readonly poisonousRecall: number };
  /** Calibration behind the estimate: expected calibration error and whether a calibrator was used. */
  readonly calibration?: { readonly ece: number; readonly calibrated: boolean };
}

/** The same views for one arm of a running A/B experiment. */
export interface ArmSection {
  readonly experiment: string;
  readonly arm: string;
  readonly modelVersion: number;
  /** Rows of the window this arm answered. */
  readonly rows: number;
  readonly summary: ReportSummary;
  readonly dataDrift: DataDriftSection | null;
  readonly predictionDrift: PredictionDriftSection | null;
  readonly performance: PerformanceSection | null;
}

/** Alert severity and Prometheus/Alertmanager state. */
export type AlertSeverity = 'critical' | 'warning' | 'info';
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** An alert active in the window, or that changed state in it. */
export interface ReportAlert {
  readonly name: string;
  readonly severity: AlertSeverity;
  readonly state: AlertState;
  /** When it entered this state, ISO 8601. */
  readonly since: string;
  readonly summary: string;
  readonly silenced?: boolean;
}

/** Everything one monitoring report shows. */
export interface MonitoringReport {
  readonly formatVersion: 1;
  /** When the report was made, ISO 8601. */
  readonly generatedAt: string;
  readonly model: ReportModel;
  readonly window: ReportWindow;
  /** Reference of the data drift (the training split). */
  readonly reference: ReferenceDescription;
  readonly summary: ReportSummary;
  /** null when the window is empty. */
  readonly dataDrift: DataDriftSection | null;
  /** One per feature, in the order of the drift table. */
  readonly distributions: readonly FeatureDistribution[];
  readonly predictionDrift: PredictionDriftSection | null;
  readonly performance: PerformanceSection;
  /** Per experiment arm, when an experiment ran in the window. */
  readonly arms?: readonly ArmSection[];
  readonly alerts: readonly ReportAlert[];
}
