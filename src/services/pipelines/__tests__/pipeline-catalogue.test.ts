import { describe, expect, it } from 'vitest';
import { isSporeprintError } from '../../../core/index.js';
import type { PipelineSpec } from '../../../pipeline/index.js';
import { type CatalogueModule, PipelineCatalogue } from '../pipeline-catalogue.js';
import { retrainParamProblems, retrainPipeline } from '../retrain-pipeline.js';

const noop = async () => null;
const spec = (name: string, kind = 'a'): PipelineSpec => ({ name, tasks: [{ id: 't', kind }] });
const mod = (source: string, module: CatalogueModule['module']): CatalogueModule => ({ source, module });

function failure(build: () => unknown): { code: string; message: string } {
  try {
    build();
  } catch (e) {
    if (isSporeprintError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('PipelineCatalogue', () => {
  it('holds pipelines and kinds of several modules; unknown names are errors naming the known ones', () => {
    const c = new PipelineCatalogue([
      mod('one.ts', { pipelines: [spec('p1')], tasks: { a: noop } }),
      mod('two.ts', { pipelines: [spec('p2', 'b')], tasks: { b: noop } }),
    ]);
    expect(c.names()).toEqual(['p1', 'p2']);
    expect([...c.kinds()].sort()).toEqual(['a', 'b']);
    expect(c.list().map((p) => [p.name, p.source])).toEqual([
      ['p1', 'one.ts'],
      ['p2', 'two.ts'],
    ]);
    expect(failure(() => c.get('p3'))).toEqual({
      code: 'SP_ERR_NOT_FOUND',
      message: 'unknown pipeline "p3" (known: p1, p2)',
    });
    expect(failure(() => c.handler('c'))).toMatchObject({
      code: 'SP_ERR_NOT_FOUND',
      message: /unknown task kind "c" \(known: a, b\)/,
    });
    expect(c.plan(c.get('p1'), {}).tasks.map((t) => t.id)).toEqual(['t']);
  });

  it('refuses modules that do not hold together, naming the module', () => {
    const cases: [CatalogueModule[], RegExp][] = [
      [
        [
          mod('x.ts', { pipelines: [spec('p')], tasks: { a: noop } }),
          mod('y.ts', { pipelines: [spec('p')] }),
        ],
        /y\.ts: pipeline "p" is already defined by x\.ts/,
      ],
      [
        [mod('x.ts', { tasks: { a: noop } }), mod('y.ts', { tasks: { a: noop } })],
        /y\.ts: task kind "a" is already defined by x\.ts/,
      ],
      [[mod('x.ts', { tasks: { a: 'nope' as never } })], /x\.ts: task kind "a" is not a function/],
      [[mod('x.ts', {})], /x\.ts: exports neither `pipelines` nor `tasks`/],
      [[mod('x.ts', { pipelines: {} as never })], /x\.ts: `pipelines` must be an array/],
      [
        [mod('x.ts', { pipelines: [spec('p', 'ghost')] })],
        /x\.ts: pipeline "p" is invalid: .*unknown kind "ghost"/,
      ],
      [
        [
          mod('x.ts', {
            pipelines: [{ name: 'p', tasks: [{ id: 't', kind: 'a', dependsOn: ['t'] }] }],
            tasks: { a: noop },
          }),
        ],
        /x\.ts: pipeline "p" is invalid/,
      ],
    ];
    for (const [modules, message] of cases) {
      const f = failure(() => new PipelineCatalogue(modules));
      expect(f.code).toBe('SP_ERR_CONFIG');
      expect(f.message).toMatch(message);
    }
  });

  it("applies a pipeline's own parameter checks after the types", () => {
    const retrain = retrainPipeline({ source: 'data.csv', modelName: 'm', deploy: 'stop' });
    const kinds = Object.fromEntries(
      ['etl', 'train', 'select', 'register', 'gate', 'deploy'].map((k) => [k, noop]),
    );
    const c = new PipelineCatalogue([
      {
        source: 'built-in',
        module: { pipelines: [retrain], tasks: kinds },
        paramChecks: { retrain: retrainParamProblems },
      },
    ]);
    expect(c.plan(retrain, { experimentTraffic: '0.25' }).params.experimentTraffic).toBe(0.25);
    expect(c.plan(retrain, { includeFeedback: 'true' }).params.includeFeedback).toBe(true);
    const bad = failure(() => c.plan(retrain, { experimentTraffic: 1, includeFeedback: 'true' }));
    expect(bad.code).toBe('SP_ERR_PIPELINE_SPEC');
    expect(bad.message).toMatch(/experimentTraffic must lie strictly between 0 and 1, got 1/);
    expect(bad.message).not.toMatch(/includeFeedback/);
    expect(failure(() => c.plan(retrain, { includeFeedback: 'maybe' })).message).toMatch(/includeFeedback/);
    expect(failure(() => c.plan(retrain, { deploy: 'yolo' })).message).toMatch(/deploy/);
  });
});
