import { describe, expect, it } from 'vitest';
import { ArmRanges, assignmentPoint, experimentSeed, unitPoint } from '../assignment.js';

const shares = (ranges: ArmRanges, seed: number, n: number, unit: (i: number) => string): number[] => {
  const counts = new Array<number>(ranges.size).fill(0);
  for (let i = 0; i < n; i++) counts[ranges.pick(unitPoint(seed, unit(i)))]++;
  return counts.map((c) => c / n);
};

describe('assignment: a hash of experiment and unit into weighted arm ranges', () => {
  it('is FNV-1a 32-bit of "experimentId:unit" (checked against the reference vectors)', () => {
    // FNV-1a 32-bit reference values: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968;
    // the seed of experiment "foo" is the state after "foo:"; the unit's point mixes the rest
    expect(experimentSeed('')).toBe(fnvRef(':'));
    expect(fnvRef('a')).toBe(0xe40c292c);
    expect(fnvRef('foobar')).toBe(0xbf9cf968);
    expect(experimentSeed('foo')).toBe(fnvRef('foo:'));
    expect(assignmentPoint('foo', 'bar')).toBe(unitPoint(experimentSeed('foo'), 'bar'));
  });

  it('gives each unit the same point every time, in [0, 1), and different experiments different points', () => {
    const seed = experimentSeed('exp-0123456789ab');
    let differ = 0;
    for (let i = 0; i < 10_000; i++) {
      const u = unitPoint(seed, `client-${i}`);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(unitPoint(experimentSeed('exp-0123456789ab'), `client-${i}`)).toBe(u);
      if (assignmentPoint('exp-other', `client-${i}`) !== u) differ++;
    }
    expect(differ).toBe(10_000);
  });

  it.each([[[50, 50]], [[90, 10]], [[1, 1, 1]], [[70, 20, 10]]])(
    'over 100,000 units the arm shares are within ±1%% of weights %j',
    (weights) => {
      const total = weights.reduce((a, b) => a + b, 0);
      const ranges = new ArmRanges(weights);
      for (const [experiment, unit] of [
        ['exp-a1b2c3d4e5f6', (i: number) => `client-${i}`],
        ['checkout-2024', (i: number) => `${(i * 7919).toString(16)}-user`],
        ['exp-000000000001', (i: number) => `0190f3c2-7b1e-7${String(i).padStart(3, '0')}-8000-000000000000`],
      ] as const) {
        const got = shares(ranges, experimentSeed(experiment), 100_000, unit);
        got.forEach((s, i) => {
          expect(Math.abs(s - weights[i] / total)).toBeLessThan(0.01);
        });
      }
    },
  );

  it('a weight change moves only the units between the old and new boundary', () => {
    const seed = experimentSeed('exp-reweight');
    const before = new ArmRanges([50, 50]);
    const after = new ArmRanges([30, 70]);
    let moved = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = unitPoint(seed, `c${i}`);
      const a = before.pick(u);
      const b = after.pick(u);
      if (a !== b) {
        moved++;
        // only control units whose point lies in [0.3, 0.5) move, and only to the challenger
        expect([a, b]).toEqual([0, 1]);
        expect(u).toBeGreaterThanOrEqual(0.3);
        expect(u).toBeLessThan(0.5);
      }
    }
    expect(Math.abs(moved / 100_000 - 0.2)).toBeLessThan(0.01);
    // a third arm added at the end takes its range from the end: arm 0 keeps every unit below 0.5·0.8
    const three = new ArmRanges([40, 40, 20]);
    expect(three.pick(0.39)).toBe(0);
    expect(three.pick(0.79)).toBe(1);
    expect(three.pick(0.8)).toBe(2);
  });

  it('an arm of weight 0 gets no unit, the last positive arm ends at 1', () => {
    const ranges = new ArmRanges([0, 1, 0, 3, 0]);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(ranges.pick(assignmentPoint('e', String(i))));
    expect([...seen].sort()).toEqual([1, 3]);
    expect(ranges.pick(0.999_999_999_9)).toBe(3);
  });

  it('refuses weights that are negative, not finite, or sum to zero', () => {
    expect(() => new ArmRanges([50, -1])).toThrow(/arm weight -1 is not a finite number ≥ 0/);
    expect(() => new ArmRanges([Number.NaN, 1])).toThrow(/arm weight NaN/);
    expect(() => new ArmRanges([Number.POSITIVE_INFINITY])).toThrow(/Infinity/);
    expect(() => new ArmRanges([0, 0])).toThrow(/sum to a positive number/);
    expect(() => new ArmRanges([])).toThrow(/sum to a positive number/);
  });
});

/** FNV-1a 32-bit of an ASCII string, written out plainly (the reference the seed is checked against). */
function fnvRef(text: string): number {
  let h = 2166136261;
  for (const ch of Buffer.from(text, 'utf8')) {
    h = (h ^ ch) >>> 0;
    h = Number((BigInt(h) * 16777619n) % 4294967296n);
  }
  return h;
}
