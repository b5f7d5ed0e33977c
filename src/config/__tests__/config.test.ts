import { describe, expect, it } from 'vitest';
import { ENV_VARS, loadConfig, unknownVariables } from '../index.js';

describe('loadConfig', () => {
  it('defaults to the embedded SQLite database', () => {
    const c = loadConfig({ env: {} });
    expect(c.databaseUrl).toBe('sqlite:./var/sporeprint.db');
    expect(c.etl.invalidThreshold).toBe(0.01);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.etl)).toBe(true);
  });

  it('reads environment variables, coercing numbers', () => {
    const c = loadConfig({
      env: { DATABASE_URL: 'mysql://root@127.0.0.1:3306/x', SPOREPRINT_INVALID_THRESHOLD: '0.05' },
    });
    expect(c.databaseUrl).toBe('mysql://root@127.0.0.1:3306/x');
    expect(c.etl.invalidThreshold).toBe(0.05);
  });

  it('lets the environment override the config file', () => {
    const c = loadConfig({
      env: { SPOREPRINT_SEED: '7' },
      fileText: JSON.stringify({ etl: { seed: 3, invalidThreshold: 0.2 } }),
    });
    expect(c.etl.seed).toBe(7);
    expect(c.etl.invalidThreshold).toBe(0.2);
  });

  it('names the bad setting and its variable', () => {
    expect(() => loadConfig({ env: { SPOREPRINT_INVALID_THRESHOLD: 'lots' } })).toThrow(
      /etl\.invalidThreshold \(SPOREPRINT_INVALID_THRESHOLD\)/,
    );
    expect(() => loadConfig({ env: { SPOREPRINT_INVALID_THRESHOLD: '1.5' } })).toThrow(/invalidThreshold/);
  });

  it('rejects malformed and unknown file settings', () => {
    expect(() => loadConfig({ env: {}, fileText: '{nope', fileName: 'c.json' })).toThrow(
      /c\.json is not valid JSON/,
    );
    expect(() => loadConfig({ env: {}, fileText: '{"databseUrl":"x"}' })).toThrow(/databseUrl|Unrecognized/);
    expect(() => loadConfig({ env: {}, fileText: '[1]' })).toThrow(/JSON object/);
  });
});

describe('registry settings', () => {
  it('defaults the quality gate and leaves Redis unset', () => {
    const c = loadConfig({ env: {} });
    expect(c.gate).toEqual({ minRecall: 0.999, maxFalseEdible: 0, minAccuracy: 0.99, tolerance: 0.001 });
    expect(c.redisUrl).toBeUndefined();
  });

  it('reads gate thresholds and the Redis URL from the environment', () => {
    const c = loadConfig({
      env: {
        SPOREPRINT_GATE_MIN_RECALL: '0.99',
        SPOREPRINT_GATE_MAX_FALSE_EDIBLE: '2',
        SPOREPRINT_GATE_TOLERANCE: '0.01',
        SPOREPRINT_REDIS_URL: 'redis://127.0.0.1:6379/2',
      },
    });
    expect(c.gate).toEqual({ minRecall: 0.99, maxFalseEdible: 2, minAccuracy: 0.99, tolerance: 0.01 });
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379/2');
    expect(() => loadConfig({ env: { SPOREPRINT_GATE_MIN_ACCURACY: '2' } })).toThrow(
      /gate\.minAccuracy \(SPOREPRINT_GATE_MIN_ACCURACY\)/,
    );
    expect(() => loadConfig({ env: { SPOREPRINT_REDIS_URL: 'localhost:6379' } })).toThrow(
      /SPOREPRINT_REDIS_URL/,
    );
  });
});

describe('serving settings', () => {
  it('journals durable batches unless told not to; a bad value names its variable', () => {
    expect(loadConfig({ env: {} }).server.batchJournal).toBe(true);
    expect(loadConfig({ env: { SPOREPRINT_BATCH_JOURNAL: 'false' } }).server.batchJournal).toBe(false);
    expect(() => loadConfig({ env: { SPOREPRINT_BATCH_JOURNAL: 'yes' } })).toThrow(
      /server\.batchJournal \(SPOREPRINT_BATCH_JOURNAL\)/,
    );
  });

  it('commits the MySQL prediction log one transaction at a time unless told otherwise; refuses 0 and non-integers', () => {
    expect(loadConfig({ env: {} }).server.logCommits).toBe(1);
    expect(loadConfig({ env: { SPOREPRINT_LOG_COMMITS: '4' } }).server.logCommits).toBe(4);
    for (const bad of ['0', '2.5', 'many', '65']) {
      expect(() => loadConfig({ env: { SPOREPRINT_LOG_COMMITS: bad } })).toThrow(
        /server\.logCommits \(SPOREPRINT_LOG_COMMITS\)/,
      );
    }
  });
});

