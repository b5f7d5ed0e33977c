/**
 * The standard `retrain` pipeline end to end on the bundled data (SQLite, local runner): ETL, three
 * trainings, registration, gate and each deploy mode; links, versions, idempotent registration, and
 * the same dataset version and artifacts when the same source is retrained.
 */
import { describe, expect, it } from 'vitest';
import type { PipelineRunView } from '../../src/services/index.js';
import { deliverAgain, useRetrainEnv } from './retrain-env.js';

const MODEL = 'sporeprint-secondary';

describe('retrain pipeline (SQLite, local runner)', () => {
  const env = useRetrainEnv('sp-retrain-');

  const output = (view: PipelineRunView, id: string) =>
    view.tasks.find((t) => t.taskId === id)?.output as never;
  const artifactsOf = (view: PipelineRunView) =>
    Object.fromEntries(
      view.tasks
        .filter((t) => t.kind === 'train')
        .map((t) => [t.taskId, (t.output as { artifactSha256: string }).artifactSha256]),
    );
  const linksOf = (view: PipelineRunView, kind: string) =>
    view.links.filter((l) => l.kind === kind).map((l) => l.ref);

  it('promotes, stops for a human, shadows; links what it made; registers once per run', async () => {
    const { pipelines, registry, experiments } = env();
    const { service } = pipelines;
    const first = await service.waitFor(
      (await service.start('retrain', { deploy: 'promote' }, { kind: 'manual' })).id,
    );
    expect(first.run.state, JSON.stringify(first.tasks.map((t) => [t.taskId, t.state, t.error]))).toBe(
      'succeeded',
    );
    expect(first.run.outcome).toMatchObject({ outcome: 'promoted', modelName: MODEL });
    const promoted = (first.run.outcome as { version: number }).version;
    const { datasetId } = output(first, 'etl') as { datasetId: string };
    expect(linksOf(first, 'dataset')).toEqual([datasetId]);
    expect(linksOf(first, 'training-run')).toHaveLength(3);
    expect(linksOf(first, 'model-version').sort()).toEqual([`${MODEL}:1`, `${MODEL}:2`, `${MODEL}:3`]);
    const details = await registry.show(MODEL);
    expect(details.versions).toHaveLength(3);
    expect(details.model.productionVersion).toBe(promoted);
    expect(details.versions.every((v) => v.tags.pipelineRun === first.run.id)).toBe(true);
    expect(first.tasks.find((t) => t.taskId === 'gate')?.output).toMatchObject({
      passed: true,
      version: promoted,
    });

    // the register task delivered again while the run is on (its worker died after registering):
    // nothing new is registered
    const register = first.tasks.find((t) => t.taskId === 'register');
    expect(register).toBeDefined();
    const again = await deliverAgain(env(), first.run.id, 'register');
    expect(again?.output).toEqual(register?.output);
    expect((await registry.show(MODEL)).versions).toHaveLength(3);
    expect((await service.show(first.run.id)).run.state).toBe('succeeded');

    // the same source again, stopping for a human: same dataset version and artifacts
    const second = await service.waitFor(
      (await service.start('retrain', { deploy: 'stop' }, { kind: 'api' })).id,
    );
    expect(second.run.state).toBe('succeeded');
    expect(second.run.outcome).toMatchObject({ outcome: 'stopped', modelName: MODEL });
    expect(output(second, 'etl')).toMatchObject({ datasetId, status: 'unchanged' });
    expect(artifactsOf(second)).toEqual(artifactsOf(first));
    expect((await registry.show(MODEL)).versions).toHaveLength(6);
    expect((await registry.show(MODEL)).model.productionVersion).toBe(promoted);

    // shadow: the candidate scores beside Production in a running experiment
    const third = await service.waitFor(
      (await service.start('retrain', { deploy: 'shadow' }, { kind: 'manual' })).id,
    );
    expect(third.run.outcome).toMatchObject({ outcome: 'shadow', production: promoted });
    const [experiment] = linksOf(third, 'experiment');
    const view = await experiments.show(experiment);
    expect(view.experiment).toMatchObject({ status: 'running', modelName: MODEL });
    expect(view.experiment.arms.map((a) => [a.name, a.role])).toEqual([
      ['production', 'control'],
      ['candidate', 'shadow'],
    ]);
  }, 400_000);
});
