import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/index.js';
import { DecisionPolicy } from '../index.js';

function scores(n: number, seed: number): { y: Uint8Array; p: Float64Array } {
  const rng = new Rng(seed);
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.next() < 0.55 ? 1 : 0;
    // overlapping scores: poisonous skew high, edible skew low
    p[i] = y[i] === 1 ? Math.sqrt(rng.next()) : rng.next() ** 2;
  }
  return { y, p };
}

describe('DecisionPolicy', () => {
  const val = scores(5000, 1);

  for (const target of [0.9, 0.99, 0.999, 1]) {
    it(`keeps validation recall ≥ ${target} and is the largest such threshold`, () => {
      const policy = DecisionPolicy.fit(val.y, val.p, { targetRecall: target, maxEdibleBelow: 1 });
      const r = policy.report(val.y, val.p);
      expect(r.recall).toBeGreaterThanOrEqual(target - 1e-12);
      // nudging the threshold up by one more poisonous row would break the target
      const pos = Array.from(val.p.filter((_, i) => val.y[i] === 1)).sort((a, b) => a - b);
      const misses = pos.filter((v) => v < policy.edibleBelow).length;
      const next = pos.find((v) => v > policy.edibleBelow);
      if (next !== undefined) {
        const missesNext = pos.filter((v) => v < next).length;
        expect((pos.length - missesNext) / pos.length).toBeLessThan(target);
      }
      expect(misses).toBe(r.falseEdible);
      expect(policy.poisonousAtOrAbove).toBeGreaterThanOrEqual(Math.max(0.5, policy.edibleBelow));
    });
  }

  it('answers edible only strictly below the threshold: a tie is never edible', () => {
    const y = Uint8Array.from([1, 0, 0, 1]);
    const p = Float64Array.from([0.2, 0.2, 0.1, 0.9]);
    const policy = DecisionPolicy.fit(y, p, { targetRecall: 1, maxEdibleBelow: 1 });
    expect(policy.edibleBelow).toBe(0.2);
    expect(policy.decide(0.2)).toBe(2);
    expect(policy.decide(0.1)).toBe(0);
    expect(policy.decide(0.5)).toBe(1);
    expect(policy.decide(Number.NaN)).toBe(2);
    expect(Array.from(policy.decideBatch(p))).toEqual([2, 2, 0, 1]);
  });

  it('never answers edible at p ≥ 0.1 however well validation separates the classes', () => {
    const y = Uint8Array.from([1, 1, 1, 0, 0, 0]);
    const p = Float64Array.from([0.97, 0.99, 1, 0.01, 0.02, 0.03]);
    const policy = DecisionPolicy.fit(y, p, { targetRecall: 0.999 });
    expect(policy.edibleBelow).toBe(0.1);
    expect(policy.decide(0.9)).toBe(1);
    expect(policy.decide(0.3)).toBe(2);
    expect(policy.decide(0.09)).toBe(0);
    expect(DecisionPolicy.fit(y, p, { maxEdibleBelow: 0.2 }).edibleBelow).toBe(0.2);
    expect(() => DecisionPolicy.fit(y, p, { maxEdibleBelow: 2 })).toThrow(/maxEdibleBelow/);
  });

  it('honours poisonThreshold and never lets it fall below edibleBelow', () => {
    const policy = DecisionPolicy.fit(val.y, val.p, { targetRecall: 0.9, poisonThreshold: 0.8 });
    expect(policy.poisonousAtOrAbove).toBe(0.8);
    const low = DecisionPolicy.fit(val.y, val.p, {
      targetRecall: 0.5,
      poisonThreshold: 0.01,
      maxEdibleBelow: 1,
    });
    expect(low.poisonousAtOrAbove).toBe(low.edibleBelow);
  });

  it('reports uncertain share, false-edible and recall on a test set', () => {
    const policy = DecisionPolicy.fit(val.y, val.p);
    const test = scores(5000, 2);
    const r = policy.report(test.y, test.p);
    expect(r.n).toBe(5000);
    expect(r.edible + r.poisonous + r.uncertain).toBe(5000);
    expect(r.uncertainShare).toBeGreaterThan(0);
    expect(r.recall).toBeGreaterThan(0.99);
  });

  it('round-trips through JSON and rejects bad files', () => {
    const policy = DecisionPolicy.fit(val.y, val.p);
    const back = DecisionPolicy.fromJSON(JSON.parse(JSON.stringify(policy.toJSON())));
    expect(Array.from(back.decideBatch(val.p))).toEqual(Array.from(policy.decideBatch(val.p)));
    expect(() => DecisionPolicy.fromJSON({ ...policy.toJSON(), edibleBelow: 'x' })).toThrow(
      expect.objectContaining({
        code: 'SP_ERR_MODEL_FORMAT',
        message: expect.stringContaining('/edibleBelow'),
      }),
    );
    expect(() => DecisionPolicy.fromJSON({ ...policy.toJSON(), poisonousAtOrAbove: 0 })).toThrow(
      expect.objectContaining({ code: 'SP_ERR_MODEL_FORMAT' }),
    );
  });

  it('refuses validation sets without poisonous rows and bad options', () => {
    expect(() => DecisionPolicy.fit(Uint8Array.from([0, 0]), Float64Array.from([0.1, 0.2]))).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
    expect(() => DecisionPolicy.fit(val.y, val.p, { targetRecall: 0 })).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_PARAM', message: expect.stringContaining('targetRecall') }),
    );
    expect(() => DecisionPolicy.fit(val.y, val.p.subarray(1))).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
  });
});
