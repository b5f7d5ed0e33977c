/**
 * The public types of the experiment service: its dependencies (including the seams for per-arm
 * metrics and for the analysis, which live in their own modules) and its inputs and answers.
 */
import type {
  ArmMetrics,
  AssignmentUnit,
  DisagreementCell,
  ExperimentArm,
  ExperimentRecord,
  ExperimentRepository,
  ExperimentSettings,
  ModelVersionRecord,
} from '../../storage/index.js';

/** What the analysis decides about a running experiment. */
export type ExperimentDecisionAction =
  | 'continue'
  | 'stop-guardrail'
  | 'pause-srm'
  | 'stop-significant'
  | 'stop-max-duration';

/** The decision part of an analysis: what to do, why, which arm, with the figures behind it. */
export interface ExperimentDecision {
  readonly action: ExperimentDecisionAction;
  readonly reason: string;
  /** The arm concerned (the harmful challenger, the winner). */
  readonly arm?: string;
  readonly figures?: unknown;
}

/** What the service needs of an analysis (the analysis module returns more: effects, p-values, SRM). */
export interface ExperimentAnalysisResult {
  readonly decision: ExperimentDecision;
}

/** Analyses an experiment's per-arm figures (pure). */
export type AnalyzeExperiment = (
  experiment: ExperimentRecord,
  metrics: readonly ArmMetrics[],
  now: Date,
) => ExperimentAnalysisResult;

/** Computes an experiment's per-arm figures (in SQL, from the prediction log and feedback). */
export type ExperimentMetricsSource = (experiment: ExperimentRecord) => Promise<ArmMetrics[]>;

/** What the service needs of the registry (RegistryService provides it). */
export interface ExperimentRegistry {
  /** A model's versions (`SP_ERR_NOT_FOUND` for an unknown model). */
  show(name: string): Promise<{ readonly versions: readonly ModelVersionRecord[] }>;
  /** Promotion through the quality gate. */
  promote(
    name: string,
    version: number,
    options: { actor: string; reason?: string; force?: boolean },
  ): Promise<unknown>;
}

/** Dependencies of the {@link ExperimentService}. */
export interface ExperimentServiceDeps {
  readonly experiments: ExperimentRepository;
  readonly registry: ExperimentRegistry;
  /** Per-arm figures; without it, `show` has no metrics and `check` applies only the maximum duration. */
  readonly metrics?: ExperimentMetricsSource;
  /** The analysis; without it, `check` stops experiments past their maximum duration only. */
  readonly analyze?: AnalyzeExperiment;
  /** The disagreement table of a shadow arm against the control (see {@link ExperimentView}). */
  readonly disagreement?: (
    experimentId: string,
    controlArm: string,
    shadowArm: string,
  ) => Promise<DisagreementCell[]>;
  /** Called after every committed change (e.g. to tell servers to re-read the running experiment). */
  readonly onChange?: (experiment: ExperimentRecord, action: string) => void | Promise<void>;
  /** Default: the clock. */
  readonly now?: () => Date;
}

/** An arm as given to {@link ExperimentService.create} (weight default: 1 served, 0 shadow). */
export interface ArmInput {
  readonly name?: string;
  readonly version: number;
  readonly role: ExperimentArm['role'];
  readonly weight?: number;
}

/** A new experiment. */
export interface CreateExperimentInput {
  /** Default: "exp-" + 12 random hex digits. */
  readonly id?: string;
  readonly modelName: string;
  readonly description?: string | null;
  /** Default `client` (sticky per X-Client-Id; requests without one are assigned on their own). */
  readonly assignment?: AssignmentUnit;
  readonly arms: readonly ArmInput[];
  readonly settings?: Partial<ExperimentSettings>;
  readonly actor: string;
  readonly reason?: string;
}

/** Who changes an experiment, and why (recorded in its history). */
export interface ActorAndReason {
  readonly actor: string;
  readonly reason?: string;
}

/** Options of {@link ExperimentService.conclude}. */
export interface ConcludeOptions extends ActorAndReason {
  /** The winning arm; default: the analysis's (a significant winner), else refused. */
  readonly winner?: string;
  /** Override a failed quality gate (needs a reason; recorded in the registry history). */
  readonly force?: boolean;
}

/** What {@link ExperimentService.conclude} did. */
export interface ConcludeResult {
  readonly experiment: ExperimentRecord;
  readonly winner: ExperimentArm;
  /** The registry's promotion, or null when the winner's version was already in Production. */
  readonly promotion: unknown;
}

/** An experiment with its per-arm figures and analysis (null when not available). */
export interface ExperimentView {
  readonly experiment: ExperimentRecord;
  readonly metrics: readonly ArmMetrics[] | null;
  readonly analysis: ExperimentAnalysisResult | null;
  /** Per shadow arm, its decisions against the control's on the same requests (null: not available). */
  readonly disagreement: readonly ShadowDisagreement[] | null;
}

/** A shadow arm's decisions against the control's on the same requests. */
export interface ShadowDisagreement {
  readonly arm: string;
  readonly control: string;
  readonly cells: readonly DisagreementCell[];
}

/** What one check did to one running experiment. */
export interface CheckOutcome {
  readonly experimentId: string;
  /** The decision's action, or `error`. */
  readonly action: ExperimentDecisionAction | 'error';
  /** `true` when this check changed the experiment's status. */
  readonly applied: boolean;
  readonly reason: string;
}
