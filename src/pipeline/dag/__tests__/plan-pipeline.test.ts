import { describe, expect, it } from 'vitest';
import { SporeprintError } from '../../../core/index.js';
import type { PipelineSpec, TaskSpec } from '../pipeline-types.js';
import { checkPipelineSpec, planPipeline } from '../plan-pipeline.js';

const kinds = new Set(['etl', 'train', 'select', 'noop']);
const opts = { knownKinds: kinds };

function spec(tasks: TaskSpec[], extra: Partial<PipelineSpec> = {}): PipelineSpec {
  return { name: 'p', tasks, ...extra };
}

/** The problems planPipeline reports for a spec, or fails when it does not throw. */
function problemsOf(s: unknown, params: unknown = {}): string[] {
  try {
    planPipeline(s as PipelineSpec, params as Record<string, unknown>, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(SporeprintError);
    const err = e as SporeprintError;
    expect(err.code).toBe('SP_ERR_PIPELINE_SPEC');
    const problems = err.details?.specProblems as string[];
    for (const p of problems) expect(err.message).toContain(p);
    return problems;
  }
  throw new Error('expected planPipeline to throw');
}

describe('planPipeline', () => {
  it('orders a diamond topologically, ties by spec order, with defaults filled', () => {
    const plan = planPipeline(
      spec([
        { id: 'd', kind: 'noop', dependsOn: ['b', 'c'] },
        { id: 'c', kind: 'noop', dependsOn: ['a'] },
        { id: 'b', kind: 'noop', dependsOn: ['a'] },
        { id: 'a', kind: 'noop' },
      ]),
      {},
      opts,
    );
    expect(plan.pipeline).toBe('p');
    expect(plan.tasks.map((t) => t.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(plan.tasks[0]).toEqual({
      id: 'a',
      kind: 'noop',
      dependsOn: [],
      params: {},
      retry: { maxAttempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 300000, jitter: 'full' },
      timeoutMs: null,
    });
    expect(plan.tasks[3].dependsOn).toEqual(['b', 'c']);
  });

  it('keeps a spec already in topological order as it is (ties: the earliest ready task in the spec)', () => {
    const plan = planPipeline(
      spec([
        { id: 'x', kind: 'noop' },
        { id: 'y', kind: 'noop', dependsOn: ['x'] },
        { id: 'z', kind: 'noop' },
        { id: 'w', kind: 'noop' },
      ]),
      {},
      opts,
    );
    // Kahn: x, z, w are ready at first; after x, y is ready too and comes first in the spec
    expect(plan.tasks.map((t) => t.id)).toEqual(['x', 'y', 'z', 'w']);
    const reversed = planPipeline(
      spec([
        { id: 'y', kind: 'noop', dependsOn: ['x'] },
        { id: 'w', kind: 'noop' },
        { id: 'x', kind: 'noop' },
      ]),
      {},
      opts,
    );
    expect(reversed.tasks.map((t) => t.id)).toEqual(['w', 'x', 'y']);
  });

  it('applies spec.defaults before the task own retry and timeout', () => {
    const plan = planPipeline(
      spec(
        [
          { id: 'a', kind: 'noop' },
          { id: 'b', kind: 'noop', retry: { retries: 1, jitter: 'none' }, timeoutMs: 50 },
        ],
        { defaults: { retry: { retries: 3, delayMs: 10, maxDelayMs: 100 }, timeoutMs: 1000 } },
      ),
      {},
      opts,
    );
    expect(plan.tasks[0].retry).toEqual({
      maxAttempts: 4,
      delayMs: 10,
      factor: 2,
      maxDelayMs: 100,
      jitter: 'full',
    });
    expect(plan.tasks[0].timeoutMs).toBe(1000);
    expect(plan.tasks[1].retry).toEqual({
      maxAttempts: 2,
      delayMs: 10,
      factor: 2,
      maxDelayMs: 100,
      jitter: 'none',
    });
    expect(plan.tasks[1].timeoutMs).toBe(50);
  });

  it('resolves parameters: defaults, CLI strings coerced, $param replaced at any depth', () => {
    const s = spec(
      [
        {
          id: 'a',
          kind: 'train',
          params: {
            model: 'tree',
            n: { $param: 'n' },
            deep: { list: [{ $param: 'flag' }, 1], mode: { $param: 'mode' } },
            opt: { $param: 'optional' },
          },
        },
      ],
      {
        params: {
          n: { type: 'number', default: 1 },
          flag: { type: 'boolean', default: false },
          mode: { type: 'string', enum: ['stop', 'promote'], default: 'stop' },
          optional: { type: 'string' },
          source: { type: 'string', required: true },
        },
      },
    );
    const plan = planPipeline(s, { n: '3', flag: 'true', source: 'a.csv' }, opts);
    expect(plan.params).toEqual({ n: 3, flag: true, mode: 'stop', source: 'a.csv' });
    expect(plan.tasks[0].params).toEqual({
      model: 'tree',
      n: 3,
      deep: { list: [true, 1], mode: 'stop' },
      opt: null,
    });
    const typed = planPipeline(s, { n: 2.5, flag: false, mode: 'promote', source: 'b.csv' }, opts);
    expect(typed.params).toEqual({ n: 2.5, flag: false, mode: 'promote', source: 'b.csv' });
  });

  it('returns a deeply frozen plan', () => {
    const plan = planPipeline(
      spec([{ id: 'a', kind: 'noop', params: { x: { y: [1] } } }], {
        params: { k: { type: 'number', default: 1 } },
      }),
      {},
      opts,
    );
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.tasks)).toBe(true);
    expect(Object.isFrozen(plan.tasks[0])).toBe(true);
    expect(Object.isFrozen(plan.tasks[0].retry)).toBe(true);
    expect(Object.isFrozen(plan.tasks[0].dependsOn)).toBe(true);
    expect(Object.isFrozen((plan.tasks[0].params.x as { y: number[] }).y)).toBe(true);
    expect(Object.isFrozen(plan.params)).toBe(true);
  });

  it('does not freeze or change the spec', () => {
    const s = spec([{ id: 'a', kind: 'noop', dependsOn: [], params: { p: 1 } }]);
    planPipeline(s, {}, opts);
    expect(Object.isFrozen(s)).toBe(false);
    expect(Object.isFrozen(s.tasks[0].params)).toBe(false);
  });

  it('names a cycle along its edges, in run order', () => {
    const problems = problemsOf(
      spec([
        { id: 'a', kind: 'noop', dependsOn: ['c'] },
        { id: 'b', kind: 'noop', dependsOn: ['a'] },
        { id: 'c', kind: 'noop', dependsOn: ['b'] },
        { id: 'd', kind: 'noop', dependsOn: ['c'] },
      ]),
    );
    expect(problems).toEqual(['dependency cycle: a → b → c → a']);
  });

  it('names each of two separate cycles, and a two-task cycle', () => {
    const problems = problemsOf(
      spec([
        { id: 'root', kind: 'noop' },
        { id: 'x', kind: 'noop', dependsOn: ['root', 'y'] },
        { id: 'y', kind: 'noop', dependsOn: ['x'] },
        { id: 'p', kind: 'noop', dependsOn: ['r'] },
        { id: 'q', kind: 'noop', dependsOn: ['p'] },
        { id: 'r', kind: 'noop', dependsOn: ['q'] },
      ]),
    );
    expect(problems).toEqual(['dependency cycle: x → y → x', 'dependency cycle: p → q → r → p']);
  });

  it('reports unknown and self dependencies, naming both tasks', () => {
    const problems = problemsOf(
      spec([
        { id: 'a', kind: 'noop', dependsOn: ['a'] },
        { id: 'b', kind: 'noop', dependsOn: ['ghost'] },
      ]),
    );
    expect(problems).toEqual(['task "a" depends on itself', 'task "b" depends on unknown task "ghost"']);
  });

  it('reports bad and duplicate ids, unknown kinds and an empty task list', () => {
    expect(problemsOf(spec([]))).toEqual(['the pipeline has no tasks']);
    expect(problemsOf({ name: 'Bad Name!', tasks: [{ id: 'a', kind: 'noop' }] })).toEqual([
      'pipeline name "Bad Name!" must match ^[a-z0-9][a-z0-9_-]{0,62}$',
    ]);
    const problems = problemsOf(
      spec([
        { id: 'A', kind: 'noop' },
        { id: 'b', kind: 'noop' },
        { id: 'b', kind: 'mystery' },
        { id: 'x'.repeat(64), kind: 'noop' },
      ]),
    );
    expect(problems).toEqual([
      'task id "A" must match ^[a-z0-9][a-z0-9_-]{0,62}$',
      'task "b": unknown kind "mystery" (known kinds: etl, noop, select, train)',
      `task id "${'x'.repeat(64)}" must match ^[a-z0-9][a-z0-9_-]{0,62}$`,
      'duplicate task id "b"',
    ]);
  });

  it('reports a spec that is not the right shape instead of crashing', () => {
    expect(problemsOf(null)).toEqual([
      'pipeline name undefined must match ^[a-z0-9][a-z0-9_-]{0,62}$',
      'tasks must be a list, got undefined',
    ]);
    expect(problemsOf({ name: 'p', tasks: [1, { id: 'a', kind: 'noop', dependsOn: 'b' }] })).toEqual([
      'task #1 must be an object, got 1',
      'task "a": dependsOn must be a list of task ids, got "b"',
    ]);
    expect(problemsOf(spec([{ id: 'a', kind: 'noop' }]), 'x=1')).toEqual([
      'run parameters must be an object, got "x=1"',
    ]);
  });

  it('reports every parameter problem at once', () => {
    const s = spec([{ id: 'a', kind: 'noop', params: { v: { $param: 'nope' } } }], {
      params: {
        n: { type: 'number' },
        b: { type: 'boolean' },
        s: { type: 'string', enum: ['x', 'y'] },
        need: { type: 'string', required: true },
        t: { type: 'string' },
      },
    });
    const problems = problemsOf(s, { n: 'three', b: 'yes', s: 'z', extra: 1, t: 5 });
    expect(problems).toEqual([
      'unknown parameter "extra" (it takes: n, b, s, need, t)',
      'parameter "n" must be a number, got value "three"',
      'parameter "b" must be a boolean, got value "yes"',
      'parameter "s" must be one of "x", "y", got value "z"',
      'missing required parameter "need"',
      'parameter "t" must be a string, got value 5',
      'task "a": param "v" refers to undeclared parameter "nope"',
    ]);
    expect(problemsOf(s, { n: '', need: 'x' })).toEqual([
      'parameter "n" must be a number, got value ""',
      'task "a": param "v" refers to undeclared parameter "nope"',
    ]);
    expect(problemsOf(spec([{ id: 'a', kind: 'noop' }]), { n: 1 })).toEqual([
      'unknown parameter "n" (it takes none)',
    ]);
  });

  it('reports bad parameter declarations', () => {
    const problems = problemsOf(
      spec([{ id: 'a', kind: 'noop' }], {
        params: {
          a: { type: 'date' as 'string' },
          b: { type: 'number', default: 'x' as unknown as number },
          c: { type: 'string', enum: ['x'], default: 'y' },
          d: { type: 'number', enum: ['1'] },
        },
      }),
    );
    expect(problems).toEqual([
      'parameter "a": type must be "string", "number" or "boolean", got "date"',
      'parameter "b" must be a number, got default "x"',
      'parameter "c" must be one of "x", got default "y"',
      'parameter "d": enum is only allowed on string parameters',
    ]);
  });

  it('reports bad retry numbers and timeouts, in the task and in the defaults', () => {
    const problems = problemsOf(
      spec(
        [
          { id: 'a', kind: 'noop', retry: { retries: -1, factor: 0.5, delayMs: -1 }, timeoutMs: 0 },
          {
            id: 'b',
            kind: 'noop',
            retry: { retries: 1.5, maxDelayMs: Number.NaN, jitter: 'some' as 'full' },
          },
          { id: 'c', kind: 'noop', timeoutMs: -5, retry: { tries: 2 } as never },
        ],
        { defaults: { retry: { factor: 0 }, timeoutMs: Number.POSITIVE_INFINITY } },
      ),
    );
    expect(problems).toEqual([
      'task "a": retry.retries must be a non-negative integer, got -1',
      'task "a": retry.delayMs must be a number from 0 to 2147483647, got -1',
      'task "a": retry.factor must be a finite number ≥ 1, got 0.5',
      'task "a": timeoutMs must be a number > 0 and ≤ 2147483647, got 0',
      'task "b": retry.retries must be a non-negative integer, got 1.5',
      'task "b": retry.maxDelayMs must be a number from 0 to 2147483647, got NaN',
      'task "b": retry.jitter must be "full" or "none", got "some"',
      'task "c": retry has an unknown field "tries"',
      'task "c": timeoutMs must be a number > 0 and ≤ 2147483647, got -5',
      'defaults: retry.factor must be a finite number ≥ 1, got 0',
      'defaults: timeoutMs must be a number > 0 and ≤ 2147483647, got Infinity',
    ]);
  });

  it('lists problems of different kinds in one error with a readable message', () => {
    try {
      planPipeline(
        spec([
          { id: 'a', kind: 'nope', dependsOn: ['b'] },
          { id: 'b', kind: 'noop', dependsOn: ['a'] },
        ]),
        { x: 1 },
        opts,
      );
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe(
        'pipeline "p" is invalid (3 problems): task "a": unknown kind "nope" (known kinds: etl, noop, select, train); ' +
          'dependency cycle: a → b → a; unknown parameter "x" (it takes none)',
      );
    }
  });
});

describe('checkPipelineSpec', () => {
  const s = spec([{ id: 'a', kind: 'custom', params: { src: { $param: 'source' } } }], {
    params: { source: { type: 'string', required: true } },
  });

  it('validates a spec without run parameters, and kinds only when given', () => {
    expect(() => checkPipelineSpec(s)).not.toThrow();
    expect(() => checkPipelineSpec(s, { knownKinds: kinds })).toThrow(
      'pipeline "p" is invalid (1 problem): task "a": unknown kind "custom" (known kinds: etl, noop, select, train)',
    );
  });

  it('reports structural problems and undeclared $param references', () => {
    try {
      checkPipelineSpec(
        spec([
          { id: 'a', kind: '', dependsOn: ['b'], params: { x: { $param: 'nope' } } },
          { id: 'b', kind: 'noop', dependsOn: ['a'] },
        ]),
      );
      expect.unreachable();
    } catch (e) {
      expect((e as SporeprintError).details?.specProblems).toEqual([
        'task "a": kind must be a non-empty string, got ""',
        'dependency cycle: a → b → a',
        'task "a": param "x" refers to undeclared parameter "nope"',
      ]);
    }
  });
});
