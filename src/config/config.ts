import { readFileSync } from 'node:fs';
import { type Static, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import { SporeprintError } from '../core/index.js';

/** A setting's environment variable and meaning, as the README's Configuration table states them. */
const about = (text: string) => ({ description: text });

/** A Prometheus duration (`10m`, `1h30m`, `0`); the same syntax as `services/monitoring/alerts`. */
const duration = (defaultValue: string | undefined, text: string) =>
  Type.String({
    pattern: '^(0|(\\d+y)?(\\d+w)?(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?(\\d+ms)?)$',
    minLength: 1,
    errorMessage: 'expected a duration such as 30s, 10m, 1h30m or 0 (units y w d h m s ms, largest first)',
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    ...about(text),
  });

const LABEL_NAME = '^[a-zA-Z_][a-zA-Z0-9_]*$';

/** A configured alert rule: a default rule's name with the fields to change, or a whole new rule. */
const alertRuleSchema = Type.Object(
  {
    name: Type.String({ pattern: LABEL_NAME, errorMessage: 'expected a rule name such as dataset_drift' }),
    enabled: Type.Optional(Type.Boolean()),
    metric: Type.Optional(
      Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$', errorMessage: 'expected a metric name' }),
    ),
    comparison: Type.Optional(Type.Enum(['>', '>=', '<', '<=', '==', '!='])),
    threshold: Type.Optional(Type.Number()),
    window: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    for: Type.Optional(duration(undefined, 'how long the condition holds before the alert fires')),
    labels: Type.Optional(
      Type.Record(Type.String({ pattern: LABEL_NAME }), Type.String({ maxLength: 256 }), {
        additionalProperties: false,
      }),
    ),
    severity: Type.Optional(Type.Enum(['info', 'warning', 'critical'])),
    summary: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    action: Type.Optional(Type.Enum(['rollback', 'retrain'])),
  },
  { additionalProperties: false },
);

/** Alerting: rules over the monitoring metrics, grouping and timing of notifications, the webhook. */
const alertsSchema = Type.Object(
  {
    rules: Type.Array(alertRuleSchema, {
      default: [],
      maxItems: 100,
      ...about('config file only — rules: overrides of the default rules by name, or new rules'),
    }),
    webhookUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s]+$',
        errorMessage: 'expected an http:// or https:// URL',
        ...about(
          'SPOREPRINT_ALERT_WEBHOOK_URL — POST notifications here (Alertmanager webhook JSON); unset: none',
        ),
      }),
    ),
    repeatInterval: duration(
      '4h',
      'SPOREPRINT_ALERT_REPEAT_INTERVAL — notify a still-firing alert again after (4h)',
    ),
    groupBy: Type.Array(Type.String({ pattern: '^([a-zA-Z_][a-zA-Z0-9_]*|\\.\\.\\.)$' }), {
      default: ['alertname'],
      minItems: 1,
      ...about(
        'SPOREPRINT_ALERT_GROUP_BY — labels notifications are grouped by; ... = every label (alertname)',
      ),
    }),
    groupWait: duration('0', 'config file only — wait before a new group is first sent (0)'),
    groupInterval: duration('5m', 'config file only — wait before a changed group is sent again (5m)'),
    webhookMaxAttempts: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 5,
      ...about('config file only — attempts per webhook notification (5)'),
    }),
    webhookQueueSize: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 1000,
      ...about(
        'config file only — webhook notifications waiting at most; beyond, the oldest is dropped (1000)',
      ),
    }),
  },
  { additionalProperties: false, default: {} },
);

