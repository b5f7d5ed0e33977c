/**
 * `openStorage` on MySQL/MariaDB, loaded by it only for a `mysql://` URL: the only code of storage
 * (with the prediction log's writer it builds) that loads the mysql2 driver, so a process on SQLite
 * never loads it.
 */
import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { createConnection } from 'mysql2/promise';
import { SporeprintError } from '../../core/index.js';
import { kyselyRowWriter } from '../datasets/source-row-writer.js';
import { MysqlLogConnections, mysqlPredictionWriter } from '../predictions/mysql-prediction-writer.js';
import { driverCode } from './database-error.js';
import type { DatabaseSchema } from './database-schema.js';
import type { MysqlUrl } from './database-url.js';
import type { Backend, OpenStorageOptions } from './storage-backend.js';

/** Creates the database when missing, then opens the pool and the prediction log's connections. */
export async function openMysql(target: MysqlUrl, opts: OpenStorageOptions): Promise<Backend> {
  const where = `${target.host}:${target.port}`;
  const connectTimeout = opts.connectTimeoutMs ?? 10_000;
  const auth = { host: target.host, port: target.port, user: target.user, password: target.password };
  try {
    const admin = await createConnection({ ...auth, connectTimeout });
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
  const pool = createPool({ ...connection, connectionLimit: opts.poolSize ?? 10 });
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
