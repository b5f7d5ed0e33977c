/**
 * `sporeprint etl --include-feedback` as a user runs it: the source's version, then a version of it
 * plus the labelled production records (logged through the real prediction log, labelled through the
 * feedback store), with its lineage in the summary, in `datasets show` and in `datasets list`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { CLASSIC, tempFiles } from '../helpers/fixture-files.js';
import { logPredictions } from '../helpers/logged-predictions.js';
import { runCli } from '../helpers/run-cli.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';

describe('sporeprint etl --include-feedback (CLI)', () => {
  const files = tempFiles();
  const url = `sqlite:${files.dir}/feedback-cli.sqlite`;
  const env = { DATABASE_URL: url };
  let parentId: string;
  let cleanup = () => {};

  beforeAll(async () => {
    const prepared = await prepareServingDatabase(url);
    parentId = prepared.datasetId;
    cleanup = prepared.cleanup;
  }, 300_000);
  afterAll(() => cleanup());

  it('refuses clearly without labelled records, and options that need --include-feedback', async () => {
    const none = await runCli(['etl', '--source', CLASSIC, '--include-feedback'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      new RegExp(`^error \\[SP_ERR_INPUT_EMPTY\\]: no labelled production records to add to ${parentId}: `),
    );
    const model = await runCli(['etl', '--source', CLASSIC, '--model', 'sporeprint-classic'], env);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/--model and --labelled-before need --include-feedback/);
    const time = await runCli(
      ['etl', '--source', CLASSIC, '--include-feedback', '--labelled-before', 'soon'],
      env,
    );
    expect(time.code).toBe(2);
    expect(time.stderr).toMatch(/'--labelled-before <time>' argument 'soon' is invalid.*ISO-8601/);
  });

  it('makes the derived version with its lineage, shown by datasets show and list', async () => {
    const storage = await openStorage(url);
    try {
      const inputs = ['n', 'a', 'l', 'f'].map((odor) => ({ ...CLASSIC_MUSHROOM, odor }));
      const ids = await logPredictions(
        storage,
        inputs.map((input) => ({ input, modelName: 'sporeprint-classic', modelVersion: 1 })),
      );
      for (const [i, id] of ids.entries()) {
        await storage.feedback.record({ predictionId: id, trueLabel: i % 2 === 0 ? 'e' : 'p' });
      }
    } finally {
      await storage.close();
    }
    const json = await runCli(['etl', '--source', CLASSIC, '--include-feedback', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as { datasetId: string; status: string; lineage: unknown };
    expect(summary).toMatchObject({
      status: 'created',
      lineage: { parentId, records: 4, rowsAdded: 4, labelSource: 'feedback', modelName: null },
    });
    const text = await runCli(
      ['etl', '--source', CLASSIC, '--include-feedback', '--model', 'sporeprint-classic'],
      env,
    );
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`^Parent: dataset version ${parentId} of agaricus-lepiota.data \\(unchanged\\)`),
    );
    expect(text.stdout).toContain(`Dataset version ${summary.datasetId} (unchanged: already loaded)`);
    // the same records through the model filter: the same version, with the lineage it was made with
    expect(text.stdout).toMatch(
      /derived from ds-\w+ \+ 4 labelled production records \(feedback on predictions of every model of the schema/,
    );
    expect(text.stdout).toMatch(/records: 4 joined the training split · 0 equal to a held-out row/);

    const show = await runCli(['datasets', 'show', summary.datasetId], env);
    expect(show.stdout).toMatch(/source agaricus-lepiota.data \+ feedback/);
    expect(show.stdout).toMatch(new RegExp(`derived from ${parentId} \\+ 4 labelled production records`));
    const list = JSON.parse((await runCli(['datasets', 'list', '--json'], env)).stdout) as {
      id: string;
      parentId: string | null;
    }[];
    expect(list.find((v) => v.id === summary.datasetId)?.parentId).toBe(parentId);
    expect(list.find((v) => v.id === parentId)?.parentId).toBeNull();
  }, 120_000);
});
