/**
 * mysql2 and ioredis, loaded on first use (both are CommonJS packages): a process on SQLite never
 * loads the MySQL driver, one without Redis never loads its client.
 */
import { createRequire } from 'node:module';
import type * as IoredisPackage from 'ioredis';
import type * as Mysql2Package from 'mysql2';
import type * as Mysql2PromisePackage from 'mysql2/promise';

const load = createRequire(import.meta.url);
let mysql2Package: typeof Mysql2Package | undefined;
let mysql2PromisePackage: typeof Mysql2PromisePackage | undefined;
let ioredisPackage: typeof IoredisPackage | undefined;

/** The `mysql2` package (callback API). */
export function mysql2(): typeof Mysql2Package {
  mysql2Package ??= load('mysql2') as typeof Mysql2Package;
  return mysql2Package;
}

/** The `mysql2/promise` entry. */
export function mysql2Promise(): typeof Mysql2PromisePackage {
  mysql2PromisePackage ??= load('mysql2/promise') as typeof Mysql2PromisePackage;
  return mysql2PromisePackage;
}

/** The `ioredis` package. */
export function ioredis(): typeof IoredisPackage {
  ioredisPackage ??= load('ioredis') as typeof IoredisPackage;
  return ioredisPackage;
}
