import type {
  AlertService,
  DatabaseService,
  EtlService,
  ExperimentService,
  MonitoringService,
  PipelineService,
  RegistryService,
  RunsService,
  TrainingService,
} from '../../services/index.js';

/** API key administration (secrets are shown once, stored hashed). */
export interface ApiKeyAdmin {
  create(input: {
    name: string;
    role: 'admin' | 'predict';
  }): Promise<{ id: string; secret: string; role: string; name: string }>;
  list(): Promise<
    readonly {
      id: string;
      name: string;
      role: string;
      createdAt: Date;
      revokedAt: Date | null;
      lastUsedAt: Date | null;
    }[]
  >;
  revoke(id: string): Promise<unknown>;
}

/** The services a CLI command may use; opened lazily so `--help` never touches the database. */
export interface CliServices {
  readonly etl: EtlService;
  readonly database: DatabaseService;
  readonly training: TrainingService;
  readonly runs: RunsService;
  readonly registry: RegistryService;
  readonly keys: ApiKeyAdmin;
  readonly experiments: ExperimentService;
  /** Alerts and silences (built on first use, so a bad alert rule config only fails alert commands). */
  readonly alerts: AlertService;
  /** Drift, performance and reports over the prediction log. */
  readonly monitoring: MonitoringService;
  /**
   * Pipelines (built on first use: the user modules loaded, the runner started). With the local
   * executor, runs started here execute in this process until it closes.
   */
  pipelines(): Promise<PipelineService>;
  close(): Promise<void>;
}

/** What the composition root hands the CLI: how to open services, and where to write. */
export interface CliContext {
  openServices(): Promise<CliServices>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  /** The repository root's bundled data folder (for defaults such as `npm start`'s source). */
  readonly dataDir: string;
  /** Show progress bars (off in CI and when stderr is not a terminal). */
  readonly progress: boolean;
  /** Starts the API server (built by the composition root) and resolves once it listens. */
  serve(opts: { port?: number; host?: string }): Promise<ServerHandle>;
  /** Who registry actions are recorded as when `--actor` is not given (the OS user name). */
  readonly defaultActor: () => string;
  /** The registered model the API serves (config). */
  readonly modelName: string;
  /** Resolves when the process is asked to stop (SIGTERM / SIGINT). */
  readonly untilSignal: () => Promise<string>;
  /** The configured pipeline schedules (`SPOREPRINT_PIPELINE_SCHEDULES`), for the Airflow export. */
  readonly pipelineSchedules: () => readonly PipelineScheduleRef[];
  /**
   * Starts a BullMQ task worker in this process (built by the composition root): it runs the
   * pipeline tasks queued on Redis and reconciles the active runs every few seconds.
   */
  worker(opts: { concurrency?: number }): Promise<WorkerHandle>;
  /** Checks that the database and Redis answer (`worker --health`); never throws. */
  workerHealth(): Promise<WorkerHealth>;
  /**
   * Starts the pipeline scheduler in this process (built by the composition root): the configured
   * schedules and watched folder, and the upkeep of active runs.
   */
  scheduler(opts: { pollMs?: number }): Promise<SchedulerHandle>;
}

/** A running task worker. */
export interface WorkerHandle {
  /** Its name on the jobs it runs (`host:pid`). */
  readonly name: string;
  readonly concurrency: number;
  /** The BullMQ queue and the (password-redacted) Redis URL it takes tasks from. */
  readonly queue: string;
  readonly redis: string;
  /** Stops taking tasks; running ones get `graceMs`, then go back to the queue. Closes everything. */
  close(graceMs: number): Promise<void>;
}

/** What `worker --health` found: each dependency's round trip, or why it failed. */
export interface WorkerHealth {
  readonly database: { readonly ok: boolean; readonly ms: number; readonly error?: string };
  readonly redis: { readonly ok: boolean; readonly ms: number; readonly error?: string };
}

/** A running scheduler. */
export interface SchedulerHandle {
  readonly schedules: readonly PipelineScheduleRef[];
  readonly watchDir: string | null;
  /** Where the runs it starts execute: `local` (this process) or `bullmq` (the workers). */
  readonly executor: string;
  /** Stops ticking; runs this process executes get a moment, then are left to be resumed. */
  close(graceMs: number): Promise<void>;
}

/** A configured schedule as the Airflow export uses it. */
export interface PipelineScheduleRef {
  readonly name: string;
  readonly pipeline: string;
  readonly cron: string;
  readonly timezone?: string;
}

/** A running API server. */
export interface ServerHandle {
  readonly url: string;
  /** How long {@link drain} lasts (`SPOREPRINT_DRAIN_SECONDS`). */
  readonly drainSeconds: number;
  /** Readiness 503 "draining" while requests are still answered; resolves after `drainSeconds`. */
  drain(): Promise<void>;
  close(): Promise<void>;
}