/** The server's scheduled monitoring checks. */
const monitoringSchema = Type.Object(
  {
    checkMinutes: Type.Number({
      minimum: 0,
      maximum: 1440,
      default: 5,
      ...about(
        'SPOREPRINT_MONITOR_CHECK_MINUTES — how often the server runs a monitoring check (one process at a time); 0 = never (5)',
      ),
    }),
    checkSeconds: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 86_400,
        ...about('SPOREPRINT_MONITOR_CHECK_SECONDS — the same in seconds, over the minutes (unset)'),
      }),
    ),
    windowMinutes: Type.Number({
      minimum: 1,
      maximum: 10_080,
      default: 60,
      ...about('SPOREPRINT_MONITOR_WINDOW_MINUTES — the window each scheduled check looks at (60)'),
    }),
    checkNice: Type.Integer({
      minimum: 0,
      maximum: 19,
      default: 0,
      ...about(
        "SPOREPRINT_MONITOR_CHECK_NICE — the check thread's Linux nice value: under CPU contention the scheduler gives it about 1/1.25^n of a serving thread's share; 0 = the server's priority (0)",
      ),
    }),
  },
  { additionalProperties: false, default: {} },
);

/** Pipelines: where tasks run, the user pipeline modules, the retrain pipeline's deploy step, triggers. */
const pipelinesSchema = Type.Object(
  {
    executor: Type.Enum(['local', 'bullmq'], {
      default: 'local',
      ...about(
        'SPOREPRINT_EXECUTOR — where pipeline tasks run: local (in the process) or bullmq (worker processes over SPOREPRINT_REDIS_URL) (local)',
      ),
    }),
    workerConcurrency: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 1,
      ...about('SPOREPRINT_WORKER_CONCURRENCY — tasks one process runs at once (1)'),
    }),
    serveProcesses: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 1,
      ...about(
        'SPOREPRINT_PIPELINE_PROCESSES — local executor: runs `sporeprint serve` executes at once, each in a runner process of its own; the others wait (1)',
      ),
    }),
    workerLockMs: Type.Integer({
      minimum: 1000,
      maximum: 3_600_000,
      default: 30_000,
      ...about(
        "SPOREPRINT_WORKER_LOCK_MS — a BullMQ worker's job lock: a killed worker's task moves to another after this long (30000)",
      ),
    }),
    modules: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      ...about(
        'SPOREPRINT_PIPELINE_MODULES — comma-separated paths of ES modules exporting `pipelines` and `tasks` (none)',
      ),
    }),
    retrainDeploy: Type.Enum(['promote', 'experiment', 'shadow', 'stop'], {
      default: 'stop',
      ...about(
        'SPOREPRINT_RETRAIN_DEPLOY — what the retrain pipeline does with a candidate that passed the gate (stop)',
      ),
    }),
    schedules: Type.Optional(
      Type.String({
        minLength: 1,
        ...about(
          'SPOREPRINT_PIPELINE_SCHEDULES — scheduled runs: a JSON list [{name, pipeline, cron, timezone, params}] or the path of a JSON file holding one (none)',
        ),
      }),
    ),
    watchDir: Type.Optional(
      Type.String({
        minLength: 1,
        ...about('SPOREPRINT_WATCH_DIR — new CSV files in this folder start the retrain pipeline (unset)'),
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);

/**
 * Every setting of sporeprint, in one TypeBox schema. Values come from environment variables
 * (upper-case names below) and, optionally, a JSON config file named by `SPOREPRINT_CONFIG`; the
 * environment wins. Each setting is documented in the README's Configuration section (a test keeps
 * them in sync). `errorMessage` replaces the generic message of a failed `pattern`.
 */
const configSchema = Type.Object(
  {
    databaseUrl: Type.String({
      minLength: 1,
      default: 'sqlite:./var/sporeprint.db',
      ...about(
        'DATABASE_URL — `sqlite:<path>` (default sqlite:./var/sporeprint.db) or mysql://user@host:port/db',
      ),
    }),
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      ...about('SPOREPRINT_DATA_DIR — bundled datasets folder'),
    }),
    varDir: Type.String({
      minLength: 1,
      default: './var',
      ...about('SPOREPRINT_VAR_DIR — working files (artifacts, SQLite)'),
    }),
    etl: Type.Object(
      {
        invalidThreshold: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.01,
          ...about('SPOREPRINT_INVALID_THRESHOLD — max share of invalid rows before ETL fails (0.01)'),
        }),
        seed: Type.Integer({
          minimum: 0,
          default: 42,
          ...about('SPOREPRINT_SEED — default split seed (42)'),
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    artifactStore: Type.Enum(['file', 'database'], {
      default: 'file',
      ...about(
        'SPOREPRINT_ARTIFACT_STORE — where model artifacts live: file (under varDir/artifacts) or database',
      ),
    }),
    gate: Type.Object(
      {
        minRecall: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.999,
          ...about('SPOREPRINT_GATE_MIN_RECALL — minimum poisonous recall on the test split (0.999)'),
        }),
        maxFalseEdible: Type.Integer({
          minimum: 0,
          default: 0,
          ...about('SPOREPRINT_GATE_MAX_FALSE_EDIBLE — maximum false-edible count on the test split (0)'),
        }),
        minAccuracy: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.99,
          ...about('SPOREPRINT_GATE_MIN_ACCURACY — minimum accuracy on the test split (0.99)'),
        }),
        tolerance: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.001,
          ...about(
            'SPOREPRINT_GATE_TOLERANCE — allowed regression against Production on the same rows (0.001)',
          ),
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    redisUrl: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        errorMessage: 'expected a redis:// or rediss:// URL',
        ...about('SPOREPRINT_REDIS_URL — Redis for cross-process registry events (unset: in-process only)'),
      }),
    ),
    server: Type.Object(
      {
        host: Type.String({
          minLength: 1,
          default: '127.0.0.1',
          ...about('SPOREPRINT_HOST — address the API listens on (127.0.0.1)'),
        }),
        port: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 8080,
          ...about('SPOREPRINT_PORT — API port (8080)'),
        }),
        modelName: Type.String({
          minLength: 1,
          default: 'sporeprint-secondary',
          ...about('SPOREPRINT_MODEL_NAME — registered model the API serves (sporeprint-secondary)'),
        }),
        requireKeyForPredict: Type.Boolean({
          default: false,
          ...about('SPOREPRINT_REQUIRE_KEY — require an API key on prediction endpoints (false)'),
        }),
        rateLimitPerMinute: Type.Integer({
          minimum: 0,
          default: 0,
          ...about('SPOREPRINT_RATE_LIMIT — requests per minute per API key or IP; 0 = off (0)'),
        }),
        corsOrigins: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          ...about('SPOREPRINT_CORS_ORIGINS — comma-separated allowed origins; empty = CORS off'),
        }),
        bodyLimitBytes: Type.Integer({
          minimum: 1024,
          default: 8 * 1024 * 1024,
          ...about('SPOREPRINT_BODY_LIMIT — maximum request body in bytes (8 MiB)'),
        }),
        maxRecordsPerRequest: Type.Integer({
          minimum: 1,
          default: 10_000,
          ...about('SPOREPRINT_MAX_RECORDS — most records one prediction request may carry (10000)'),
        }),
        accessLog: Type.Boolean({
          default: true,
          ...about('SPOREPRINT_ACCESS_LOG — one access log line per request at info level (true)'),
        }),
        logMode: Type.Enum(['durable', 'async'], {
          default: 'durable',
          ...about('SPOREPRINT_LOG_MODE — prediction log: durable (respond after commit) or async (durable)'),
        }),
        logCommits: Type.Integer({
          minimum: 1,
          maximum: 64,
          default: 1,
          ...about(
            'SPOREPRINT_LOG_COMMITS — MySQL/MariaDB: prediction-log transactions in flight at once (1; SQLite always commits one at a time)',
          ),
        }),
        batchJournal: Type.Boolean({
          default: true,
          ...about(
            'SPOREPRINT_BATCH_JOURNAL — durable log: commit a batch of 256+ records as one journal entry before answering, its rows right after (true)',
          ),
        }),
        drainSeconds: Type.Number({
          minimum: 0,
          maximum: 3600,
          default: 5,
          ...about(
            'SPOREPRINT_DRAIN_SECONDS — on SIGTERM, how long the server still answers requests while /health/ready answers 503 "draining" (so load balancers take it out of rotation) before it stops accepting; 0 = stop at once (5)',
          ),
        }),
        experimentCheckSeconds: Type.Number({
          minimum: 0,
          maximum: 86_400,
          default: 10,
          ...about(
            'SPOREPRINT_EXPERIMENT_CHECK_SECONDS — how often the server analyses running experiments and applies their stop rules; 0 = never (10)',
          ),
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    alerts: alertsSchema,
    monitoring: monitoringSchema,
    pipelines: pipelinesSchema,
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      ...about('SPOREPRINT_LOG_LEVEL — log level (info)'),
    }),
  },
  { additionalProperties: false },
);

