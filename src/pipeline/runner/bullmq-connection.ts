import type { Redis } from 'ioredis';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { SporeprintError } from '../../core/index.js';
import type { TaskJob } from '../dag/pipeline-types.js';
import { taskJobKey } from './local-runner.js';

/** The queue task jobs travel on unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'sporeprint-tasks';

/**
 * A task job as it travels through Redis: the payload schema both ends check. `runId` is a uuid (or
 * any id of letters, digits, `_` and `-`); `taskId` follows the spec's task id rule.
 */
export const TASK_JOB_SCHEMA = Type.Object(
  {
    runId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    taskId: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }),
    attempt: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

/** Checks that `value` is a {@link TaskJob}; throws `SP_ERR_BAD_PARAM` naming the first bad field. */
export function checkTaskJob(value: unknown, what = 'task job'): TaskJob {
  if (Value.Check(TASK_JOB_SCHEMA, value)) return value;
  const first = Value.Errors(TASK_JOB_SCHEMA, value)[0];
  const where = first?.instancePath ? ` at ${first.instancePath}` : '';
  throw new SporeprintError(
    'SP_ERR_BAD_PARAM',
    `Invalid ${what}${where}: ${first?.message ?? 'not an object'} (expected {runId, taskId, attempt ≥ 1})`,
    { value: safeJson(value) },
  );
}

/**
 * The BullMQ job id of one attempt of one task: `${runId}.${taskId}.${attempt}`. BullMQ refuses custom
 * ids containing `:` (its key separator) and ids that are integers; `.` appears in neither part, so
 * the id is unambiguous and safe. Adding a job whose id exists is a no-op, which makes dispatch
 * idempotent.
 */
export function bullmqJobId(job: TaskJob): string {
  return taskJobKey(checkTaskJob(job));
}

/** Where a runner finds Redis: a URL (the runner owns its connections) or a caller-owned client. */
export interface RedisTarget {
  /** `redis://[user:pass@]host[:port][/db]` or `rediss://…`. */
  readonly redisUrl?: string;
  /**
   * An ioredis client the caller owns (and closes). BullMQ uses it as is (and duplicates it for a
   * worker's blocking connection), so a worker's client must have `maxRetriesPerRequest: null`.
   */
  readonly connection?: Redis;
}

/** Options every BullMQ runner part shares. */
export interface QueueTarget extends RedisTarget {
  /** Default {@link DEFAULT_TASK_QUEUE}. */
  readonly queueName?: string;
  /** Redis key prefix of the queue (BullMQ's default `bull`). */
  readonly prefix?: string;
}

/** Validated queue name and prefix. */
export function checkQueueTarget(options: QueueTarget): { queueName: string; prefix: string | undefined } {
  if ((options.redisUrl === undefined) === (options.connection === undefined)) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', 'Give exactly one of redisUrl and connection for BullMQ');
  }
  if (options.redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(options.redisUrl)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `Invalid Redis URL "${redactRedisUrl(options.redisUrl)}": expected redis://host[:port][/db] or rediss://…`,
    );
  }
  const queueName = options.queueName ?? DEFAULT_TASK_QUEUE;
  for (const [what, value] of [
    ['queue name', queueName],
    ['queue prefix', options.prefix],
  ] as const) {
    if (value !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(value)) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `Invalid BullMQ ${what} "${value}": use 1–100 letters, digits, "_", "." or "-" (no ":")`,
      );
    }
  }
  return { queueName, prefix: options.prefix };
}

/** Checks an integer option in [min, max]; `SP_ERR_BAD_PARAM` naming it otherwise. */
export function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `Invalid ${name} ${String(value)}: expected an integer from ${min} to ${max}`,
    );
  }
  return value;
}

/** The URL with its password replaced by `***`. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Rejects with `SP_ERR_NOT_READY` when `work` has not settled after `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new SporeprintError('SP_ERR_NOT_READY', `${what}: Redis did not answer within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A one-line message of an unknown thrown value. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}
