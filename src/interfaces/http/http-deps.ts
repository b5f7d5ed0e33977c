import type { DatasetSchema } from '../../data/index.js';
import type { MonitoringReport } from '../../reports/index.js';
import type {
  AlertService,
  DriftReport,
  DriftSettings,
  EtlSummary,
  ExperimentService,
  GateVerdict,
  MonitorQuery,
  MonitorScheduleStatus,
  Overview,
  OverviewFeed,
  PerformanceReport,
  PipelineService,
  PipelineSummary,
  ReferenceProfile,
  ServingService,
  VersionComparison,
} from '../../services/index.js';
import type { LogCommitStats } from './metrics.js';

/** A verified API key. */
export interface ApiPrincipal {
  readonly id: string;
  readonly role: 'admin' | 'predict';
}

/** Checks API key secrets (hashes stored, secrets never). */
export interface ApiKeyVerifier {
  verify(secret: string): Promise<ApiPrincipal | null>;
}

/** Read and admin access to the model registry, for the registry routes. */
export interface RegistryHttpApi {
  list(): Promise<unknown>;
  show(name: string): Promise<unknown>;
  version(name: string, version: number): Promise<unknown>;
  history(name: string): Promise<unknown>;
  promote(input: {
    name: string;
    version: number;
    stage: 'Production' | 'Staging';
    actor: string;
    reason?: string;
    force?: boolean;
  }): Promise<unknown>;
  alias(input: {
    name: string;
    alias: string;
    version: number;
    actor: string;
    reason?: string;
  }): Promise<unknown>;
  rollback(input: { name: string; actor: string; reason?: string }): Promise<unknown>;
  /** Metric deltas and the decision matrix of two versions on the same rows. */
  compare(name: string, first: number, second: number): Promise<VersionComparison>;
  /** The quality gate's verdict, rule by rule, on promoting a version to Production now. */
  gate(name: string, version: number): Promise<GateVerdict>;
  archive(input: {
    name: string;
    version: number;
    actor: string;
    reason?: string;
    force?: boolean;
  }): Promise<unknown>;
}

/** The experiment service as the experiments routes use it. */
export type ExperimentsHttpApi = Pick<
  ExperimentService,
  'create' | 'start' | 'pause' | 'resume' | 'stop' | 'setWeights' | 'conclude' | 'show' | 'list' | 'history'
>;

/** The alert service as the alerts routes use it. */
export type AlertsHttpApi = Pick<AlertService, 'list' | 'silence' | 'unsilence' | 'history'>;

/** Dataset versions as the datasets routes read them. */
export interface DatasetsHttpApi {
  /** Version summaries, newest first. */
  list(page: { limit: number; offset: number }): Promise<readonly unknown[]>;
  /** One version: counts, profile, label conflicts and a quarantine sample (`latest`: the newest). */
  show(id: string): Promise<EtlSummary>;
  /** A page of the quarantine of a version's source, with the total. */
  quarantine(
    id: string,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; entries: readonly unknown[] }>;
}

/** The dashboard's Overview: one read, and the live feed of `GET /v1/events`. */
export interface OverviewHttpApi {
  read(): Promise<Overview>;
  readonly feed: OverviewFeed;
}

/** Pipelines as the pipelines routes use it. */
export type PipelinesHttpApi = Pick<
  PipelineService,
  'start' | 'list' | 'show' | 'logs' | 'retry' | 'cancel'
> & {
  /** The catalogue's pipelines. */
  pipelines(): readonly PipelineSummary[];
};

/** Monitoring as the monitoring routes use it (the server adds the current alerts to reports). */
export interface MonitoringHttpApi {
  /** The model a query without `model` is about: the served model. */
  readonly defaultModel: string;
  drift(q: MonitorQuery, settings?: DriftSettings): Promise<DriftReport>;
  performance(q: MonitorQuery): Promise<PerformanceReport>;
  report(q: MonitorQuery, settings?: DriftSettings): Promise<MonitoringReport>;
  profile(modelName: string, version: number | string): Promise<ReferenceProfile>;
}

/** HTTP settings, from config. */
export interface HttpSettings {
  /** Require an API key (role predict or admin) on prediction endpoints. */
  readonly requireKeyForPredict: boolean;
  /** Requests per minute per key (or IP without a key); 0 = off. */
  readonly rateLimitPerMinute: number;
  /** Allowed CORS origins; empty = CORS off. */
  readonly corsOrigins: readonly string[];
  /** Maximum request body in bytes. */
  readonly bodyLimitBytes: number;
  /** Most records one prediction request may hold (batch, OIP v2, MLflow), checked before any work. */
  readonly maxRecordsPerRequest: number;
  /** Log level of the HTTP server (pino). */
  readonly logLevel: string;
  /** One access log line per request at info level (method, URL, status, time, request id). */
  readonly accessLog: boolean;
}

/** Everything buildApp needs, as ready objects. */
export interface HttpDeps {
  readonly serving: ServingService;
  readonly keys: ApiKeyVerifier;
  readonly registry: RegistryHttpApi | null;
  /** A/B experiments (routes under /v1/experiments); absent: no such routes. */
  readonly experiments?: ExperimentsHttpApi | null;
  /** Alerts and silences (routes under /v1/alerts); absent: no such routes. */
  readonly alerts?: AlertsHttpApi | null;
  /** Pipeline runs (routes under /v1/pipelines); absent: no such routes. */
  readonly pipelines?: PipelinesHttpApi | null;
  /** Drift, performance, reports and profiles (routes under /v1/monitoring); absent: no such routes. */
  readonly monitoring?: MonitoringHttpApi | null;
  /** Dataset versions (routes under /v1/datasets); absent: no such routes. */
  readonly datasets?: DatasetsHttpApi | null;
  /** The Overview (`/v1/overview`) and its live feed (`/v1/events`); absent: no such routes. */
  readonly overview?: OverviewHttpApi | null;
  /**
   * The built dashboard (Vite's output: index.html and assets/), served at `/` and `/ui/…`; absent or
   * missing: `/` answers 503 naming the build command.
   */
  readonly dashboardDir?: string | null;
  /** The monitoring schedule of this process: its last check's figures become gauges on /metrics. */
  readonly monitorStatus?: () => MonitorScheduleStatus;
  /** Resolves when the database answers. */
  readonly pingDatabase: () => Promise<void>;
  /** Depth of the prediction log queue (rows waiting to be written). */
  readonly logQueueDepth: () => number;
  /** What the prediction log committed so far (Prometheus counters); optional. */
  readonly logStats?: () => LogCommitStats;
  /**
   * Why the prediction log cannot commit now (its last commit failed and none succeeded since), or
   * null when it can: `/health/ready` answers 503 naming it.
   */
  readonly logCommitProblem?: () => Promise<string | null>;
  /**
   * True while the server drains before it stops (SIGTERM): requests are still answered, each with
   * `Connection: close`, and `/health/ready` answers 503 "draining" so that load balancers and
   * Kubernetes take the replica out of rotation before it stops accepting. Absent: never.
   */
  readonly draining?: () => boolean;
  readonly schema: DatasetSchema;
  readonly settings: HttpSettings;
  readonly version: string;
}
