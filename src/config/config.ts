import { z } from 'zod';
import { SporeprintError } from '../core/index.js';

/**
 * Every setting of sporeprint, in one schema. Values come from environment variables (upper-case names
 * below) and, optionally, a JSON config file named by `SPOREPRINT_CONFIG`; the environment wins.
 * Each setting is documented in the README's Configuration section (a test keeps them in sync).
 */
const configSchema = z
  .object({
    databaseUrl: z
      .string()
      .min(1)
      .default('sqlite:./var/sporeprint.db')
      .describe(
        'DATABASE_URL — `sqlite:<path>` (default sqlite:./var/sporeprint.db) or mysql://user@host:port/db',
      ),
    dataDir: z.string().min(1).default('./data').describe('SPOREPRINT_DATA_DIR — bundled datasets folder'),
    varDir: z
      .string()
      .min(1)
      .default('./var')
      .describe('SPOREPRINT_VAR_DIR — working files (artifacts, SQLite)'),
    etl: z
      .object({
        invalidThreshold: z.coerce
          .number()
          .min(0)
          .max(1)
          .default(0.01)
          .describe('SPOREPRINT_INVALID_THRESHOLD — max share of invalid rows before ETL fails (0.01)'),
        seed: z.coerce
          .number()
          .int()
          .min(0)
          .default(42)
          .describe('SPOREPRINT_SEED — default split seed (42)'),
      })
      .strict()
      .default({ invalidThreshold: 0.01, seed: 42 }),
    artifactStore: z
      .enum(['file', 'database'])
      .default('file')
      .describe(
        'SPOREPRINT_ARTIFACT_STORE — where model artifacts live: file (under varDir/artifacts) or database',
      ),
    gate: z
      .object({
        minRecall: z.coerce
          .number()
          .min(0)
          .max(1)
          .default(0.999)
          .describe('SPOREPRINT_GATE_MIN_RECALL — minimum poisonous recall on the test split (0.999)'),
        maxFalseEdible: z.coerce
          .number()
          .int()
          .min(0)
          .default(0)
          .describe('SPOREPRINT_GATE_MAX_FALSE_EDIBLE — maximum false-edible count on the test split (0)'),
        minAccuracy: z.coerce
          .number()
          .min(0)
          .max(1)
          .default(0.99)
          .describe('SPOREPRINT_GATE_MIN_ACCURACY — minimum accuracy on the test split (0.99)'),
        tolerance: z.coerce
          .number()
          .min(0)
          .max(1)
          .default(0.001)
          .describe(
            'SPOREPRINT_GATE_TOLERANCE — allowed regression against Production on the same rows (0.001)',
          ),
      })
      .strict()
      .default({ minRecall: 0.999, maxFalseEdible: 0, minAccuracy: 0.99, tolerance: 0.001 }),
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .optional()
      .describe('SPOREPRINT_REDIS_URL — Redis for cross-process registry events (unset: in-process only)'),
    server: z
      .object({
        host: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe('SPOREPRINT_HOST — address the API listens on (127.0.0.1)'),
        port: z.coerce
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(8080)
          .describe('SPOREPRINT_PORT — API port (8080)'),
        modelName: z
          .string()
          .min(1)
          .default('sporeprint-secondary')
          .describe('SPOREPRINT_MODEL_NAME — registered model the API serves (sporeprint-secondary)'),
        requireKeyForPredict: z
          .enum(['true', 'false'])
          .default('false')
          .transform((v) => v === 'true')
          .describe('SPOREPRINT_REQUIRE_KEY — require an API key on prediction endpoints (false)'),
        rateLimitPerMinute: z.coerce
          .number()
          .int()
          .min(0)
          .default(0)
          .describe('SPOREPRINT_RATE_LIMIT — requests per minute per API key or IP; 0 = off (0)'),
        corsOrigins: z
          .string()
          .default('')
          .transform((v) =>
            v
              .split(',')
              .map((x) => x.trim())
              .filter((x) => x !== ''),
          )
          .describe('SPOREPRINT_CORS_ORIGINS — comma-separated allowed origins; empty = CORS off'),
        bodyLimitBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(8 * 1024 * 1024)
          .describe('SPOREPRINT_BODY_LIMIT — maximum request body in bytes (8 MiB)'),
        logMode: z
          .enum(['durable', 'async'])
          .default('durable')
          .describe(
            'SPOREPRINT_LOG_MODE — prediction log: durable (respond after commit) or async (durable)',
          ),
        batchJournal: z
          .enum(['true', 'false'])
          .default('true')
          .transform((v) => v === 'true')
          .describe(
            'SPOREPRINT_BATCH_JOURNAL — durable log: commit a batch of 256+ records as one journal entry before answering, its rows right after (true)',
          ),
        maxRecordsPerRequest: z.coerce
          .number()
          .int()
          .min(1)
          .default(10_000)
          .describe(
            'SPOREPRINT_MAX_RECORDS — most records one prediction request may hold (batch, OIP v2, MLflow) (10000)',
          ),
        accessLog: z
          .enum(['true', 'false'])
          .default('true')
          .transform((v) => v === 'true')
          .describe('SPOREPRINT_ACCESS_LOG — one log line per HTTP request at info level (true)'),
      })
      .strict()
      .prefault({}),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('SPOREPRINT_LOG_LEVEL — log level (info)'),
  })
  .strict();

