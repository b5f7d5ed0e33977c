/**
 * The closed loop end to end (SQLite, local runner, no server): the `retrain` pipeline with
 * `includeFeedback`. First without any feedback (the run trains on the source's version and says so),
 * then with predictions logged through the real prediction log and true labels through the real
 * feedback store: the run derives a dataset version (source + labelled records) with its lineage,
 * trains and registers on it, and puts the candidate in shadow against Production.
 */
import { describe, expect, it } from 'vitest';
import { getSchema } from '../../src/data/index.js';
import type { PipelineRunView } from '../../src/services/index.js';
import { type DatasetVersionRecord, type SourceRow, SPLIT_CODE } from '../../src/storage/index.js';
import { logPredictions } from '../helpers/logged-predictions.js';
import { deliverAgain, useRetrainEnv } from './retrain-env.js';

const MODEL = 'sporeprint-secondary';
const NOVEL = 300;
const HELD_OUT = 10;

interface EtlOutput {
  datasetId: string;
  parentDatasetId?: string;
  status: string;
  feedback?: { records: number; rowsAdded: number; heldOutOverlap: number; quarantined: number };
}

describe('retrain with includeFeedback: the closed loop (SQLite, local runner)', () => {
  const env = useRetrainEnv('sp-retrain-feedback-');

  const etlOf = (view: PipelineRunView) =>
    view.tasks.find((t) => t.taskId === 'etl')?.output as unknown as EtlOutput;
  const linksOf = (view: PipelineRunView, kind: string) =>
    view.links.filter((l) => l.kind === kind).map((l) => l.ref);
  const run = async (params: Record<string, string | boolean>) => {
    const { service } = env().pipelines;
    const view = await service.waitFor((await service.start('retrain', params, { kind: 'manual' })).id);
    expect(view.run.state, JSON.stringify(view.tasks.map((t) => [t.taskId, t.state, t.error]))).toBe(
      'succeeded',
    );
    return view;
  };

  /** Logs predictions of `version` through the real prediction log; their ids. */
  const log = (inputs: readonly object[], version: number, shadowOf?: readonly string[]) =>
    logPredictions(
      env().storage,
      inputs.map((input, i) => ({ input, modelName: MODEL, modelVersion: version, shadowOf: shadowOf?.[i] })),
    );

  it('without feedback trains on the source; with it, trains on source + feedback and shadows Production', async () => {
    const { storage, pipelines, registry, experiments } = env();
    // no labelled production record yet: the run goes on with the source's dataset version
    const first = await run({ deploy: 'promote', includeFeedback: true });
    const parentId = etlOf(first).datasetId;
    expect(etlOf(first)).toMatchObject({ parentDatasetId: parentId, feedback: { records: 0, rowsAdded: 0 } });
    expect(linksOf(first, 'dataset')).toEqual([parentId]);
    const logs = await pipelines.service.logs(first.run.id, { taskId: 'etl' });
    expect(logs.map((l) => [l.level, l.message])).toContainEqual([
      'warn',
      expect.stringMatching(
        /^no labelled production records to add to ds-\w+: .*; training on ds-\w+ alone$/,
      ),
    ]);
    expect(first.run.outcome).toMatchObject({ outcome: 'promoted', modelName: MODEL });
    const production = (first.run.outcome as { version: number }).version;

    // production traffic: new mushrooms (train rows with a larger cap) and held-out rows sent again,
    // all labelled; unlabelled ones; shadow scores of the labelled ones
    const parent = (await storage.datasets.findVersion(parentId)) as DatasetVersionRecord;
    const rows: SourceRow[] = [];
    for await (const batch of storage.datasets.readRows(parent.sourceId)) rows.push(...batch);
    const names = getSchema('secondary').features.map((f) => f.name);
    const inputOf = (r: SourceRow, capDiameter?: number) =>
      Object.fromEntries(
        names
          .map((n, j) => [n, j === 0 && capDiameter !== undefined ? capDiameter : r.features[j]] as const)
          .filter(([, v]) => v !== null),
      );
    const seen = new Set(rows.map((r) => JSON.stringify(r.features)));
    const novel = rows
      .filter((r) => parent.split[r.rowIndex] === SPLIT_CODE.train)
      .map((r) => {
        const cap = Math.round((r.features[0] as number) * 107) / 100;
        return { r, cap, key: JSON.stringify([cap, ...r.features.slice(1)]) };
      })
      .filter((x) => x.cap <= 62 && !seen.has(x.key) && seen.add(x.key))
      .slice(0, NOVEL);
    const heldOut = rows.filter((r) => parent.split[r.rowIndex] === SPLIT_CODE.test).slice(0, HELD_OUT);
    const labelled = [
      ...novel.map((x) => ({ input: inputOf(x.r, x.cap), label: x.r.label })),
      ...heldOut.map((r) => ({ input: inputOf(r), label: r.label })),
    ];
    const answered = await log(
      labelled.map((x) => x.input),
      production,
    );
    for (let i = 0; i < answered.length; i++) {
      await storage.feedback.record({
        predictionId: answered[i],
        trueLabel: labelled[i].label,
        source: 'lab',
      });
    }
    await log(
      rows.slice(0, 20).map((r) => inputOf(r)),
      production,
    );
    await log(
      labelled.slice(0, 10).map((x) => x.input),
      production + 1,
      answered.slice(0, 10),
    );

    const second = await run({ deploy: 'shadow', includeFeedback: true });
    const etl = etlOf(second);
    expect(etl).toMatchObject({
      parentDatasetId: parentId,
      status: 'created',
      feedback: { records: NOVEL + HELD_OUT, rowsAdded: NOVEL, heldOutOverlap: HELD_OUT, quarantined: 0 },
    });
    const derivedId = etl.datasetId;
    expect(derivedId).not.toBe(parentId);
    expect(linksOf(second, 'dataset').sort()).toEqual([derivedId, parentId].sort());
    expect(await storage.datasets.findLineage(derivedId)).toMatchObject({
      parentVersionId: parentId,
      labelSource: 'feedback',
      records: NOVEL + HELD_OUT,
      rowsAdded: NOVEL,
    });
    // every model of the run was trained and registered on the derived version
    const trainingRuns = linksOf(second, 'training-run');
    expect(trainingRuns).toHaveLength(3);
    for (const id of trainingRuns) expect((await storage.runs.get(id))?.datasetId).toBe(derivedId);
    const mine = (await registry.show(MODEL)).versions.filter((v) => v.tags.pipelineRun === second.run.id);
    expect(mine).toHaveLength(3);
    expect(mine.every((v) => v.datasetId === derivedId)).toBe(true);
    expect(linksOf(second, 'model-version').sort()).toEqual(mine.map((v) => `${MODEL}:${v.version}`).sort());
    // the gate judged on the derived version's test split, which is the parent's
    expect(second.tasks.find((t) => t.taskId === 'gate')?.output).toMatchObject({
      datasetId: derivedId,
      production,
    });
    const derived = (await storage.datasets.findVersion(derivedId)) as DatasetVersionRecord;
    const tests = (v: DatasetVersionRecord) =>
      v.split.reduce((n, s) => n + (s === SPLIT_CODE.test ? 1 : 0), 0);
    expect(tests(derived)).toBe(tests(parent));
    // the candidate scores in shadow beside Production
    expect(second.run.outcome).toMatchObject({ outcome: 'shadow', production });
    const [experiment] = linksOf(second, 'experiment');
    const view = await experiments.show(experiment);
    expect(view.experiment).toMatchObject({ status: 'running', modelName: MODEL });
    expect(view.experiment.arms.map((a) => [a.name, a.role, a.version])).toEqual([
      ['production', 'control', production],
      ['candidate', 'shadow', (second.run.outcome as { version: number }).version],
    ]);

    // the ETL task delivered again (its worker died after it finished): the same version, nothing new
    const versions = (await storage.datasets.listVersions()).length;
    const again = await deliverAgain(env(), second.run.id, 'etl');
    expect(again?.output).toMatchObject({ datasetId: derivedId, status: 'unchanged' });
    expect(await storage.datasets.listVersions()).toHaveLength(versions);
    expect(await storage.datasets.readOrigins(derived.sourceId)).toHaveLength(NOVEL + HELD_OUT);
  }, 400_000);
});
