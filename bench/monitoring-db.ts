/**
 * Direct database access of the monitoring benchmark (bench/monitoring.ts), beside the application's
 * storage: table counts (is a kept database filled? how many roll-up rows?) and starting afresh.
 * URLs as the application takes them: `sqlite:<file>` or `mysql://…/<database>`.
 */
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';

const sqliteFile = (url: string): string | null => (url.startsWith('sqlite:') ? url.slice(7) : null);

/** The server URL of a MySQL/MariaDB URL and its database name. */
function mysqlTarget(url: string): { server: string; database: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/';
  return { server: u.toString(), database };
}

/**
 * `count(<what>)` of each of `tables` (0 for a table or database that does not exist): rows by
 * default, or e.g. `distinct bucket`.
 */
export async function countRows(url: string, tables: readonly string[], what = '*'): Promise<number[]> {
  const file = sqliteFile(url);
  if (file !== null) {
    if (!existsSync(file)) return tables.map(() => 0);
    const db = new Database(file, { readonly: true });
    try {
      return tables.map((t) => {
        const exists = db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(t);
        return exists === undefined
          ? 0
          : (db.prepare(`select count(${what}) as n from ${t}`).get() as { n: number }).n;
      });
    } finally {
      db.close();
    }
  }
  const { server, database } = mysqlTarget(url);
  const conn = await mysql.createConnection(server);
  try {
    const out: number[] = [];
    for (const t of tables) {
      const [found] = await conn.query(
        'select 1 from information_schema.tables where table_schema = ? and table_name = ?',
        [database, t],
      );
      if ((found as unknown[]).length === 0) out.push(0);
      else {
        const [rows] = await conn.query(`select count(${what}) as n from \`${database}\`.\`${t}\``);
        out.push(Number((rows as Array<{ n: number }>)[0].n));
      }
    }
    return out;
  } finally {
    await conn.end();
  }
}

/** Deletes the database (the SQLite file and its WAL, or DROP DATABASE): the next open starts afresh. */
export async function dropDatabase(url: string): Promise<void> {
  const file = sqliteFile(url);
  if (file !== null) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
    return;
  }
  const { server, database } = mysqlTarget(url);
  const conn = await mysql.createConnection(server);
  try {
    await conn.query(`drop database if exists \`${database.replaceAll('`', '``')}\``);
  } finally {
    await conn.end();
  }
}
