import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtlService } from '../../src/services/index.js';
import { openStorage } from '../../src/storage/index.js';
import { PRIMARY, tempFiles } from '../helpers/fixture-files.js';
import { hour, leafLitterSeason, logTraffic, strideSample } from '../helpers/monitoring-traffic.js';
import { runCli } from '../helpers/run-cli.js';
import { prepareServingDatabase } from '../helpers/serving-setup.js';

/** `sporeprint monitor …` as a user runs it, over a database with logged traffic. */
describe('sporeprint monitor (CLI)', () => {
  const files = tempFiles();
  let env: Record<string, string>;
  let cleanup = () => {};
  const window = (h: number) => ['--from', hour(h).toISOString(), '--to', hour(h + 1).toISOString()];

  beforeAll(async () => {
    const url = `sqlite:${join(files.dir, 'monitor.sqlite')}`;
    const prepared = await prepareServingDatabase(url);
    cleanup = prepared.cleanup;
    env = {
      DATABASE_URL: url,
      SPOREPRINT_VAR_DIR: prepared.varDir,
      SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
    };
    const storage = await openStorage(url);
    try {
      const etl = new EtlService(storage.datasets, {
        invalidThreshold: 0.01,
        seed: 42,
        speciesFile: PRIMARY,
      });
      const heldOut = (await etl.heldOutRecords('latest')).records;
      await logTraffic(storage, prepared, hour(10, 5), heldOut);
      await logTraffic(storage, prepared, hour(12, 30), strideSample(heldOut, 400), leafLitterSeason);
    } finally {
      await storage.close();
    }
  }, 600_000);
  afterAll(() => cleanup());

  it('drift: a table naming each test, and JSON; held-out traffic does not drift, the shifted window does', async () => {
    const calm = await runCli(['monitor', 'drift', ...window(10)], env);
    expect(calm.code, calm.stderr).toBe(0);
    expect(calm.stdout).toMatch(/dataset drift: no/);
    expect(calm.stdout).toMatch(/odor\s+jensenshannon/);
    const shifted = JSON.parse((await runCli(['monitor', 'drift', ...window(12), '--json'], env)).stdout) as {
      window: { rows: number };
      features: { feature: string; drifted?: boolean }[];
    };
    expect(shifted.window.rows).toBe(400);
    expect(shifted.features.find((f) => f.feature === 'odor')?.drifted).toBe(true);
  });

  it("drift settings: one test for every feature or per feature, a threshold, the dataset's drift share", async () => {
    type Drift = {
      features: { feature: string; test?: string; threshold?: number }[];
      dataset: { drifted: boolean; threshold: number };
    };
    const drift = async (...args: string[]) => {
      const r = await runCli(['monitor', 'drift', ...window(12), '--json', ...args], env);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Drift;
    };
    const psi = await drift('--test', 'psi', '--threshold', '0.2');
    expect(new Set(psi.features.map((f) => `${f.test}@${f.threshold}`))).toEqual(new Set(['psi@0.2']));
    const mixed = await drift('--feature-test', 'odor=hellinger', '--feature-test', 'habitat=chisquare');
    expect(mixed.features.find((f) => f.feature === 'odor')?.test).toBe('hellinger');
    expect(mixed.features.find((f) => f.feature === 'habitat')?.test).toBe('chisquare');
    expect(mixed.features.find((f) => f.feature === 'cap-shape')?.test).toBe('jensenshannon');
    expect((await drift()).dataset).toMatchObject({ drifted: false, threshold: 0.5 });
    expect((await drift('--drift-share', '0.1')).dataset).toMatchObject({ drifted: true, threshold: 0.1 });
    for (const [args, message] of [
      [['--test', 'nope'], /--test.*expected one of ks, chisquare/],
      [['--threshold', '-1'], /--threshold.*positive number/],
      [['--drift-share', '1.5'], /--drift-share.*\(0, 1\]/],
      [['--feature-test', 'odor'], /--feature-test.*<feature>=<test>/],
      [['--test', 'ks'], /Feature cap-shape: options\.test: ks needs ordered values/], // classic: all categorical
    ] as const) {
      const r = await runCli(['monitor', 'drift', ...window(12), ...args], env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('report: one self-contained HTML file, or JSON; performance and profile', async () => {
    const out = join(files.dir, 'report.html');
    const r = await runCli(['monitor', 'report', ...window(12), '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Wrote .*report\.html: (WARNING|ALERT), 400 predictions/);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/(src|href)="https?:/);
    const json = JSON.parse((await runCli(['monitor', 'report', ...window(10), '--json'], env)).stdout) as {
      formatVersion: number;
      summary: { verdict: string };
    };
    expect(json).toMatchObject({ formatVersion: 1, summary: { verdict: 'ok' } });
    const perf = await runCli(
      ['monitor', 'performance', '--from', hour(10).toISOString(), '--to', hour(13).toISOString()],
      env,
    );
    expect(perf.code, perf.stderr).toBe(0);
    expect(perf.stdout).toMatch(/labelled: 0/);
    const profile = await runCli(['monitor', 'profile'], env);
    expect(profile.stdout).toMatch(/sporeprint-classic v\d+: \d+ training rows/);
    const before = (await runCli(['monitor', 'drift', ...window(12), '--json'], env)).stdout;
    const rebuilt = await runCli(['monitor', 'rebuild'], env);
    expect(rebuilt.stdout).toMatch(/Rebuilt the monitoring roll-up: \d+ predictions/);
    expect((await runCli(['monitor', 'drift', ...window(12), '--json'], env)).stdout).toBe(before);
  });

  it('check: evaluates the alert rules on the window (dataset drift share, novelty rise)', async () => {
    const r = JSON.parse((await runCli(['monitor', 'check', ...window(12), '--json'], env)).stdout) as {
      samples: Record<string, number | undefined>;
    };
    expect(r.samples.dataset_drift_share).toBeGreaterThan(0);
    expect(r.samples.dataset_drift_share).toBeLessThan(0.5);
    expect(typeof r.samples.novelty_share_rise).toBe('number');
    // the drift options reach the check: a near-zero threshold makes (almost) every feature drift
    const strict = JSON.parse(
      (await runCli(['monitor', 'check', ...window(12), '--threshold', '0.000001', '--json'], env)).stdout,
    ) as { samples: Record<string, number | undefined> };
    expect(strict.samples.dataset_drift_share).toBeGreaterThan(r.samples.dataset_drift_share as number);
    const listing = JSON.parse((await runCli(['alerts', 'list', '--json'], env)).stdout) as {
      alerts: unknown[];
    };
    expect(Array.isArray(listing.alerts)).toBe(true);
  });

  it('refuses bad input with exit 2 naming the option, and an unknown model with exit 1; writes nothing', async () => {
    const out = join(files.dir, 'never.html');
    for (const [args, message] of [
      [['monitor', 'drift', '--from', 'yesterday'], /--from.*ISO-8601/],
      [['monitor', 'drift', '--last', '0'], /--last.*positive whole number/],
      [['monitor', 'drift', '--arm', 'control'], /--arm needs --experiment/],
      [['monitor', 'report', ...window(12)], /needs --out/],
      [
        ['monitor', 'drift', '--from', hour(13).toISOString(), '--to', hour(12).toISOString()],
        /must be before/,
      ],
      [['monitor', 'report', '--version', 'not a version', '--out', out], /--version/],
    ] as const) {
      const r = await runCli([...args], env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
    const unknown = await runCli(['monitor', 'drift', '--model', 'no-such-model'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('SP_ERR_NOT_FOUND');
  });
});
