import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/data/index.js';
import { EtlService } from '../../src/services/index.js';
import { openStorage, type PredictionRecord, SPLIT_CODE, type Storage } from '../../src/storage/index.js';
import { PRIMARY, SECONDARY } from '../helpers/fixture-files.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnListening, stopServer } from '../helpers/server-process.js';
import { prepareServingDatabase } from '../helpers/serving-setup.js';
import { expectSimulateRefused } from '../helpers/simulate-refusal.js';
import { sqliteBackend } from '../helpers/test-databases.js';

const SCHEMA = getSchema('secondary');

/** A test-split row of the species-split dataset: its values in schema order, species and class. */
interface Row {
  readonly values: readonly (string | number | null)[];
  readonly species: number;
  readonly label: 'e' | 'p';
  readonly split: number;
}

/** Schema-ordered values of a logged input (missing: null), optionally leaving one feature out. */
function valuesOf(input: unknown, without?: string): (string | number | null)[] {
  const r = input as Record<string, string | number>;
  return SCHEMA.features.map((f) => (f.name === without ? null : (r[f.name] ?? null)));
}
const keyOf = (values: readonly (string | number | null)[]): string => JSON.stringify(values);

/**
 * `sporeprint simulate --drift` against a real server serving a decision tree trained on a species
 * split of the secondary data.
 */