/** The typed, frozen configuration handed down from `main/`. */
export type Config = Readonly<z.infer<typeof configSchema>>;

/** Environment variable → config path. */
export const ENV_VARS: Readonly<Record<string, readonly string[]>> = {
  DATABASE_URL: ['databaseUrl'],
  SPOREPRINT_DATA_DIR: ['dataDir'],
  SPOREPRINT_VAR_DIR: ['varDir'],
  SPOREPRINT_INVALID_THRESHOLD: ['etl', 'invalidThreshold'],
  SPOREPRINT_SEED: ['etl', 'seed'],
  SPOREPRINT_ARTIFACT_STORE: ['artifactStore'],
  SPOREPRINT_LOG_LEVEL: ['logLevel'],
  SPOREPRINT_GATE_MIN_RECALL: ['gate', 'minRecall'],
  SPOREPRINT_GATE_MAX_FALSE_EDIBLE: ['gate', 'maxFalseEdible'],
  SPOREPRINT_GATE_MIN_ACCURACY: ['gate', 'minAccuracy'],
  SPOREPRINT_GATE_TOLERANCE: ['gate', 'tolerance'],
  SPOREPRINT_REDIS_URL: ['redisUrl'],
  SPOREPRINT_HOST: ['server', 'host'],
  SPOREPRINT_PORT: ['server', 'port'],
  SPOREPRINT_MODEL_NAME: ['server', 'modelName'],
  SPOREPRINT_REQUIRE_KEY: ['server', 'requireKeyForPredict'],
  SPOREPRINT_RATE_LIMIT: ['server', 'rateLimitPerMinute'],
  SPOREPRINT_CORS_ORIGINS: ['server', 'corsOrigins'],
  SPOREPRINT_BODY_LIMIT: ['server', 'bodyLimitBytes'],
  SPOREPRINT_LOG_MODE: ['server', 'logMode'],
  SPOREPRINT_BATCH_JOURNAL: ['server', 'batchJournal'],
  SPOREPRINT_MAX_RECORDS: ['server', 'maxRecordsPerRequest'],
  SPOREPRINT_ACCESS_LOG: ['server', 'accessLog'],
};

/**
 * Parses configuration from an environment map and an optional JSON file text. Throws
 * `SP_ERR_CONFIG` naming the offending setting.
 *
 * @example
 * const config = loadConfig({ env: { DATABASE_URL: 'sqlite::memory:' } });
 */
export function loadConfig(input: {
  env: Readonly<Record<string, string | undefined>>;
  fileText?: string;
  fileName?: string;
}): Config {
  let base: Record<string, unknown> = {};
  if (input.fileText !== undefined) {
    try {
      const parsed: unknown = JSON.parse(input.fileText);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error('top level must be a JSON object');
      }
      base = parsed as Record<string, unknown>;
    } catch (e) {
      throw new SporeprintError(
        'SP_ERR_CONFIG',
        `config file ${input.fileName ?? ''} is not valid JSON: ${(e as Error).message}`,
      );
    }
  }
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const value = input.env[name];
    if (value === undefined || value === '') continue;
    let target = base;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      target[key] = typeof next === 'object' && next !== null ? { ...(next as object) } : {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = value;
  }
  const result = configSchema.safeParse(base);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.join('.');
    const envName = Object.entries(ENV_VARS).find(([, p]) => p.join('.') === path)?.[0];
    throw new SporeprintError(
      'SP_ERR_CONFIG',
      `invalid setting ${path || '(root)'}${envName ? ` (${envName})` : ''}: ${issue.message}`,
      { path },
    );
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
