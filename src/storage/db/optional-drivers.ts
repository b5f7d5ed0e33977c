/**
 * mysql2 and ioredis, loaded on first use (both are CommonJS packages): a process on SQLite never
 * loads the MySQL driver, one without Redis never loads its client.
 */
import { createRequire } from 'node:module';
import type * as IoredisPackage from 'ioredis';
import type * as Mysql2Package from 'mysql2';
import type * as Mysql2PromisePackage from 'mysql2/promise';
import { once } from '../../core/index.js';

const load = createRequire(import.meta.url);

/** The `mysql2` package (callback API). */
export const mysql2 = once(() => load('mysql2') as typeof Mysql2Package);

/** The `mysql2/promise` entry. */
export const mysql2Promise = once(() => load('mysql2/promise') as typeof Mysql2PromisePackage);

/** The `ioredis` package. */
export const ioredis = once(() => load('ioredis') as typeof IoredisPackage);