/** The typed, frozen configuration handed down from `main/`. */
export type Config = Readonly<Static<typeof configSchema>>;

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
  SPOREPRINT_MAX_RECORDS: ['server', 'maxRecordsPerRequest'],
  SPOREPRINT_ACCESS_LOG: ['server', 'accessLog'],
  SPOREPRINT_LOG_MODE: ['server', 'logMode'],
  SPOREPRINT_LOG_COMMITS: ['server', 'logCommits'],
  SPOREPRINT_BATCH_JOURNAL: ['server', 'batchJournal'],
  SPOREPRINT_DRAIN_SECONDS: ['server', 'drainSeconds'],
  SPOREPRINT_EXPERIMENT_CHECK_SECONDS: ['server', 'experimentCheckSeconds'],
  SPOREPRINT_MONITOR_CHECK_MINUTES: ['monitoring', 'checkMinutes'],
  SPOREPRINT_MONITOR_CHECK_SECONDS: ['monitoring', 'checkSeconds'],
  SPOREPRINT_MONITOR_WINDOW_MINUTES: ['monitoring', 'windowMinutes'],
  SPOREPRINT_MONITOR_CHECK_NICE: ['monitoring', 'checkNice'],
  SPOREPRINT_ALERT_WEBHOOK_URL: ['alerts', 'webhookUrl'],
  SPOREPRINT_ALERT_REPEAT_INTERVAL: ['alerts', 'repeatInterval'],
  SPOREPRINT_ALERT_GROUP_BY: ['alerts', 'groupBy'],
  SPOREPRINT_EXECUTOR: ['pipelines', 'executor'],
  SPOREPRINT_WORKER_CONCURRENCY: ['pipelines', 'workerConcurrency'],
  SPOREPRINT_WORKER_LOCK_MS: ['pipelines', 'workerLockMs'],
  SPOREPRINT_PIPELINE_PROCESSES: ['pipelines', 'serveProcesses'],
  SPOREPRINT_PIPELINE_MODULES: ['pipelines', 'modules'],
  SPOREPRINT_RETRAIN_DEPLOY: ['pipelines', 'retrainDeploy'],
  SPOREPRINT_PIPELINE_SCHEDULES: ['pipelines', 'schedules'],
  SPOREPRINT_WATCH_DIR: ['pipelines', 'watchDir'],
};

