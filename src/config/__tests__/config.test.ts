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
