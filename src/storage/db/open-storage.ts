import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type MigrationResultSet, Migrator, SqliteDialect, sql } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { KyselyAlertRepository } from '../alerts/alert-repository.js';
import type { AlertRepository } from '../alerts/alert-types.js';
import { KyselyApiKeyRepository } from '../api-keys/api-key-repository.js';
import type { ApiKeyRepository } from '../api-keys/api-key-types.js';
import { KyselyDatasetRepository } from '../datasets/dataset-repository.js';
import type { DatasetRepository } from '../datasets/dataset-types.js';
import { sqliteRowWriter } from '../datasets/source-row-writer.js';
import {
  type ExperimentRepository,
  KyselyExperimentRepository,
} from '../experiments/experiment-repository.js';
import { KyselyFeedbackRepository } from '../feedback/feedback-repository.js';
import type { FeedbackRepository } from '../feedback/feedback-types.js';
import { KyselyLeaseRepository } from '../leases/lease-repository.js';
import type { LeaseRepository } from '../leases/lease-types.js';
import { KyselyMonitoringRepository } from '../monitoring/monitoring-repository.js';
import type { MonitoringRepository } from '../monitoring/monitoring-types.js';
import { KyselyPipelineRepository } from '../pipelines/pipeline-repository.js';
import type { PipelineRepository } from '../pipelines/pipeline-types.js';
import { KyselyPredictionJournal } from '../predictions/prediction-journal-repository.js';
import { KyselyPredictionRepository } from '../predictions/prediction-repository.js';
import type { PredictionJournalRepository, PredictionRepository } from '../predictions/prediction-types.js';
import { sqlitePredictionWriter } from '../predictions/prediction-writer.js';
import { SqliteLogWorker } from '../predictions/sqlite-log-worker.js';
import { KyselyRegistryRepository } from '../registry/registry-repository.js';
import type { RegistryRepository } from '../registry/registry-types.js';
import { KyselyRunRepository } from '../runs/run-repository.js';
import type { RunRepository } from '../runs/run-types.js';
import { databaseError } from './database-error.js';
import type { DatabaseSchema } from './database-schema.js';
import { parseDatabaseUrl, type SqliteUrl } from './database-url.js';
import { migrationProvider } from './migration-provider.js';
import type { Backend, OpenStorageOptions } from './storage-backend.js';
import { attachContext } from './storage-context.js';

export type { OpenStorageOptions } from './storage-backend.js';

/** The outcome of one migration in a {@link MigrationReport}. */
export interface MigrationOutcome {
  readonly name: string;
  /** `applied`: ran now; `failed`: raised an error; `not-run`: skipped because an earlier one failed. */
  readonly status: 'applied' | 'failed' | 'not-run';
}

/** What {@link Storage.migrate} did: one outcome per migration it had to run (empty when up to date). */
export interface MigrationReport {
  readonly results: readonly MigrationOutcome[];
}

/** One migration known to this build, and when it ran on this database (`null`: pending). */
export interface MigrationStatus {
  readonly name: string;
  readonly executedAt: Date | null;
}