/**
 * Variables that may hold a secret (a password in a URL, a webhook token) and so may instead be
 * given as `<NAME>_FILE`: the path of a file holding the value (Docker and Kubernetes secrets), its
 * surrounding whitespace trimmed.
 */
export const SECRET_FILE_VARS: readonly string[] = [
  'DATABASE_URL',
  'SPOREPRINT_REDIS_URL',
  'SPOREPRINT_ALERT_WEBHOOK_URL',
];

/**
 * Parses configuration from an environment map and an optional JSON file text. Throws
 * `SP_ERR_CONFIG` naming the offending setting (its config path and variable) and the problem.
 *
 * @example
 * const config = loadConfig({ env: { DATABASE_URL: 'sqlite::memory:' } });
 */
export function loadConfig(input: {
  env: Readonly<Record<string, string | undefined>>;
  fileText?: string;
  fileName?: string;
}): Config {
  const env = withSecretFiles(input.env);
  const value = coerce(configSchema, withEnvironment(readFile(input.fileText, input.fileName), env));
  Value.Default(configSchema, value);
  const error = Value.Errors(configSchema, value).find((e) => !isAdditionalPropertyEcho(e));
  if (error !== undefined) throw configError(error, value);
  return deepFreeze(value as Config);
}

function readFile(text: string | undefined, name: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('top level must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new SporeprintError(
      'SP_ERR_CONFIG',
      `config file ${name ?? ''} is not valid JSON: ${(e as Error).message}`,
    );
  }
}