describe('sporeprint simulate --drift', () => {
  const backend = sqliteBackend();
  let dbUrl: string;
  let varDir: string;
  let cleanup: () => void;
  let server: { child: ChildProcess; url: string };
  let rows: Row[];
  let datasetId: string;

  beforeAll(async () => {
    dbUrl = backend.freshUrl();
    // unseen species fail the quality gate by design: that is what the simulation is about
    const prepared = await prepareServingDatabase(
      dbUrl,
      {},
      {
        source: SECONDARY,
        split: 'species',
        modelName: 'sporeprint-secondary',
        models: ['decision-tree'],
        force: true,
      },
    );
    ({ varDir, datasetId } = prepared);
    cleanup = prepared.cleanup;
    const storage = await openStorage(dbUrl);
    try {
      rows = await readRows(storage, datasetId);
    } finally {
      await storage.close();
    }
    server = await spawnListening(['src/main/cli.ts', 'serve'], {
      DATABASE_URL: dbUrl,
      SPOREPRINT_VAR_DIR: varDir,
      SPOREPRINT_MODEL_NAME: 'sporeprint-secondary',
      SPOREPRINT_LOG_LEVEL: 'silent',
      SPOREPRINT_PORT: '0',
    });
  }, 600_000);
  afterAll(async () => {
    await stopServer(server?.child);
    cleanup?.();
  });

  async function readRows(storage: Storage, id: string): Promise<Row[]> {
    const version = (await storage.datasets.findVersion(id))!;
    const out: Row[] = [];
    for await (const batch of storage.datasets.readRows(version.sourceId)) {
      for (const r of batch) {
        out.push({
          values: r.features,
          species: r.speciesIndex!,
          label: r.label,
          split: version.split[r.rowIndex],
        });
      }
    }
    return out;
  }

  /** Runs simulate and returns the predictions it made (with the run). */
  async function simulate(
    args: string[],
  ): Promise<{ run: Awaited<ReturnType<typeof runCli>>; logged: PredictionRecord[] }> {
    const storage = await openStorage(dbUrl);
    try {
      const before = new Set(await storage.predictions.ids());
      const run = await runCli(['simulate', '--url', server.url, '--json', ...args], { DATABASE_URL: dbUrl });
      expect(run.code, run.stderr).toBe(0);
      const logged = (await storage.predictions.list({ limit: 100_000 })).filter((p) => !before.has(p.id));
      return { run, logged };
    } finally {
      await storage.close();
    }
  }

  it('--drift species sends only rows of species absent from the training split, with their true labels', async () => {
    const trainSpecies = new Set(rows.filter((r) => r.split === SPLIT_CODE.train).map((r) => r.species));
    const unseen = rows.filter((r) => r.split === SPLIT_CODE.test);
    const unseenSpecies = new Set(unseen.map((r) => r.species));
    expect([...unseenSpecies].some((s) => trainSpecies.has(s))).toBe(false);
    const { run, logged } = await simulate([
      ...['--drift', 'species', '--rate', '150', '--duration', '2'],
      ...['--label-delay', '0.3', '--label-share', '1'],
    ]);
    expect(run.stderr).toContain(
      `species drift: sending ${unseen.length} rows of ${unseenSpecies.size} species that sporeprint-secondary v1 never saw in training (test split of dataset version ${datasetId}, split species)`,
    );
    const summary = JSON.parse(run.stdout) as { requests: number; answered: number; labelsSent: number };
    expect(summary).toMatchObject({ requests: 300, answered: 300 });
    expect(logged).toHaveLength(300);
    // the species and classes of every row with these exact values (duplicates share them)
    const byKey = new Map<string, Row[]>();
    for (const r of rows) byKey.set(keyOf(r.values), [...(byKey.get(keyOf(r.values)) ?? []), r]);
    for (const p of logged) {
      const matches = byKey.get(keyOf(valuesOf(p.input))) ?? [];
      expect(matches.length, JSON.stringify(p.input)).toBeGreaterThan(0);
      for (const m of matches) expect(trainSpecies.has(m.species)).toBe(false);
    }
    // labels follow: each is the true class of its row
    const storage = await openStorage(dbUrl);
    try {
      const labelled = await storage.feedback.joined();
      const mine = new Map(logged.map((p) => [p.id, p]));
      const ours = labelled.filter((l) => mine.has(l.predictionId));
      expect(ours.length).toBe(summary.labelsSent);
      expect(ours.length).toBeGreaterThan(250);
      for (const l of ours) {
        const classes = (byKey.get(keyOf(valuesOf(mine.get(l.predictionId)!.input))) ?? []).map(
          (m) => m.label,
        );
        expect(classes).toContain(l.trueLabel);
      }
    } finally {
      await storage.close();
    }
    // the inputs are unlike training: values training never had, and a distribution far from it
    const train = rows.filter((r) => r.split === SPLIT_CODE.train);
    const j = SCHEMA.features.findIndex((f) => f.name === 'stem-color');
    const share = (values: readonly (string | number | null)[][], code: string | number | null): number =>
      values.filter((v) => v[j] === code).length / values.length;
    const trainValues = train.map((r) => [...r.values]);
    const sentValues = logged.map((p) => valuesOf(p.input));
    const codes = new Set([...trainValues, ...sentValues].map((v) => v[j]));
    const neverTrained = [...codes].filter((c) => share(trainValues, c) === 0);
    expect(neverTrained.length).toBeGreaterThan(0);
    expect(sentValues.filter((v) => neverTrained.includes(v[j])).length).toBeGreaterThan(0);
    let tv = 0;
    for (const c of codes) tv += Math.abs(share(trainValues, c) - share(sentValues, c)) / 2;
    expect(tv).toBeGreaterThan(0.1);
  }, 120_000);

  it('--drift season multiplies the numeric feature of every sent row', async () => {
    const { run, logged } = await simulate([
      ...[
        '--drift',
        'season',
        '--drift-factor',
        '1.5',
        '--rate',
        '50',
        '--duration',
        '2',
        '--label-share',
        '0',
      ],
    ]);
    expect(run.stderr).toMatch(/season drift: cap-diameter × 1.5 in 8825 of 8825 rows/);
    expect(logged).toHaveLength(100);
    const j = SCHEMA.features.findIndex((f) => f.name === 'cap-diameter');
    const originals = new Map<string, number[]>();
    for (const r of rows) {
      if (r.split !== SPLIT_CODE.test) continue;
      const values = [...r.values];
      values[j] = null;
      originals.set(keyOf(values), [...(originals.get(keyOf(values)) ?? []), r.values[j] as number]);
    }
    for (const p of logged) {
      const sent = (p.input as Record<string, number>)['cap-diameter'];
      const candidates = originals.get(keyOf(valuesOf(p.input, 'cap-diameter'))) ?? [];
      expect(candidates.length, JSON.stringify(p.input)).toBeGreaterThan(0);
      expect(candidates.some((c) => Math.abs(c * 1.5 - sent) < 1e-9)).toBe(true);
    }
  }, 120_000);

  it('--drift season replaces the chosen share of a categorical feature by the code', async () => {
    const { run, logged } = await simulate([
      ...['--drift', 'season', '--drift-feature', 'habitat', '--drift-to', 'u', '--drift-share', '0.6'],
      ...['--rate', '100', '--duration', '2', '--label-share', '0'],
    ]);
    expect(run.stderr).toMatch(
      /season drift: habitat set to 'u' \(urban\) in 5295 of 8825 rows \(share 0.6\)/,
    );
    expect(logged).toHaveLength(200);
    const j = SCHEMA.features.findIndex((f) => f.name === 'habitat');
    const test = rows.filter((r) => r.split === SPLIT_CODE.test);
    const originals = new Map<string, (string | number | null)[]>();
    for (const r of test) {
      const values = [...r.values];
      values[j] = null;
      originals.set(keyOf(values), [...(originals.get(keyOf(values)) ?? []), r.values[j]]);
    }
    for (const p of logged) {
      const sent = (p.input as Record<string, string>).habitat;
      const candidates = originals.get(keyOf(valuesOf(p.input, 'habitat'))) ?? [];
      expect(candidates.length, JSON.stringify(p.input)).toBeGreaterThan(0);
      expect(sent === 'u' || candidates.includes(sent)).toBe(true);
    }
    const urbanBefore = test.filter((r) => r.values[j] === 'u').length / test.length;
    const urbanSent = logged.filter((p) => (p.input as Record<string, string>).habitat === 'u').length / 200;
    expect(urbanSent).toBeGreaterThan(0.6 + 0.4 * urbanBefore - 0.15);
    expect(urbanSent).toBeLessThan(0.6 + 0.4 * urbanBefore + 0.15);
  }, 120_000);

  it.each([
    [['--drift-feature', 'gill-size'], /--drift-feature: 'gill-size' is not a feature of the secondary data/],
    [['--drift-factor', '0'], /--drift-factor must be a positive finite number, got '0'/],
    [['--drift-factor', 'Infinity'], /--drift-factor must be a positive finite number, got 'Infinity'/],
    [['--drift-factor', 'big'], /--drift-factor must be a positive finite number, got 'big'/],
    [
      ['--drift-feature', 'habitat', '--drift-to', 'z'],
      /--drift-to: 'z' is not a code of habitat; allowed: g = grasses/,
    ],
    [
      ['--drift-feature', 'habitat', '--drift-to', 'u', '--drift-share', '0'],
      /--drift-share must be a number in \(0, 1\], got '0'/,
    ],
    [
      ['--drift-feature', 'habitat', '--drift-to', 'u', '--drift-share', '1.2'],
      /--drift-share must be a number in \(0, 1\], got '1.2'/,
    ],
    [['--drift-feature', 'habitat'], /--drift-to <code> is needed to shift habitat/],
    [
      ['--drift-feature', 'habitat', '--drift-to', 'u', '--drift-factor', '2'],
      /--drift-factor applies to a numeric --drift-feature; habitat is categorical/,
    ],
    [['--drift-to', 'u'], /--drift-to applies to a categorical --drift-feature; cap-diameter is numeric/],
    [['--drift-share', '0.5'], /--drift-share applies to a categorical --drift-feature/],
    [
      ['--drift', 'none', '--drift-factor', '2'],
      /--drift-factor applies to --drift season \(got --drift none\)/,
    ],
    [['--drift', 'species', '--drift-feature', 'habitat'], /--drift-feature applies to --drift season/],
    [
      ['--drift', 'species', '--from', 'latest'],
      /--drift species replays held-out rows of the dataset version the served model was trained on; drop --from/,
    ],
    [['--drift', 'species', '--rows', 'all'], /drop --rows all/],
    [['--drift', 'winter'], /--drift.*'winter'.*none, species, season/],
  ])('refuses %j: exit 2 naming the option, nothing sent', async (args, message) => {
    const drift = args.includes('--drift') ? [] : ['--drift', 'season'];
    await expectSimulateRefused(
      dbUrl,
      ['--url', server.url, '--rate', '5', '--duration', '1', ...drift, ...args],
      message,
    );
  });

  it('a dataset version split by class, not species, has no unseen species: the error names the commands', async () => {
    const storage = await openStorage(dbUrl);
    try {
      const etl = new EtlService(storage.datasets, {
        invalidThreshold: 0.01,
        seed: 42,
        speciesFile: PRIMARY,
      });
      const stratified = await etl.run({ source: SECONDARY, split: 'stratified' });
      await expect(etl.unseenSpeciesRecords(stratified.datasetId)).rejects.toMatchObject({
        code: 'SP_ERR_USAGE',
        message: expect.stringMatching(
          /every species in the test split of dataset version ds-\w+ \(split stratified\) also has rows in the training data.*sporeprint etl --source data\/secondary_data.csv --split species.*sporeprint train --dataset/,
        ),
      });
      // a model trained on the species split too leaves no species unseen
      await expect(etl.unseenSpeciesRecords(datasetId, [stratified.datasetId])).rejects.toMatchObject({
        code: 'SP_ERR_USAGE',
      });
    } finally {
      await storage.close();
    }
  }, 120_000);
});
