import { describe, expect, it } from 'vitest';
import type { PipelinePlan } from '../pipeline-types.js';
import { planPipeline } from '../plan-pipeline.js';
import { resetSet } from '../reset-set.js';

const plan: PipelinePlan = planPipeline(
  {
    name: 'p',
    tasks: [
      { id: 'etl', kind: 'noop' },
      { id: 'lr', kind: 'noop', dependsOn: ['etl'] },
      { id: 'dt', kind: 'noop', dependsOn: ['etl'] },
      { id: 'select', kind: 'noop', dependsOn: ['lr', 'dt'] },
      { id: 'deploy', kind: 'noop', dependsOn: ['select'] },
      { id: 'report', kind: 'noop', dependsOn: ['lr'] },
      { id: 'side', kind: 'noop', dependsOn: ['etl'] },
    ],
  },
  {},
  { knownKinds: new Set(['noop']) },
);

describe('resetSet', () => {
  it('resets the failed task and everything downstream, in plan order, and keeps the rest', () => {
    expect(
      resetSet(plan, {
        etl: 'succeeded',
        lr: 'succeeded',
        dt: 'failed',
        select: 'upstream_failed',
        deploy: 'upstream_failed',
        report: 'succeeded',
        side: 'succeeded',
      }),
    ).toEqual(['dt', 'select', 'deploy']);
  });

  it('includes cancelled tasks and their downstream, even ones still pending', () => {
    expect(
      resetSet(plan, {
        etl: 'succeeded',
        lr: 'cancelled',
        dt: 'succeeded',
        select: 'pending',
        deploy: 'pending',
        report: 'cancelled',
        side: 'failed',
      }),
    ).toEqual(['lr', 'select', 'deploy', 'report', 'side']);
  });

  it('resets nothing in a succeeded run', () => {
    expect(resetSet(plan, Object.fromEntries(plan.tasks.map((t) => [t.id, 'succeeded'])))).toEqual([]);
  });
});