/**
 * The environment with each set `<NAME>_FILE` of {@link SECRET_FILE_VARS} replaced by the file's
 * text as `<NAME>`. Both set, an unreadable file or an empty one stop with `SP_ERR_CONFIG`.
 */
function withSecretFiles(
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> {
  let out = env;
  for (const name of SECRET_FILE_VARS) {
    const path = env[`${name}_FILE`];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      throw new SporeprintError('SP_ERR_CONFIG', `${name} and ${name}_FILE are both set: set only one`, {
        variable: name,
      });
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw new SporeprintError(
        'SP_ERR_CONFIG',
        `${name}_FILE: cannot read ${path}: ${(e as Error).message}`,
        { variable: `${name}_FILE` },
      );
    }
    if (text === '') {
      throw new SporeprintError('SP_ERR_CONFIG', `${name}_FILE: ${path} is empty`, {
        variable: `${name}_FILE`,
      });
    }
    out = { ...out, [name]: text };
  }
  return out;
}

/** The file's settings with every set (non-empty) environment variable written over them. */
function withEnvironment(
  base: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> {
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let target = base;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      target[key] = typeof next === 'object' && next !== null ? { ...(next as object) } : {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = value;
  }
  return base;
}

/** A decimal number as text: what a numeric setting accepts from the environment (no hex, no `Infinity`). */
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Turns the texts the environment gives into the types the schema wants, strictly: a number from
 * decimal text (an integer setting keeps `7.5`, which then fails as not an integer), a boolean from
 * `true`/`false`, a list from comma-separated text. Anything else stays as it is and fails the check
 * with a message naming the setting. (TypeBox's `Value.Convert` is looser: it truncates `7.5` to 7
 * and reads `1`, `0` and `true` as numbers or booleans alike.)
 */
function coerce(schema: TSchema, value: unknown): unknown {
  const s = schema as {
    type?: string;
    properties?: Record<string, TSchema>;
    items?: TSchema & { type?: string };
  };
  if (s.type === 'object' && s.properties !== undefined && isRecord(value)) {
    for (const [key, child] of Object.entries(s.properties)) {
      if (key in value) value[key] = coerce(child, value[key]);
    }
    return value;
  }
  if (typeof value !== 'string') return value;
  if ((s.type === 'number' || s.type === 'integer') && NUMBER_TEXT.test(value.trim())) return Number(value);
  if (s.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  if (s.type === 'array' && s.items?.type === 'string') {
    return value
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One validation error as TypeBox reports it. */
type ValidationError = ReturnType<typeof Value.Errors>[number];

/** TypeBox reports an unknown key twice (`additionalProperties`, then `false` schema): keep the first. */
function isAdditionalPropertyEcho(e: ValidationError): boolean {
  return e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties');
}

function configError(e: ValidationError, value: unknown): SporeprintError {
  const segments = e.instancePath.split('/').slice(1).map(unescapePointer);
  let problem: string;
  if (e.keyword === 'additionalProperties') {
    const [unknown] = (e.params as { additionalProperties: string[] }).additionalProperties;
    const known = Object.keys(schemaAt(e.schemaPath).properties ?? {});
    segments.push(unknown);
    problem = `unknown setting (known here: ${known.join(', ')})`;
  } else {
    problem = describeProblem(e, valueAt(value, segments));
  }
  const path = segments.join('.');
  const envName = Object.entries(ENV_VARS).find(([, p]) => p.join('.') === path)?.[0];
  return new SporeprintError(
    'SP_ERR_CONFIG',
    `invalid setting ${path || '(root)'}${envName ? ` (${envName})` : ''}: ${problem}`,
    { path },
  );
}

function describeProblem(e: ValidationError, got: unknown): string {
  const p = e.params as Record<string, unknown>;
  const shown = typeof got === 'string' ? `'${got}'` : JSON.stringify(got);
  switch (e.keyword) {
    case 'type':
      return `expected ${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${String(p.type)}, got ${shown}`;
    case 'enum':
      return `expected one of ${(p.allowedValues as unknown[]).join(', ')}, got ${shown}`;
    case 'minimum':
      return `must be at least ${String(p.limit)}, got ${shown}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}, got ${shown}`;
    case 'minLength':
      return 'must not be empty';
    case 'pattern':
      return `${schemaAt(e.schemaPath).errorMessage ?? e.message}, got ${shown}`;
    default:
      return `${e.message}, got ${shown}`;
  }
}

/** The schema a TypeBox error's `schemaPath` (`#/properties/…`) points at. */
function schemaAt(pointer: string): { properties?: Record<string, unknown>; errorMessage?: string } {
  let node: unknown = configSchema;
  for (const segment of pointer.split('/').slice(1).map(unescapePointer)) {
    node = isRecord(node) ? node[segment] : undefined;
  }
  return isRecord(node) ? node : {};
}

function valueAt(value: unknown, segments: readonly string[]): unknown {
  let node = value;
  for (const segment of segments) {
    node = Array.isArray(node) ? node[Number(segment)] : isRecord(node) ? node[segment] : undefined;
  }
  return node;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * `SPOREPRINT_*` names that are not settings, on purpose: the config file's name and text (read before
 * the settings), the run key an Airflow task hands `pipeline task`, the API address the README's
 * runbook keeps in the operator's shell, and the test suite's own switches (`SPOREPRINT_TEST_*` too).
 */
const NOT_SETTINGS: ReadonlySet<string> = new Set([
  'SPOREPRINT_CONFIG',
  'SPOREPRINT_CONFIG_JSON',
  'SPOREPRINT_RUN_KEY',
  'SPOREPRINT_URL',
  'SPOREPRINT_REQUIRE_SERVICES',
]);

/** A `SPOREPRINT_*` variable no setting reads, and the known name it most likely meant. */
export interface UnknownVariable {
  readonly name: string;
  readonly suggestion: string | null;
}

/**
 * The `SPOREPRINT_*` variables of `env` that are not settings (a typo such as
 * `SPOREPRINT_DRAIN_SECOND` would otherwise be ignored without a word), each with the closest known
 * name within three edits. `DATABASE_URL` and other unprefixed names are never reported.
 */
export function unknownVariables(env: Readonly<Record<string, string | undefined>>): UnknownVariable[] {
  const known = [...Object.keys(ENV_VARS), ...SECRET_FILE_VARS.map((n) => `${n}_FILE`)];
  const knownSet = new Set(known);
  const out: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('SPOREPRINT_') || env[name] === undefined) continue;
    if (knownSet.has(name) || NOT_SETTINGS.has(name) || name.startsWith('SPOREPRINT_TEST_')) continue;
    let suggestion: string | null = null;
    let best = 4;
    for (const k of known) {
      const d = editDistance(name, k, best);
      if (d < best) {
        best = d;
        suggestion = k;
      }
    }
    out.push({ name, suggestion });
  }
  return out;
}

/** Levenshtein distance of `a` and `b`, or `limit` once it is certain to be at least that. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= limit) return limit;
    prev = row;
  }
  return Math.min(prev[b.length], limit);
}
