import type {
  BinaryMetrics,
  CalibrationBin,
  DecisionPolicyReport,
  EstimatorKind,
  GuardEvaluation,
} from '../../ml/index.js';
import type { CvResult } from './cross-validation.js';

/** What `sporeprint train` asks for. */
export interface TrainRequest {
  /** Dataset version id, or `latest`. */
  readonly dataset: string;
  readonly models: readonly EstimatorKind[];
  /** Hyper-parameters per model kind (validated by each learner). */
  readonly params?: Partial<Record<EstimatorKind, Record<string, unknown>>>;
  /** Stratified k-fold CV over all rows (0 = off). */
  readonly cv?: number;
  /** Species-grouped k-fold CV (secondary data only; 0 = off). */
  readonly groupCv?: number;
  /** Poisonous recall the "edible" answers must keep on validation (default 0.999). */
  readonly targetRecall?: number;
  /** Fit the unknown-species guard and evaluate answers with and without it (default true). */
  readonly guard?: boolean;
  /** Registered model name the run belongs to (default `sporeprint-<schema>`). */
  readonly modelName?: string;
  readonly onProgress?: (event: TrainProgress) => void;
}

/** Progress of one model's work. */
export interface TrainProgress {
  readonly model: EstimatorKind;
  readonly phase: 'fit' | 'evaluate' | 'cv' | 'group-cv' | 'done';
  /** 0–1 within the phase. */
  readonly fraction: number;
}

/** The decision policy fitted on validation and what it does on test. */
export interface PolicySummary {
  readonly targetRecall: number;
  readonly edibleBelow: number;
  readonly poisonousAtOrAbove: number;
  readonly test: DecisionPolicyReport;
}

/** Metrics of one trained model, poisonous = positive class. */
export interface ModelMetrics {
  readonly train: BinaryMetrics;
  readonly validation: BinaryMetrics;
  readonly test: BinaryMetrics;
  readonly calibration: readonly CalibrationBin[];
  readonly policy: PolicySummary;
  readonly cv?: CvResult;
  readonly groupCv?: CvResult;
  /** The unknown-species guard stored with the model, and what it does on the test split. */
  readonly guard?: GuardSummary;
}

/** The unknown-species guard of a model. */
export interface GuardSummary {
  readonly method: string;
  readonly threshold: number;
  readonly quantile: number;
  readonly reason: string;
  readonly test: GuardEvaluation;
}

/** One model trained in a `train` call. */
export interface TrainedModel {
  readonly runId: string;
  readonly modelKind: EstimatorKind;
  readonly modelName: string;
  readonly params: Record<string, unknown>;
  readonly metrics: ModelMetrics;
  readonly durations: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
  readonly artifact: { readonly sha256: string; readonly bytes: number };
}

/** The result of `sporeprint train`. */
export interface TrainSummary {
  readonly datasetId: string;
  readonly schema: string;
  readonly rows: { readonly train: number; readonly validation: number; readonly test: number };
  readonly models: readonly TrainedModel[];
  /** Plain-language warnings for users (e.g. no generalisation to unseen species). */
  readonly notes: readonly string[];
}