/** An open database with its repositories. Services receive the repositories, never this object's connection. */
export interface Storage {
  readonly dialect: 'sqlite' | 'mysql';
  /** The URL with any password redacted, for messages and logs. */
  readonly display: string;
  readonly datasets: DatasetRepository;
  /** Training runs. */
  readonly runs: RunRepository;
  /** The model registry. Artifacts live in an {@link ArtifactStore} (see `openArtifactStore`). */
  readonly registry: RegistryRepository;
  /** The prediction log (write it through a group-commit `createPredictionLog` on the serving path). */
  readonly predictions: PredictionRepository;
  /** Durable batch requests whose prediction rows are still being written (see the serving path). */
  readonly predictionJournal: PredictionJournalRepository;
  /** True labels of predictions, reported later. */
  readonly feedback: FeedbackRepository;
  /** API keys, stored hashed. */
  readonly apiKeys: ApiKeyRepository;
  /** A/B experiments between versions of a model, and their history. */
  readonly experiments: ExperimentRepository;
  /** Alert states, silences and the alert history. */
  readonly alerts: AlertRepository;
  /** Named leases: one holder at a time across processes (e.g. the monitoring schedule). */
  readonly leases: LeaseRepository;
  /** The prediction log's roll-up (drift, performance) and the reference profiles. */
  readonly monitoring: MonitoringRepository;
  /** Pipeline runs: their plans, task states (compare-and-set), attempts, logs, links and effects. */
  readonly pipelines: PipelineRepository;
  /** Runs pending migrations; rejects with `SP_ERR_MIGRATION` naming the failed migration. */
  migrate(): Promise<MigrationReport>;
  /** Every migration of this build with its execution time, in order. */
  migrationStatus(): Promise<MigrationStatus[]>;
  /** Resolves when the database answers a trivial query; rejects with `SP_ERR_DATABASE`. */
  ping(): Promise<void>;
  /** Closes every connection. The storage is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Opens the database named by `url` (see {@link parseDatabaseUrl}) and, unless `migrate: false`,
 * brings its schema up to date.
 *
 * SQLite files and their parent directories are created on first use, in WAL mode with
 * `synchronous=NORMAL`, foreign keys on and a busy timeout. The database named in a MySQL/MariaDB URL
 * is created (utf8mb4) when it does not exist. A malformed URL raises `SP_ERR_CONFIG`; an unreachable
 * server raises `SP_ERR_DATABASE` naming host and port; a failed migration raises `SP_ERR_MIGRATION`.
 *
 * @example
 * const storage = await openStorage('sqlite:var/sporeprint.db');
 * try {
 *   const latest = await storage.datasets.latestVersion();
 * } finally {
 *   await storage.close();
 * }
 */
export async function openStorage(url: string, opts: OpenStorageOptions = {}): Promise<Storage> {
  const target = parseDatabaseUrl(url);
  const backend =
    target.dialect === 'sqlite'
      ? openSqlite(target, opts)
      : await (await import('./open-mysql.js')).openMysql(target, opts);
  const storage = createStorage(target.dialect, target.display, backend, opts.busyTimeoutMs ?? 5000);
  try {
    await storage.ping();
    if (opts.migrate ?? true) await storage.migrate();
  } catch (e) {
    await storage.close().catch(() => undefined);
    throw e;
  }
  return storage;
}

function openSqlite(target: SqliteUrl, opts: OpenStorageOptions): Backend {
  const chars = opts.logCheckpointChars;
  if (chars !== undefined && (!Number.isSafeInteger(chars) || chars < 1)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `logCheckpointChars must be a positive integer, not ${chars}`,
    );
  }
  let handle: BetterSqlite3.Database;
  try {
    if (!target.memory) mkdirSync(dirname(target.path), { recursive: true });
    handle = new BetterSqlite3(target.path);
    handle.pragma(`busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 5000)}`);
    if (!target.memory) handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
  } catch (e) {
    throw databaseError(`Opening SQLite database ${target.path}`, e);
  }
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: handle }) });
  return {
    db,
    rowWriter: sqliteRowWriter(handle),
    predictionWriter: sqlitePredictionWriter(handle, undefined, opts.busyTimeoutMs ?? 5000),
    predictionThread: target.memory
      ? null
      : new SqliteLogWorker(target.path, {
          busyTimeoutMs: opts.busyTimeoutMs ?? 5000,
          checkpointChars: opts.logCheckpointChars,
        }),
  };
}

function createStorage(
  dialect: 'sqlite' | 'mysql',
  display: string,
  backend: Backend,
  busyTimeoutMs: number,
): Storage {
  const { db } = backend;
  const ctx = { db, dialect, display, busyTimeoutMs };
  const migrator = new Migrator({ db, provider: migrationProvider });
  const datasets = new KyselyDatasetRepository(db, backend.rowWriter);
  let closed: Promise<void> | undefined;
  const storage: Storage = {
    dialect,
    display,
    datasets,
    runs: new KyselyRunRepository(ctx),
    registry: new KyselyRegistryRepository(ctx),
    predictions: new KyselyPredictionRepository(ctx, backend.predictionWriter, backend.predictionThread),
    predictionJournal: new KyselyPredictionJournal(ctx, backend.predictionWriter, backend.predictionThread),
    feedback: new KyselyFeedbackRepository(ctx),
    apiKeys: new KyselyApiKeyRepository(ctx),
    experiments: new KyselyExperimentRepository(ctx),
    alerts: new KyselyAlertRepository(ctx),
    leases: new KyselyLeaseRepository(ctx),
    monitoring: new KyselyMonitoringRepository(ctx),
    pipelines: new KyselyPipelineRepository(ctx),
    async migrate() {
      return report(await migrator.migrateToLatest());
    },
    async migrationStatus() {
      try {
        const infos = await migrator.getMigrations();
        return infos.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
      } catch (e) {
        throw databaseError(`Reading migration status of ${display}`, e);
      }
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (e) {
        throw databaseError(`Pinging ${display}`, e);
      }
    },
    close() {
      closed ??= (async () => {
        try {
          await backend.predictionThread?.close();
          await backend.logConnections?.close();
        } finally {
          await db.destroy();
        }
      })();
      return closed;
    },
  };
  attachContext(storage, ctx);
  return storage;
}

function report(set: MigrationResultSet): MigrationReport {
  const results = (set.results ?? []).map((r) => ({
    name: r.migrationName,
    status:
      r.status === 'Success'
        ? ('applied' as const)
        : r.status === 'Error'
          ? ('failed' as const)
          : ('not-run' as const),
  }));
  if (set.error !== undefined) {
    const failed = results.find((r) => r.status === 'failed')?.name;
    const reason = set.error instanceof Error ? set.error.message : String(set.error);
    const err = new SporeprintError(
      'SP_ERR_MIGRATION',
      failed === undefined
        ? `Migrations could not start: ${reason}`
        : `Migration ${failed} failed: ${reason}`,
      { migration: failed ?? null, results },
    );
    err.cause = set.error;
    throw err;
  }
  return { results };
}
