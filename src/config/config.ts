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
