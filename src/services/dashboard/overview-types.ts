/** What the dashboard's Overview shows, as plain JSON-safe data (the answer of `GET /v1/overview`). */

/** A version's figures on its test split, as the registry stored them at registration. */
export interface OverviewFigures {
  /** Poisonous recall. */
  readonly recall: number | null;
  /** Poisonous rows predicted edible. */
  readonly falseEdible: number | null;
  readonly accuracy: number | null;
  /** Test rows behind the figures. */
  readonly n: number | null;
}

/** A registered model and its Production version. */
export interface OverviewModel {
  readonly name: string;
  readonly latestVersion: number;
  /** null: no version in Production. */
  readonly productionVersion: number | null;
  readonly figures: OverviewFigures | null;
}

/** A running or paused experiment. */
export interface OverviewExperiment {
  readonly id: string;
  readonly modelName: string;
  readonly status: string;
  readonly description: string | null;
  readonly arms: readonly {
    readonly name: string;
    readonly version: number;
    readonly role: string;
    readonly weight: number;
  }[];
  readonly startedAt: string | null;
  readonly statusReason: string | null;
}

/** A pending or firing alert. */
export interface OverviewAlert {
  readonly fingerprint: string;
  readonly ruleName: string;
  readonly state: string;
  readonly severity: string;
  readonly summary: string;
  readonly value: number | null;
  /** When it fired (firing) or became active (pending). */
  readonly since: string;
  /** Ids of the silences muting it. */
  readonly silencedBy: readonly string[];
}

/** A pipeline run in progress. */
export interface OverviewPipelineRun {
  readonly id: string;
  readonly pipeline: string;
  readonly state: string;
  readonly startedAt: string | null;
  readonly tasks: {
    readonly total: number;
    readonly succeeded: number;
    readonly running: number;
    readonly failed: number;
  };
  readonly pausedReason: string | null;
}

/** Answered predictions of one minute, per decision. */
export interface OverviewMinute {
  /** Start of the minute, ISO-8601 UTC. */
  readonly minute: string;
  readonly edible: number;
  readonly poisonous: number;
  readonly uncertain: number;
}

/** Prediction traffic of the last hour (every model; predictions scored in shadow left out). */
export interface OverviewPredictions {
  readonly from: string;
  readonly to: string;
  readonly total: number;
  readonly decisions: { readonly edible: number; readonly poisonous: number; readonly uncertain: number };
  /** Predictions per minute over the current minute and the four before it (their count / 5). */
  readonly perMinute: number;
  /** Minutes with predictions, oldest first. */
  readonly minutes: readonly OverviewMinute[];
}

/** The whole Overview at one moment; a part that could not be read is null with its error named. */
export interface Overview {
  /** When it was read, ISO-8601 UTC. */
  readonly at: string;
  readonly models: readonly OverviewModel[];
  /** null: this server has no experiments service. */
  readonly experiments: readonly OverviewExperiment[] | null;
  /** null: this server has no alerts service. */
  readonly alerts: {
    readonly firing: readonly OverviewAlert[];
    readonly pending: readonly OverviewAlert[];
  } | null;
  /** null: this server has no pipeline runs to show. */
  readonly pipelines: readonly OverviewPipelineRun[] | null;
  readonly predictions: OverviewPredictions;
  /** Parts that failed to read this time ("alerts: …"), empty when all were read. */
  readonly problems: readonly string[];
}
