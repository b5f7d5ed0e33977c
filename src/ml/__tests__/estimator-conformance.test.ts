import { describe, expect, it } from 'vitest';
import { type FeatureInfo, type Matrix, matrixFromRows, NotFittedError } from '../../core/index.js';
import type { Estimator } from '../estimator.js';
import { GradientBoostingClassifier } from '../gbt/index.js';
import { LogisticRegression } from '../logistic/index.js';
import { DecisionTreeClassifier } from '../tree/index.js';

/** One contract, every learner (DESIGN.md convention 3 and 5). */
const LEARNERS: { name: string; make: (seed: number) => Estimator; fromJSON: (j: unknown) => Estimator }[] = [
  {
    name: 'logistic-regression',
    make: (seed) => new LogisticRegression({ seed }),
    fromJSON: (j) => LogisticRegression.fromJSON(j),
  },
  {
    name: 'decision-tree',
    make: (seed) => new DecisionTreeClassifier({ seed, maxDepth: 6 }),
    fromJSON: (j) => DecisionTreeClassifier.fromJSON(j),
  },
  {
    name: 'gradient-boosting',
    make: (seed) => new GradientBoostingClassifier({ seed, nEstimators: 20, subsample: 0.8 }),
    fromJSON: (j) => GradientBoostingClassifier.fromJSON(j),
  },
];

/** Two numeric columns and one categorical (codes 0..3); label depends on all three, with noise. */
function data(n: number, seed: number): { X: Matrix; y: Uint8Array; features: FeatureInfo[] } {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const rows: number[][] = [];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rnd() * 4 - 2;
    const b = rnd() * 4 - 2;
    const c = Math.floor(rnd() * 4);
    rows.push([a, b, c]);
    y[i] = a + 0.5 * b + (c === 2 ? 1.5 : 0) + (rnd() - 0.5) * 0.5 > 0.3 ? 1 : 0;
  }
  return {
    X: matrixFromRows(rows),
    y,
    features: [
      { name: 'a', kind: 'numeric' },
      { name: 'b', kind: 'numeric' },
      { name: 'c', kind: 'categorical', categories: 4 },
    ],
  };
}

describe.each(LEARNERS)('estimator contract: $name', ({ make, fromJSON }) => {
  const train = data(600, 1);
  const test = data(300, 2);

  it('refuses to predict before fit with NotFittedError', () => {
    expect(() => make(1).predictProba(test.X)).toThrow(NotFittedError);
  });

  it('fit returns the estimator itself and learns the signal', () => {
    const est = make(1);
    expect(est.fit(train.X, train.y, { features: train.features })).toBe(est);
    const pred = est.predict(test.X);
    let right = 0;
    for (let i = 0; i < pred.length; i++) right += pred[i] === test.y[i] ? 1 : 0;
    expect(right / pred.length).toBeGreaterThan(0.8);
  });

  it('gives probabilities of the poisonous class in [0, 1], consistent with predict and decisionFunction', () => {
    const est = make(1).fit(train.X, train.y, { features: train.features });
    const p = est.predictProba(test.X);
    const raw = est.decisionFunction(test.X);
    const hard = est.predict(test.X);
    for (let i = 0; i < p.length; i++) {
      expect(p[i]).toBeGreaterThanOrEqual(0);
      expect(p[i]).toBeLessThanOrEqual(1);
      expect(hard[i]).toBe(p[i] >= 0.5 ? 1 : 0);
      expect(Math.sign(raw[i]) === (p[i] > 0.5 ? 1 : -1) || Math.abs(p[i] - 0.5) < 1e-6).toBe(true);
    }
    const out = new Float64Array(test.X.rows);
    expect(est.predictProba(test.X, out)).toBe(out);
  });

  it('is deterministic for a seed and round-trips through JSON bit-identically', () => {
    const a = make(7).fit(train.X, train.y, { features: train.features });
    const b = make(7).fit(train.X, train.y, { features: train.features });
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    const json = a.toJSON();
    expect(json).toMatchObject({ formatVersion: expect.any(Number), kind: a.kind });
    const back = fromJSON(JSON.parse(JSON.stringify(json)));
    const p1 = a.predictProba(test.X);
    const p2 = back.predictProba(test.X);
    expect(Buffer.from(p2.buffer).equals(Buffer.from(p1.buffer))).toBe(true);
    expect(back.getParams()).toEqual(a.getParams());
  });

  it('refits from scratch: a second fit forgets the first', () => {
    const flipped = new Uint8Array(train.y.map((v) => 1 - v));
    const est = make(1).fit(train.X, flipped, { features: train.features });
    est.fit(train.X, train.y, { features: train.features });
    const fresh = make(1).fit(train.X, train.y, { features: train.features });
    expect(Array.from(est.predictProba(test.X))).toEqual(Array.from(fresh.predictProba(test.X)));
  });

  it('rejects bad data with SP_ERR_BAD_DATA', () => {
    expect(() => make(1).fit(train.X, new Uint8Array(3), { features: train.features })).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
    const y = new Uint8Array(train.y);
    y[0] = 2;
    expect(() => make(1).fit(train.X, y, { features: train.features })).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
    expect(() => fromJSON({ formatVersion: 999 })).toThrow(
      expect.objectContaining({ code: 'SP_ERR_MODEL_FORMAT' }),
    );
  });
});
