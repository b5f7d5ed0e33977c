import { describe, expect, it } from 'vitest';
import { loadConfig } from '../index.js';

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
});
