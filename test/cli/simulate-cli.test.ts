import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelledRecords } from '../../src/interfaces/cli/traffic-simulator.js';
import { openStorage, SPLIT_CODE } from '../../src/storage/index.js';
import { experimentRecord, startExperimentServer } from '../helpers/experiment-fixtures.js';
import { CLASSIC } from '../helpers/fixture-files.js';
import { runCli } from '../helpers/run-cli.js';
import { stopServer } from '../helpers/server-process.js';
import { prepareServingDatabase } from '../helpers/serving-setup.js';
import { expectSimulateRefused } from '../helpers/simulate-refusal.js';
import { sqliteBackend } from '../helpers/test-databases.js';

interface Summary {
  requests: number;
  answered: number;
  errors: number;
  arms: Record<string, number>;
  labelsSent: number;
  labelErrors: number;
}

/** `sporeprint simulate` against a real server running a 2-arm experiment. */
describe('sporeprint simulate', () => {
  const backend = sqliteBackend();
  let dbUrl: string;
  let cleanup: () => void;
  let dir: string;
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    dbUrl = backend.freshUrl();
    const prepared = await prepareServingDatabase(dbUrl);
    cleanup = prepared.cleanup;
    dir = mkdtempSync(join(tmpdir(), 'sporeprint-simulate-'));
    const planFile = join(dir, 'plan.json');
    writeFileSync(
      planFile,
      JSON.stringify(
        experimentRecord('exp-simulated', [
          { name: 'control', version: prepared.versions[0], role: 'control', weight: 1 },
          { name: 'challenger', version: prepared.versions[1], role: 'challenger', weight: 1 },
        ]),
      ),
    );
    server = await startExperimentServer(
      {
        DATABASE_URL: dbUrl,
        SPOREPRINT_VAR_DIR: prepared.varDir,
        SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
        SPOREPRINT_LOG_LEVEL: 'silent',
        SPOREPRINT_PORT: '0',
      },
      planFile,
    );
  }, 400_000);
  afterAll(async () => {
    await stopServer(server?.child);
    cleanup?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the labelled rows of both bundled files', async () => {
    const { readFileSync } = await import('node:fs');
    const classic = labelledRecords(readFileSync(CLASSIC, 'utf8'), 'classic');
    expect(classic.length).toBe(8124);
    expect(classic[0]).toMatchObject({ label: 'p', record: { 'cap-shape': 'x', odor: 'p', habitat: 'u' } });
    // '?' is missing: left out
    expect(classic.some((r) => !('stalk-root' in r.record))).toBe(true);
    const secondary = labelledRecords('class;cap-diameter;cap-shape\np;15.26;x\ne;;b\nq;1;x\n', 'secondary');
    expect(secondary).toEqual([
      { label: 'p', record: { 'cap-diameter': 15.26, 'cap-shape': 'x' } },
      { label: 'e', record: { 'cap-shape': 'b' } },
    ]);
  });

  it('sends the rate for the duration as many clients, counts answers per arm, and the labels arrive as feedback', async () => {
    const run = await runCli(
      [
        'simulate',
        '--url',
        server.url,
        '--rate',
        '40',
        '--duration',
        '2',
        '--clients',
        '25',
        '--label-delay',
        '0.5',
        '--label-share',
        '0.5',
        '--json',
      ],
      { DATABASE_URL: dbUrl },
    );
    expect(run.code, run.stderr).toBe(0);
    // the held-out rows of the latest dataset version (the classic data's test split), not the whole file
    const heldOut = /replaying the (\d+) held-out rows of dataset version (\S+) \(classic\)/.exec(run.stderr);
    expect(heldOut, run.stderr).not.toBeNull();
    const storageForSplit = await openStorage(dbUrl);
    try {
      const version = await storageForSplit.datasets.findVersion(heldOut![2]);
      expect(Number(heldOut![1])).toBe(version!.split.filter((c) => c === SPLIT_CODE.test).length);
    } finally {
      await storageForSplit.close();
    }
    const s = JSON.parse(run.stdout) as Summary;
    expect(s.requests).toBe(80);
    expect([s.answered, s.errors, s.labelErrors]).toEqual([80, 0, 0]);
    expect(Object.keys(s.arms).sort()).toEqual(['challenger', 'control']);
    expect(s.arms.control + s.arms.challenger).toBe(80);
    expect(s.labelsSent).toBeGreaterThan(15);
    expect(s.labelsSent).toBeLessThan(65);
    const storage = await openStorage(dbUrl);
    try {
      const labelled = await storage.feedback.joined();
      expect(labelled.length).toBe(s.labelsSent);
      const arms: Record<string, number> = {};
      const clients = new Set<string>();
      for (const l of labelled) {
        arms[l.arm ?? '(none)'] = (arms[l.arm ?? '(none)'] ?? 0) + 1;
        const p = await storage.predictions.get(l.predictionId);
        expect(p?.clientId).toMatch(/^sim-client-([1-9]|1\d|2[0-5])$/);
        clients.add(p?.clientId ?? '');
        expect(p?.experimentId).toBe('exp-simulated');
      }
      expect(Object.keys(arms).every((a) => a === 'control' || a === 'challenger')).toBe(true);
      expect(clients.size).toBeGreaterThan(1);
    } finally {
      await storage.close();
    }
  });

  it.each([
    [['--rate', '0'], /--rate must be a number from 0.1 to 10000, got '0'/],
    [['--rate', 'fast'], /--rate must be a number from 0.1 to 10000, got 'fast'/],
    [['--label-share', '1.5'], /--label-share must be a number from 0 to 1, got '1.5'/],
    [['--clients', '2.5'], /--clients must be an integer from 1 to 10000000, got '2.5'/],
    [['--duration', '-1'], /--duration must be a number from 1 to 86400/],
    [['--dataset', 'tertiary'], /--dataset.*'tertiary'.*secondary, classic/],
    [['--rows', 'some'], /--rows.*'some'.*held-out, all/],
    [['--dataset', 'classic'], /--dataset names a bundled file, replayed with --rows all/],
    [['--url', 'ftp://x'], /expected an http:\/\/ or https:\/\/ URL, got 'ftp:\/\/x'/],
    [['--url', 'not a url'], /expected the server's URL/],
    [
      ['--drift', 'season'],
      /--drift season on the classic data needs --drift-feature <name> and --drift-to <code>/,
    ],
    [
      ['--drift', 'season', '--drift-feature', 'cap-diameter'],
      /--drift-feature: 'cap-diameter' is not a feature of the classic data/,
    ],
    [
      ['--drift', 'season', '--drift-feature', 'odor', '--drift-to', 'q'],
      /--drift-to: 'q' is not a code of odor; allowed: a = almond/,
    ],
    [
      ['--drift', 'species'],
      /--drift species: dataset version ds-\w+ \(classic\) has no species to hold out; train the served model on a species split: `sporeprint etl --source data\/secondary_data.csv --split species`, then `sporeprint train --dataset <its id> --register`/,
    ],
  ])('refuses %j with a usage error naming the option, sending nothing', async (args, message) => {
    const base: Record<string, string> = { '--url': server.url, '--rate': '5', '--duration': '1' };
    for (let i = 0; i < args.length; i += 2) base[args[i]] = args[i + 1];
    await expectSimulateRefused(dbUrl, Object.entries(base).flat(), message);
  });

  it('an unknown dataset version is an error naming it, sending nothing', async () => {
    const run = await runCli(
      ['simulate', '--url', server.url, '--rate', '5', '--duration', '1', '--from', 'ds-none'],
      { DATABASE_URL: dbUrl },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error [SP_ERR_NOT_FOUND]: no dataset version 'ds-none'");
    expect(run.stdout).toBe('');
  });

  it('a server that does not answer is an error naming why, after the summary', async () => {
    const run = await runCli([
      'simulate',
      '--url',
      'http://127.0.0.1:9',
      '--rate',
      '5',
      '--duration',
      '1',
      '--rows',
      'all',
      '--json',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ requests: 5, answered: 0, errors: 5 });
    expect(run.stderr).toMatch(
      /error \[SP_ERR_NOT_READY\]: no prediction was answered by http:\/\/127.0.0.1:9: predict: fetch failed/,
    );
  });
});
