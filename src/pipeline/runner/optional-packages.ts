/**
 * BullMQ and ioredis, loaded on first use (both are CommonJS packages): a process that queues no task
 * never loads them — the CLI's commands and a server with the local executor. Loading them takes about
 * 10 MB of memory and a tenth of a second or more of every process's start.
 */
import { createRequire } from 'node:module';
import type * as BullmqPackage from 'bullmq';
import type * as IoredisPackage from 'ioredis';

const load = createRequire(import.meta.url);
let bullmqPackage: typeof BullmqPackage | undefined;
let ioredisPackage: typeof IoredisPackage | undefined;

/** The `bullmq` package. */
export function bullmq(): typeof BullmqPackage {
  bullmqPackage ??= load('bullmq') as typeof BullmqPackage;
  return bullmqPackage;
}

/** The `ioredis` package. */
export function ioredis(): typeof IoredisPackage {
  ioredisPackage ??= load('ioredis') as typeof IoredisPackage;
  return ioredisPackage;
}