describe('request bounds and the access log', () => {
  it('caps records per request at 10000 and logs each request by default', () => {
    const c = loadConfig({ env: {} });
    expect(c.server.maxRecordsPerRequest).toBe(10_000);
    expect(c.server.accessLog).toBe(true);
  });

  it('reads both from the environment or the file', () => {
    const env = loadConfig({ env: { SPOREPRINT_MAX_RECORDS: '500', SPOREPRINT_ACCESS_LOG: 'false' } });
    expect(env.server).toMatchObject({ maxRecordsPerRequest: 500, accessLog: false });
    const file = loadConfig({
      env: {},
      fileText: JSON.stringify({ server: { maxRecordsPerRequest: 20, accessLog: false } }),
    });
    expect(file.server).toMatchObject({ maxRecordsPerRequest: 20, accessLog: false });
  });

  it.each([
    ['0', /server\.maxRecordsPerRequest \(SPOREPRINT_MAX_RECORDS\): must be at least 1, got 0/],
    ['-5', /must be at least 1, got -5/],
    ['2.5', /expected an integer, got 2\.5/],
    ['many', /expected an integer, got 'many'/],
    ['0x10', /expected an integer, got '0x10'/],
  ])('refuses SPOREPRINT_MAX_RECORDS=%s', (value, message) => {
    expect(() => loadConfig({ env: { SPOREPRINT_MAX_RECORDS: value } })).toThrow(message);
  });

  it.each(['yes', '1', 'TRUE', 'off'])('refuses SPOREPRINT_ACCESS_LOG=%s (true or false only)', (value) => {
    expect(() => loadConfig({ env: { SPOREPRINT_ACCESS_LOG: value } })).toThrow(
      new RegExp(`server\\.accessLog \\(SPOREPRINT_ACCESS_LOG\\): expected a boolean, got '${value}'`),
    );
  });
});

