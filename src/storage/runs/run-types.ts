/** Status of a training run: `running` until {@link RunRepository.finish} records the outcome. */
export type RunStatus = 'running' | 'succeeded' | 'failed';

/** A training run as it starts. JSON fields take any JSON-serialisable value. */
export interface RunInput {
  /** Unique id, e.g. `'run-' + random hex`. */
  readonly id: string;
  /** The dataset version trained on (must exist). */
  readonly datasetId: string;
  /** `'logistic-regression'`, `'decision-tree'` or `'gradient-boosting'`. */
  readonly modelKind: string;
  readonly modelName: string;
  /** Hyper-parameters as given to the estimator. */
  readonly params: unknown;
  /** The code that trained (package version, git commit, …). */
  readonly codeVersion: string;
  /** Defaults to now. */
  readonly startedAt?: Date;
}

/** The outcome of a run, recorded once by {@link RunRepository.finish}. */
export interface RunFinish {
  readonly status: 'succeeded' | 'failed';
  /** Metrics per split and cross-validation. */
  readonly metrics: unknown;
  /** Milliseconds per phase. */
  readonly durations: unknown;
  /** The pipeline artifact in the artifact store, or `null` (e.g. a failed run). */
  readonly artifactSha256: string | null;
  readonly artifactBytes: number | null;
  readonly warnings: readonly string[];
  readonly error: string | null;
  /** Defaults to now. */
  readonly finishedAt?: Date;
}

/**
 * A stored run. While `running`, the {@link RunFinish} fields are absent and `finishedAt` is `null`;
 * once finished, all of them are present.
 */
export interface RunRecord extends RunInput, Partial<Omit<RunFinish, 'status' | 'finishedAt'>> {
  readonly status: RunStatus;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

/** Filters and paging of {@link RunRepository.list}. */
export interface RunListOptions {
  readonly datasetId?: string;
  readonly modelKind?: string;
  /** Default 100. */
  readonly limit?: number;
  readonly offset?: number;
}

/** Training runs: every `sporeprint train` model fit is recorded here. */
export interface RunRepository {
  /**
   * Records a run as `running`. Rejects with `SP_ERR_CONFLICT` when the id is taken and
   * `SP_ERR_NOT_FOUND` when the dataset version is unknown.
   */
  create(run: RunInput): Promise<void>;
  /**
   * Records the outcome of a running run. Rejects with `SP_ERR_NOT_FOUND` for an unknown id and
   * `SP_ERR_CONFLICT` when the run is already finished.
   */
  finish(id: string, finish: RunFinish): Promise<void>;
  /** The run with this id, or `undefined`. */
  get(id: string): Promise<RunRecord | undefined>;
  /** Runs, newest (by start time) first, optionally of one dataset version and/or model kind. */
  list(options?: RunListOptions): Promise<RunRecord[]>;
}
