import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type MigrationResultSet, Migrator, MysqlDialect, SqliteDialect, sql } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { KyselyAlertRepository } from '../alerts/alert-repository.js';
import type { AlertRepository } from '../alerts/alert-types.js';
import { KyselyApiKeyRepository } from '../api-keys/api-key-repository.js';
import type { ApiKeyRepository } from '../api-keys/api-key-types.js';
import { KyselyDatasetRepository } from '../datasets/dataset-repository.js';
import type { DatasetRepository } from '../datasets/dataset-types.js';
import { kyselyRowWriter, type SourceRowWriter, sqliteRowWriter } from '../datasets/source-row-writer.js';
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
import { MysqlLogConnections, mysqlPredictionWriter } from '../predictions/mysql-prediction-writer.js';
import { KyselyPredictionJournal } from '../predictions/prediction-journal-repository.js';
import { KyselyPredictionRepository } from '../predictions/prediction-repository.js';
import type { PredictionJournalRepository, PredictionRepository } from '../predictions/prediction-types.js';
import { type PredictionRowWriter, sqlitePredictionWriter } from '../predictions/prediction-writer.js';
import { SqliteLogWorker } from '../predictions/sqlite-log-worker.js';
import { KyselyRegistryRepository } from '../registry/registry-repository.js';
import type { RegistryRepository } from '../registry/registry-types.js';
import { KyselyRunRepository } from '../runs/run-repository.js';
import type { RunRepository } from '../runs/run-types.js';
import { databaseError, driverCode } from './database-error.js';
import type { DatabaseSchema } from './database-schema.js';
import { type MysqlUrl, parseDatabaseUrl, type SqliteUrl } from './database-url.js';
import { migrationProvider } from './migration-provider.js';
import { mysql2, mysql2Promise } from './optional-drivers.js';
import { attachContext } from './storage-context.js';

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

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  /** Run pending migrations on open (default `true`). */
  readonly migrate?: boolean;
  /** MySQL: how long to wait for a connection, in milliseconds (default 10,000). */
  readonly connectTimeoutMs?: number;
  /** MySQL: connections in the pool (default 10). */
  readonly poolSize?: number;
  /** SQLite: how long a writer waits for a lock held by another process, in milliseconds (default 5,000). */
  readonly busyTimeoutMs?: number;
  /**
   * SQLite file: characters of values the prediction log's writer thread commits between two WAL
   * checkpoints (default 128 Ki, tuned for the p99 of durable answers; see `SqliteLogWorkerOptions`).
   */
  readonly logCheckpointChars?: number;
}

interface Backend {
  readonly db: Kysely<DatabaseSchema>;
  readonly rowWriter: SourceRowWriter;
  readonly predictionWriter: PredictionRowWriter;
  /** SQLite file: the thread that commits prediction batches (started on first use). */
  readonly predictionThread: SqliteLogWorker | null;
  /** MySQL: the prediction log's own connections, closed with the storage. */
  readonly logConnections?: MysqlLogConnections;
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
  const backend = target.dialect === 'sqlite' ? openSqlite(target, opts) : await openMysql(target, opts);
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

async function openMysql(target: MysqlUrl, opts: OpenStorageOptions): Promise<Backend> {
  const where = `${target.host}:${target.port}`;
  const connectTimeout = opts.connectTimeoutMs ?? 10_000;
  const auth = { host: target.host, port: target.port, user: target.user, password: target.password };
  try {
    const admin = await mysql2Promise().createConnection({ ...auth, connectTimeout });
    try {
      await admin.query(
        `create database if not exists \`${target.database}\` character set utf8mb4 collate utf8mb4_bin`,
      );
    } finally {
      await admin.end();
    }
  } catch (e) {
    const code = driverCode(e);
    const reason = e instanceof Error ? e.message : String(e);
    const err = new SporeprintError(
      'SP_ERR_DATABASE',
      `Cannot connect to MySQL/MariaDB at ${where} (${target.display}): ${reason}`,
      { host: target.host, port: target.port, ...(code === undefined ? {} : { driverCode: code }) },
    );
    err.cause = e;
    throw err;
  }
  const connection = {
    ...auth,
    database: target.database,
    connectTimeout,
    charset: 'UTF8MB4_BIN',
    timezone: 'Z' as const,
    supportBigNumbers: true,
    bigNumberStrings: false,
  };
  const pool = mysql2().createPool({ ...connection, connectionLimit: opts.poolSize ?? 10 });
  const db = new Kysely<DatabaseSchema>({ dialect: new MysqlDialect({ pool }) });
  // the prediction log commits on connections of its own (multi-statement transactions)
  const logConnections = new MysqlLogConnections(connection);
  return {
    db,
    rowWriter: kyselyRowWriter(),
    predictionWriter: mysqlPredictionWriter(pool, logConnections),
    predictionThread: null,
    logConnections,
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
