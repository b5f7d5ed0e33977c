/**
 * What `openStorage` opens a database with (its options) and builds its storage from (a backend):
 * shared by the SQLite path in `open-storage.ts` and the MySQL/MariaDB one in `open-mysql.ts`.
 */
import type { Kysely } from 'kysely';
import type { SourceRowWriter } from '../datasets/source-row-writer.js';
import type { MysqlLogConnections } from '../predictions/mysql-prediction-writer.js';
import type { PredictionRowWriter } from '../predictions/prediction-writer.js';
import type { SqliteLogWorker } from '../predictions/sqlite-log-worker.js';
import type { DatabaseSchema } from './database-schema.js';

/** Options of `openStorage`. */
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

/** An open database's connections and writers, before the repositories are built on them. */
export interface Backend {
  readonly db: Kysely<DatabaseSchema>;
  readonly rowWriter: SourceRowWriter;
  readonly predictionWriter: PredictionRowWriter;
  /** SQLite file: the thread that commits prediction batches (started on first use). */
  readonly predictionThread: SqliteLogWorker | null;
  /** MySQL: the prediction log's own connections, closed with the storage. */
  readonly logConnections?: MysqlLogConnections;
}
