import { describe, expect, it } from 'vitest';
import { nextSteps } from '../next-steps.js';
import type { PipelinePlan, TaskSpec, TaskState } from '../pipeline-types.js';
import { planPipeline } from '../plan-pipeline.js';

function plan(tasks: Array<[string, string[]]>): PipelinePlan {
  const specTasks: TaskSpec[] = tasks.map(([id, dependsOn]) => ({ id, kind: 'noop', dependsOn }));
  return planPipeline({ name: 'p', tasks: specTasks }, {}, { knownKinds: new Set(['noop']) });
}

const diamond = plan([
  ['a', []],
  ['b', ['a']],
  ['c', ['a']],
  ['d', ['b', 'c']],
]);

/** retrain-shaped: fan-out to three trainings, fan-in to select, then a chain. */
const retrain = plan([
  ['etl', []],
  ['train-lr', ['etl']],
  ['train-dt', ['etl']],
  ['train-gb', ['etl']],
  ['select', ['train-lr', 'train-dt', 'train-gb']],
  ['register', ['select']],
  ['deploy', ['register']],
]);

function states(p: PipelinePlan, given: Record<string, TaskState>): Record<string, TaskState> {
  return Object.fromEntries(p.tasks.map((t) => [t.id, given[t.id] ?? 'pending']));
}

describe('nextSteps', () => {
  it('walks a diamond: root, both branches, then the join', () => {
    expect(nextSteps(diamond, states(diamond, {}))).toEqual({ ready: ['a'], blocked: [], run: 'running' });
    expect(nextSteps(diamond, states(diamond, { a: 'running' }))).toEqual({
      ready: [],
      blocked: [],
      run: 'running',
    });
    expect(nextSteps(diamond, states(diamond, { a: 'succeeded' }))).toEqual({
      ready: ['b', 'c'],
      blocked: [],
      run: 'running',
    });
    expect(nextSteps(diamond, states(diamond, { a: 'succeeded', b: 'succeeded', c: 'retrying' }))).toEqual({
      ready: [],
      blocked: [],
      run: 'running',
    });
    expect(nextSteps(diamond, states(diamond, { a: 'succeeded', b: 'succeeded', c: 'succeeded' }))).toEqual({
      ready: ['d'],
      blocked: [],
      run: 'running',
    });
    const done = { a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' } as const;
    expect(nextSteps(diamond, done)).toEqual({ ready: [], blocked: [], run: 'succeeded' });
  });

  it('fans out to the three trainings and fans in only when all three succeeded', () => {
    expect(nextSteps(retrain, states(retrain, { etl: 'succeeded' })).ready).toEqual([
      'train-lr',
      'train-dt',
      'train-gb',
    ]);
    const two = states(retrain, {
      etl: 'succeeded',
      'train-lr': 'succeeded',
      'train-dt': 'succeeded',
      'train-gb': 'queued',
    });
    expect(nextSteps(retrain, two)).toEqual({ ready: [], blocked: [], run: 'running' });
    two['train-gb'] = 'succeeded';
    expect(nextSteps(retrain, two)).toEqual({ ready: ['select'], blocked: [], run: 'running' });
  });

  it('blocks everything under a failed task, transitively, and keeps running while a sibling runs', () => {
    const s = states(retrain, {
      etl: 'succeeded',
      'train-lr': 'failed',
      'train-dt': 'running',
      'train-gb': 'succeeded',
    });
    expect(nextSteps(retrain, s)).toEqual({
      ready: [],
      blocked: ['select', 'register', 'deploy'],
      run: 'running',
    });
    s['train-dt'] = 'succeeded';
    expect(nextSteps(retrain, s)).toEqual({
      ready: [],
      blocked: ['select', 'register', 'deploy'],
      run: 'failed',
    });
  });

  it('fails a run once the blocked tasks are counted, and leaves already marked ones alone', () => {
    const s = states(diamond, { a: 'succeeded', b: 'failed', c: 'succeeded' });
    expect(nextSteps(diamond, s)).toEqual({ ready: [], blocked: ['d'], run: 'failed' });
    s.d = 'upstream_failed';
    expect(nextSteps(diamond, s)).toEqual({ ready: [], blocked: [], run: 'failed' });
  });

  it('still runs the other branch of a diamond when one branch failed', () => {
    const wide = plan([
      ['a', []],
      ['b', ['a']],
      ['c', ['a']],
      ['c2', ['c']],
      ['d', ['b', 'c2']],
    ]);
    const s = states(wide, { a: 'succeeded', b: 'failed', c: 'succeeded' });
    expect(nextSteps(wide, s)).toEqual({ ready: ['c2'], blocked: ['d'], run: 'running' });
  });

  it('reports a cancelled run before a failed one', () => {
    const s = states(diamond, { a: 'succeeded', b: 'cancelled', c: 'failed' });
    expect(nextSteps(diamond, s)).toEqual({ ready: [], blocked: ['d'], run: 'cancelled' });
    const all = { a: 'cancelled', b: 'cancelled', c: 'cancelled', d: 'cancelled' } as const;
    expect(nextSteps(diamond, all)).toEqual({ ready: [], blocked: [], run: 'cancelled' });
  });

  it('refuses a task without a state or with an unknown one', () => {
    expect(() => nextSteps(diamond, { a: 'pending' })).toThrow('task "b" of pipeline "p" has no state');
    const bad = { ...states(diamond, {}), c: 'done' as TaskState };
    expect(() => nextSteps(diamond, bad)).toThrow('task "c" of pipeline "p" has an unknown state "done"');
  });
});
