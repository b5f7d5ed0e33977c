/**
 * BullMQ and ioredis, loaded on first use (both are CommonJS packages): a process that queues no task
 * never loads them — the CLI's commands and a server with the local executor. Loading them takes about
 * 10 MB of memory and a tenth of a second or more of every process's start.
 */
import { createRequire } from 'node:module';
import type * as BullmqPackage from 'bullmq';
import type * as IoredisPackage from 'ioredis';
import { once } from '../../core/index.js';

const load = createRequire(import.meta.url);

/** The `bullmq` package. */
export const bullmq = once(() => load('bullmq') as typeof BullmqPackage);

/** The `ioredis` package. */
export const ioredis = once(() => load('ioredis') as typeof IoredisPackage);
