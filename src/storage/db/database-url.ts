import { isAbsolute, resolve } from 'node:path';
import { SporeprintError } from '../../core/index.js';

/** A parsed `sqlite:<path>` URL. */
export interface SqliteUrl {
  readonly dialect: 'sqlite';
  /** True for `sqlite::memory:` (a private in-memory database, gone on close). */
  readonly memory: boolean;
  /** Absolute file path, or `':memory:'`. Relative paths are resolved against the working directory. */
  readonly path: string;
  /** The URL as it may be printed or logged. */
  readonly display: string;
}

/** A parsed `mysql://` or `mariadb://` URL. */
export interface MysqlUrl {
  readonly dialect: 'mysql';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /**
   * The password (URL-decoded), or `undefined` when the URL has none. Not enumerable, so that
   * logging or `JSON.stringify` of the description never prints it.
   */
  readonly password: string | undefined;
  readonly database: string;
  /** The URL with the password replaced by `***`: the only form to print or log. */
  readonly display: string;
}

/** What {@link parseDatabaseUrl} returns: one description per supported dialect. */
export type DatabaseUrl = SqliteUrl | MysqlUrl;

const SUPPORTED =
  'expected sqlite:<path>, sqlite::memory:, mysql://user[:pass]@host[:port]/dbname or mariadb://…';
/** Database names we accept: they are interpolated (back-quoted) into CREATE DATABASE. */
const DATABASE_NAME = /^[A-Za-z0-9_$]{1,64}$/;

/**
 * Replaces the password in anything that looks like `scheme://user:password@host` with `***`, so
 * that a URL can appear in a message even when it could not be parsed.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

function configError(message: string, url: string): SporeprintError {
  return new SporeprintError('SP_ERR_CONFIG', message, { url: redactUrl(url) });
}

/**
 * Parses a database URL into a typed description.
 *
 * Forms: `sqlite:<path>` (relative or absolute; `sqlite:///abs/path` is accepted too),
 * `sqlite::memory:`, and `mysql://user[:pass]@host[:port]/dbname` (`mariadb://` is a synonym; port
 * defaults to 3306). Malformed URLs raise `SP_ERR_CONFIG` with a message naming the problem; the
 * password never appears in messages or in `display`.
 *
 * @example
 * parseDatabaseUrl('mysql://root:s3cret@127.0.0.1/sporeprint').display
 * // → 'mysql://root:***@127.0.0.1:3306/sporeprint'
 */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw configError(`Database URL "${redactUrl(trimmed)}" has no scheme (${SUPPORTED})`, trimmed);
  }
  if (scheme === 'sqlite') return parseSqlite(trimmed);
  if (scheme === 'mysql' || scheme === 'mariadb') return parseMysql(trimmed, scheme);
  throw configError(`Unsupported database URL scheme "${scheme}:" (${SUPPORTED})`, trimmed);
}

function parseSqlite(url: string): SqliteUrl {
  let rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '') throw configError(`Database URL "${url}" has no SQLite file path (${SUPPORTED})`, url);
  if (rest === ':memory:')
    return { dialect: 'sqlite', memory: true, path: ':memory:', display: 'sqlite::memory:' };
  if (rest.includes('?') || rest.includes('#')) {
    throw configError(`SQLite URL "${url}" has a query or fragment; only a file path is supported`, url);
  }
  const path = isAbsolute(rest) ? rest : resolve(rest);
  return { dialect: 'sqlite', memory: false, path, display: `sqlite:${path}` };
}

function parseMysql(url: string, scheme: string): MysqlUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError(`Database URL "${redactUrl(url)}" is not a valid ${scheme}:// URL (${SUPPORTED})`, url);
  }
  const shown = redactUrl(url);
  if (!url.slice(scheme.length + 1).startsWith('//') || parsed.hostname === '') {
    throw configError(`Database URL "${shown}" has no host (${SUPPORTED})`, url);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw configError(`Database URL "${shown}" has a query or fragment, which is not supported`, url);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '') {
    throw configError(`Database URL "${shown}" names no database (${SUPPORTED})`, url);
  }
  if (!DATABASE_NAME.test(database)) {
    throw configError(
      `Database name "${database}" in "${shown}" is invalid: use letters, digits, _ or $ (at most 64)`,
      url,
    );
  }
  const user = decodeURIComponent(parsed.username);
  if (user === '') throw configError(`Database URL "${shown}" names no user (${SUPPORTED})`, url);
  const port = parsed.port === '' ? 3306 : Number(parsed.port);
  // Brackets of IPv6 literals are kept by URL.hostname; the driver wants them stripped.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  const auth = password === undefined ? parsed.username : `${parsed.username}:***`;
  const display = `${scheme}://${auth}@${parsed.hostname}:${port}/${database}`;
  const description = { dialect: 'mysql' as const, host, port, user, database, display };
  Object.defineProperty(description, 'password', { value: password, enumerable: false });
  return description as MysqlUrl;
}
