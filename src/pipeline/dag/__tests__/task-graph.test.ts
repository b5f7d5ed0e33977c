import { describe, expect, it } from 'vitest';
import { downstreamOf, findCycles, topologicalOrder, upstreamOf } from '../task-graph.js';

const diamond = [
  { id: 'a' },
  { id: 'b', dependsOn: ['a'] },
  { id: 'c', dependsOn: ['a'] },
  { id: 'd', dependsOn: ['b', 'c'] },
  { id: 'e', dependsOn: ['d'] },
  { id: 'lone' },
];

describe('task graph helpers', () => {
  it('finds what lies downstream and upstream, in the given order', () => {
    expect(downstreamOf({ tasks: diamond }, 'a')).toEqual(['b', 'c', 'd', 'e']);
    expect(downstreamOf({ tasks: diamond }, 'c')).toEqual(['d', 'e']);
    expect(downstreamOf({ tasks: diamond }, 'e')).toEqual([]);
    expect(upstreamOf({ tasks: diamond }, 'e')).toEqual(['a', 'b', 'c', 'd']);
    expect(upstreamOf({ tasks: diamond }, 'b')).toEqual(['a']);
    expect(upstreamOf({ tasks: diamond }, 'lone')).toEqual([]);
    expect(downstreamOf({ tasks: diamond }, 'unknown')).toEqual([]);
  });

  it('orders topologically and reports what a cycle leaves over', () => {
    expect(topologicalOrder(diamond)).toEqual({ order: ['a', 'b', 'c', 'd', 'e', 'lone'], leftOver: [] });
    const cyclic = [
      { id: 'a', dependsOn: ['c'] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b'] },
      { id: 'x' },
    ];
    expect(topologicalOrder(cyclic)).toEqual({ order: ['x'], leftOver: ['a', 'b', 'c'] });
  });

  it('names the shortest cycle through the first task of each strongly connected part', () => {
    const tasks = [
      { id: 'a', dependsOn: ['d'] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b'] },
      { id: 'd', dependsOn: ['c', 'b'] },
      { id: 's', dependsOn: ['s'] },
    ];
    // a → b → d → a is shorter than a → b → c → d → a
    expect(findCycles(tasks)).toEqual([
      ['a', 'b', 'd', 'a'],
      ['s', 's'],
    ]);
    expect(findCycles(diamond)).toEqual([]);
  });

  it('handles a long chain without deep recursion', () => {
    const chain = Array.from({ length: 20000 }, (_, i) => ({
      id: `t${i}`,
      dependsOn: i > 0 ? [`t${i - 1}`] : [],
    }));
    chain[0] = { id: 't0', dependsOn: ['t19999'] };
    const cycles = findCycles(chain);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(20001);
    expect(topologicalOrder(chain.slice(1)).order).toHaveLength(19999);
  });
});
