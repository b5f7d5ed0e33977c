/**
 * The API's answers as the dashboard reads them. The Overview is the server's own type (type-only
 * import, erased from the bundle); the others name the fields the pages show.
 */
export type {
  Overview,
  OverviewAlert,
  OverviewExperiment,
  OverviewModel,
  OverviewPipelineRun,
} from '../../src/services/dashboard/overview-types.js';

/** A registered model (`GET /v1/models`). */
export interface ModelRecord {
  readonly name: string;
  readonly description: string;
  readonly latestVersion: number;
  readonly productionVersion: number | null;
  readonly aliases: Readonly<Record<string, number>>;
  readonly createdAt: string;
}

/** Test-split figures stored with a version. */
export interface SplitFigures {
  readonly recall?: number;
  readonly falseEdible?: number;
  readonly accuracy?: number;
  readonly n?: number;
}

/** A model version (`GET /v1/models/{name}`). */
export interface VersionRecord {
  readonly modelName: string;
  readonly version: number;
  readonly runId: string;
  readonly datasetId: string;
  readonly stage: 'None' | 'Staging' | 'Production' | 'Archived';
  readonly aliases: readonly string[];
  readonly metrics: { readonly test?: SplitFigures } | null;
  readonly tags?: Readonly<Record<string, string>>;
  readonly author: string;
  readonly createdAt: string;
}

/** One registry history event. */
export interface HistoryEvent {
  readonly id: number;
  readonly version: number;
  readonly event: string;
  readonly fromStage: string | null;
  readonly toStage: string | null;
  readonly alias: string | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly forced: boolean;
  readonly createdAt: string;
}

/** One rule of the quality gate's verdict. */
export interface GateRule {
  readonly rule: string;
  readonly passed: boolean;
  readonly actual: number | null;
  readonly limit: number | null;
  readonly message: string;
}

/** The quality gate's verdict (`GET …/versions/{v}/gate`). */
export interface GateVerdict {
  readonly passed: boolean;
  readonly rules: readonly GateRule[];
  readonly datasetId: string;
  readonly candidate: { readonly version: number; readonly figures: { readonly n: number } };
  readonly production: { readonly version: number; readonly note?: string } | null;
}

/** A metric of two versions. */
export interface Delta {
  readonly a: number | null;
  readonly b: number | null;
  readonly delta: number | null;
}

/** Two versions compared (`GET /v1/models/{name}/compare`). */
export interface Comparison {
  readonly versions: readonly [number, number];
  readonly datasetId: string;
  readonly rows: number;
  readonly metrics: Readonly<Record<string, Delta>>;
  readonly served: Readonly<Record<string, Delta>>;
  readonly disagreements: number;
  readonly disagreementShare: number;
  readonly decisionMatrix: readonly (readonly number[])[];
}

/** An experiment as stored. */
export interface ExperimentRecord {
  readonly id: string;
  readonly modelName: string;
  readonly description: string | null;
  readonly status: string;
  readonly assignment: string;
  readonly arms: readonly { name: string; version: number; role: string; weight: number }[];
  readonly settings: {
    readonly primaryMetric: string;
    readonly engine: string;
    readonly sequential: boolean;
    readonly sequentialTuning: number;
    readonly alpha: number;
    readonly correction: string;
    readonly guardrailMargin: number;
    readonly minLabelledPerArm: number;
    readonly maxDurationHours: number | null;
  };
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  readonly concludedAt: string | null;
  readonly winner: string | null;
  readonly statusReason: string | null;
}

/** One arm's figures. */
export interface ArmMetrics {
  readonly arm: string;
  readonly version: number;
  readonly role: string;
  readonly requests: number;
  readonly units: number;
  readonly labelled: number;
  readonly correct: number;
  readonly poisonousLabelled: number;
  readonly poisonousCaught: number;
  readonly falseEdible: number;
  readonly uncertain: number;
  readonly latencyP50Us: number | null;
  readonly latencyP95Us: number | null;
}

/** One challenger's comparison with the control. */
export interface ChallengerAnalysis {
  readonly arm: string;
  readonly role: string;
  readonly labelled: number;
  readonly primary: {
    readonly metric: string;
    readonly higherIsBetter: boolean;
    readonly control: { successes: number; n: number; rate: number | null };
    readonly challenger: { successes: number; n: number; rate: number | null };
    readonly method: string;
    readonly difference: number | null;
    readonly ci: readonly [number, number] | null;
    readonly pValue: number | null;
    readonly adjustedPValue: number | null;
    readonly chanceToWin: number | null;
    readonly expectedLoss: number | null;
    readonly enoughData: boolean;
    readonly conclusive: boolean;
    readonly better: boolean | null;
  };
  readonly guardrail: {
    readonly controlRate: number;
    readonly challengerRate: number;
    readonly difference: number;
    readonly lowerBound: number;
    readonly margin: number;
    readonly decision: string;
  } | null;
}

/** An experiment's analysis. */
export interface ExperimentAnalysis {
  readonly at: string;
  readonly engine: string;
  readonly sequential: boolean;
  readonly primaryMetric: string;
  readonly control: string;
  readonly challengers: readonly ChallengerAnalysis[];
  readonly srm: {
    readonly chiSquare: number;
    readonly pValue: number;
    readonly flagged: boolean;
    readonly threshold: number;
    readonly arms: readonly string[];
    readonly observed: readonly number[];
    readonly expected: readonly number[];
  } | null;
  readonly decision: { readonly action: string; readonly reason: string; readonly arm?: string };
}

/** `GET /v1/experiments/{id}`. */
export interface ExperimentView {
  readonly experiment: ExperimentRecord;
  readonly metrics: readonly ArmMetrics[] | null;
  readonly analysis: ExperimentAnalysis | null;
  readonly disagreement:
    | readonly {
        readonly arm: string;
        readonly control: string;
        readonly cells: readonly { control: string; other: string; count: number }[];
      }[]
    | null;
}

/** One feature of `GET /v1/schema`. */
export interface FeatureField {
  readonly name: string;
  readonly label: string;
  readonly help: string;
  readonly kind: 'nominal' | 'numeric';
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly { code: string; label: string; documented: boolean }[];
}

/** `POST /v1/predict?explain=true`. */
export interface Prediction {
  readonly predictionId: string;
  readonly decision: 'edible' | 'poisonous' | 'uncertain';
  readonly probability: number;
  readonly model: { readonly name: string; readonly version: number };
  readonly warnings: readonly string[];
  readonly novelty: number | null;
  readonly noveltyThreshold: number | null;
  readonly reason: string | null;
  readonly explanation?: {
    readonly base: number;
    readonly contributions: readonly {
      feature: string;
      value: string | number | null;
      contribution: number;
    }[];
  };
}