describe('bad values name the setting, its variable and the problem', () => {
  const fails = (env: Record<string, string>, fileText?: string) => {
    try {
      loadConfig({ env, fileText });
    } catch (e) {
      expect((e as { code?: string }).code).toBe('SP_ERR_CONFIG');
      return (e as Error).message;
    }
    throw new Error('expected loadConfig to throw');
  };

  it('a bad number: not a number, out of range, not an integer', () => {
    expect(fails({ SPOREPRINT_GATE_MIN_RECALL: 'high' })).toBe(
      "invalid setting gate.minRecall (SPOREPRINT_GATE_MIN_RECALL): expected a number, got 'high'",
    );
    expect(fails({ SPOREPRINT_PORT: '70000' })).toBe(
      'invalid setting server.port (SPOREPRINT_PORT): must be at most 65535, got 70000',
    );
    expect(fails({ SPOREPRINT_PORT: '8080.5' })).toBe(
      'invalid setting server.port (SPOREPRINT_PORT): expected an integer, got 8080.5',
    );
    expect(fails({ SPOREPRINT_BODY_LIMIT: '100' })).toMatch(
      /bodyLimitBytes .*must be at least 1024, got 100/,
    );
    expect(fails({}, JSON.stringify({ etl: { seed: 'seven' } }))).toBe(
      "invalid setting etl.seed (SPOREPRINT_SEED): expected an integer, got 'seven'",
    );
  });

  it('a bad enum value lists the allowed ones', () => {
    expect(fails({ SPOREPRINT_LOG_MODE: 'fast' })).toBe(
      "invalid setting server.logMode (SPOREPRINT_LOG_MODE): expected one of durable, async, got 'fast'",
    );
    expect(fails({ SPOREPRINT_ARTIFACT_STORE: 's3' })).toMatch(
      /artifactStore .*expected one of file, database/,
    );
    expect(fails({ SPOREPRINT_LOG_LEVEL: 'verbose' })).toMatch(/logLevel .*fatal, error, warn, info/);
  });

  it('a bad URL', () => {
    expect(fails({ SPOREPRINT_REDIS_URL: 'localhost:6379' })).toBe(
      "invalid setting redisUrl (SPOREPRINT_REDIS_URL): expected a redis:// or rediss:// URL, got 'localhost:6379'",
    );
  });

  it('an unknown key in the JSON file, at the top or inside a section, with the known keys', () => {
    expect(fails({}, '{"databseUrl":"x"}')).toMatch(
      /^invalid setting databseUrl: unknown setting \(known here: databaseUrl, dataDir, varDir, etl, /,
    );
    expect(fails({}, '{"server":{"prot":8081}}')).toMatch(
      /^invalid setting server\.prot: unknown setting \(known here: host, port, /,
    );
    expect(fails({}, '{"server":"x"}')).toBe("invalid setting server: expected an object, got 'x'");
  });

  it('an empty text setting from the file', () => {
    expect(fails({}, '{"dataDir":""}')).toBe(
      'invalid setting dataDir (SPOREPRINT_DATA_DIR): must not be empty',
    );
  });

  it('lists come from comma-separated text, booleans from true/false in the file too', () => {
    const c = loadConfig({
      env: { SPOREPRINT_CORS_ORIGINS: 'https://a.example, https://b.example,,' },
      fileText: JSON.stringify({ server: { requireKeyForPredict: 'true', batchJournal: false } }),
    });
    expect(c.server.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.server.requireKeyForPredict).toBe(true);
    expect(c.server.batchJournal).toBe(false);
    expect(Object.isFrozen(c.server.corsOrigins)).toBe(true);
  });
});

describe('alert settings', () => {
  const file = (alerts: unknown) => ({ env: {}, fileText: JSON.stringify({ alerts }) });

  it('defaults: no rule overrides, no webhook, repeat 4h, grouped by alertname', () => {
    expect(loadConfig({ env: {} }).alerts).toEqual({
      rules: [],
      repeatInterval: '4h',
      groupBy: ['alertname'],
      groupWait: '0',
      groupInterval: '5m',
      webhookMaxAttempts: 5,
      webhookQueueSize: 1000,
    });
  });

  it('reads the webhook, repeat interval and grouping from the environment, rules from the file', () => {
    const c = loadConfig({
      env: {
        SPOREPRINT_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9093/hook',
        SPOREPRINT_ALERT_REPEAT_INTERVAL: '1h30m',
        SPOREPRINT_ALERT_GROUP_BY: 'alertname,model',
      },
      fileText: JSON.stringify({
        alerts: {
          rules: [
            { name: 'dataset_drift', threshold: 0.3, for: '10m', action: 'retrain', labels: { team: 'ml' } },
          ],
        },
      }),
    });
    expect(c.alerts.webhookUrl).toBe('http://127.0.0.1:9093/hook');
    expect(c.alerts.repeatInterval).toBe('1h30m');
    expect(c.alerts.groupBy).toEqual(['alertname', 'model']);
    expect(c.alerts.rules[0]).toEqual({
      name: 'dataset_drift',
      threshold: 0.3,
      for: '10m',
      action: 'retrain',
      labels: { team: 'ml' },
    });
  });

  it('names each bad alert setting and its variable', () => {
    expect(() => loadConfig({ env: { SPOREPRINT_ALERT_REPEAT_INTERVAL: '-1h' } })).toThrow(
      /alerts\.repeatInterval \(SPOREPRINT_ALERT_REPEAT_INTERVAL\): expected a duration .*got '-1h'/,
    );
    expect(() => loadConfig({ env: { SPOREPRINT_ALERT_WEBHOOK_URL: 'ftp://x' } })).toThrow(
      /alerts\.webhookUrl \(SPOREPRINT_ALERT_WEBHOOK_URL\): expected an http:\/\/ or https:\/\/ URL/,
    );
    expect(() => loadConfig(file({ rules: [{ name: 'dataset_drift', for: '1.5h' }] }))).toThrow(
      /alerts\.rules\.0\.for: expected a duration .*got '1\.5h'/,
    );
    expect(() => loadConfig(file({ rules: [{ name: 'x', comparison: '=>' }] }))).toThrow(
      /alerts\.rules\.0\.comparison: expected one of >, >=, <, <=, ==, !=, got '=>'/,
    );
    expect(() => loadConfig(file({ rules: [{ name: 'x', action: 'reboot' }] }))).toThrow(
      /alerts\.rules\.0\.action: expected one of rollback, retrain, got 'reboot'/,
    );
    expect(() => loadConfig(file({ rules: [{ name: 'x', thresold: 1 }] }))).toThrow(
      /alerts\.rules\.0\.thresold: unknown setting/,
    );
    expect(() => loadConfig(file({ rules: [{ name: 'bad name' }] }))).toThrow(/alerts\.rules\.0\.name/);
    expect(() => loadConfig(file({ rules: [{ name: 'x', threshold: 'high' }] }))).toThrow(
      /alerts\.rules\.0\.threshold/,
    );
    expect(() => loadConfig(file({ groupBy: [] }))).toThrow(/alerts\.groupBy/);
    expect(() => loadConfig(file({ webhookMaxAttempts: 0 }))).toThrow(
      /alerts\.webhookMaxAttempts: must be at least 1/,
    );
  });
});

describe('monitoring schedule settings', () => {
  const refused = (env: Record<string, string>, fileText?: string) => () => loadConfig({ env, fileText });

  it('checks every 5 minutes over the last 60 by default; seconds override minutes', () => {
    expect(loadConfig({ env: {} }).monitoring).toEqual({ checkMinutes: 5, windowMinutes: 60, checkNice: 0 });
    expect(
      loadConfig({
        env: {
          SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
          SPOREPRINT_MONITOR_CHECK_SECONDS: '1.5',
          SPOREPRINT_MONITOR_WINDOW_MINUTES: '15',
          SPOREPRINT_MONITOR_CHECK_NICE: '10',
        },
      }).monitoring,
    ).toEqual({ checkMinutes: 0, checkSeconds: 1.5, windowMinutes: 15, checkNice: 10 });
  });

  it('refuses bad values, naming the setting and its variable', () => {
    expect(refused({ SPOREPRINT_MONITOR_CHECK_MINUTES: '-1' })).toThrow(
      'invalid setting monitoring.checkMinutes (SPOREPRINT_MONITOR_CHECK_MINUTES): must be at least 0, got -1',
    );
    expect(refused({ SPOREPRINT_MONITOR_CHECK_MINUTES: 'often' })).toThrow(
      "invalid setting monitoring.checkMinutes (SPOREPRINT_MONITOR_CHECK_MINUTES): expected a number, got 'often'",
    );
    expect(refused({ SPOREPRINT_MONITOR_CHECK_MINUTES: '5m' })).toThrow(/expected a number, got '5m'/);
    expect(refused({ SPOREPRINT_MONITOR_CHECK_NICE: '20' })).toThrow(
      'invalid setting monitoring.checkNice (SPOREPRINT_MONITOR_CHECK_NICE): must be at most 19, got 20',
    );
    expect(refused({ SPOREPRINT_MONITOR_CHECK_NICE: '2.5' })).toThrow(/monitoring\.checkNice .*integer/);
    expect(refused({ SPOREPRINT_MONITOR_CHECK_SECONDS: '100000' })).toThrow(
      /monitoring\.checkSeconds \(SPOREPRINT_MONITOR_CHECK_SECONDS\): must be at most 86400/,
    );
    expect(refused({ SPOREPRINT_MONITOR_WINDOW_MINUTES: '0' })).toThrow(
      /monitoring\.windowMinutes \(SPOREPRINT_MONITOR_WINDOW_MINUTES\): must be at least 1, got 0/,
    );
    expect(refused({}, JSON.stringify({ monitoring: { intervalMinutes: 5 } }))).toThrow(
      /monitoring\.intervalMinutes: unknown setting/,
    );
  });
});

describe('unknownVariables', () => {
  it('names SPOREPRINT_* variables no setting reads, with the closest known name', () => {
    expect(
      unknownVariables({
        SPOREPRINT_PORT: '8080',
        SPOREPRINT_PROT: '8080',
        SPOREPRINT_DRAIN_SECOND: '5',
        SPOREPRINT_REDIS_URL_FILE: '/run/secrets/redis',
        SPOREPRINT_REDIS_URL_FIEL: '/run/secrets/redis',
        SPOREPRINT_SOMETHING_ELSE: 'x',
        SPOREPRINT_CONFIG: '/etc/sporeprint.json',
        SPOREPRINT_TEST_MYSQL_URL: 'mysql://',
        SPOREPRINT_UNSET: undefined,
        DATABASE_URLL: 'sqlite::memory:',
        PATH: '/usr/bin',
      }),
    ).toEqual([
      { name: 'SPOREPRINT_DRAIN_SECOND', suggestion: 'SPOREPRINT_DRAIN_SECONDS' },
      { name: 'SPOREPRINT_PROT', suggestion: 'SPOREPRINT_PORT' },
      { name: 'SPOREPRINT_REDIS_URL_FIEL', suggestion: 'SPOREPRINT_REDIS_URL_FILE' },
      { name: 'SPOREPRINT_SOMETHING_ELSE', suggestion: null },
    ]);
  });

  it('knows every variable the settings read', () => {
    expect(unknownVariables(Object.fromEntries(Object.keys(ENV_VARS).map((k) => [k, '1'])))).toEqual([]);
  });
});
