import { describe, expect, it } from 'vitest';
import { type FeatureInfo, type Matrix, matrixFromRows, NotFittedError, Rng } from '../../../core/index.js';
import { findLeaf } from '../../tree-arrays.js';
import { DecisionTreeClassifier, type DecisionTreeParams } from '../index.js';
import ref from './fixtures/tree_reference.json' with { type: 'json' };

const X = matrixFromRows(ref.X);
const y = Uint8Array.from(ref.y);
const Xt = matrixFromRows(ref.Xtest);

function paramsOf(p: Record<string, unknown>): Partial<DecisionTreeParams> {
  const out: Record<string, unknown> = {};
  const names: Record<string, string> = {
    max_depth: 'maxDepth',
    min_samples_leaf: 'minSamplesLeaf',
    ccp_alpha: 'ccpAlpha',
    class_weight: 'classWeight',
    min_impurity_decrease: 'minImpurityDecrease',
    criterion: 'criterion',
  };
  for (const [k, v] of Object.entries(p)) out[names[k]] = v;
  return out as Partial<DecisionTreeParams>;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('DecisionTreeClassifier against scikit-learn 1.2.1 (numeric data, no ties)', () => {
  for (const fit of ref.fits) {
    it(`${fit.name}: same node count, probabilities and importances`, () => {
      const dt = new DecisionTreeClassifier(paramsOf(fit.params)).fit(X, y);
      expect(dt.nodeCount).toBe(fit.nodeCount);
      // leaf10 has one 27-row node where two features tie (mirrored 10/17 partitions)
      if (fit.name !== 'leaf10') expect(maxDiff(dt.predictProba(X), fit.probaTrain)).toBeLessThan(1e-12);
      // small nodes of big trees hold equally good splits that sklearn breaks by a random feature order:
      // the partition of the training rows agrees, the chosen feature may not
      if (!['full', 'mid', 'leaf10'].includes(fit.name)) {
        expect(maxDiff(dt.featureImportances, fit.importances)).toBeLessThan(1e-9);
        expect(maxDiff(dt.predictProba(Xt), fit.probaTest)).toBeLessThan(1e-12);
      }
    });
  }

  it("columns with few distinct values (histogram scan) give sklearn's trees", () => {
    const Xb = matrixFromRows(ref.binned.X);
    const yb = Uint8Array.from(ref.binned.y);
    const Xbt = matrixFromRows(ref.binned.Xtest);
    for (const fit of ref.binned.fits) {
      const dt = new DecisionTreeClassifier({ maxDepth: fit.maxDepth }).fit(Xb, yb);
      expect(dt.nodeCount).toBe(fit.nodeCount);
      expect(maxDiff(dt.predictProba(Xbt), fit.probaTest)).toBeLessThan(1e-12);
    }
  });

  it('sample weights: same tree as sklearn (depth 4)', () => {
    const sampleWeight = Float64Array.from(ref.weighted.sampleWeight);
    const dt = new DecisionTreeClassifier({ maxDepth: 4 }).fit(X, y, { sampleWeight });
    expect(dt.nodeCount).toBe(ref.weighted.nodeCount);
    expect(maxDiff(dt.predictProba(Xt), ref.weighted.probaTest)).toBeLessThan(1e-12);
    expect(maxDiff(dt.featureImportances, ref.weighted.importances)).toBeLessThan(1e-9);
  });

  for (const crit of ['gini', 'entropy'] as const) {
    it(`cost-complexity pruning path (${crit}) matches`, () => {
      const expected = crit === 'gini' ? ref.path_gini : ref.path_entropy;
      const maxDepth = crit === 'gini' ? null : 4;
      const path = new DecisionTreeClassifier({ criterion: crit, maxDepth }).costComplexityPruningPath(X, y);
      expect(path.ccpAlphas.length).toBe(expected.ccp_alphas.length);
      expect(maxDiff(path.ccpAlphas, expected.ccp_alphas)).toBeLessThan(1e-12);
      expect(maxDiff(path.impurities, expected.impurities)).toBeLessThan(1e-12);
    });
  }
});

/** A categorical + numeric dataset with missing values: poisonous iff colour ∈ {1, 3} or (missing and size > 5). */
function mixedData(n: number, seed: number): { X: Matrix; y: Uint8Array; features: FeatureInfo[] } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * 2);
  const yy = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const missing = rng.next() < 0.15;
    const colour = missing ? Number.NaN : rng.int(6);
    const size = rng.next() * 10;
    data[i * 2] = colour;
    data[i * 2 + 1] = size;
    yy[i] = colour === 1 || colour === 3 || (missing && size > 5) ? 1 : 0;
  }
  return {
    X: { data, rows: n, cols: 2 },
    y: yy,
    features: [
      { name: 'colour', kind: 'categorical', categories: 6 },
      { name: 'size', kind: 'numeric' },
    ],
  };
}

describe('DecisionTreeClassifier on categories and missing values', () => {
  const train = mixedData(2000, 1);
  const test = mixedData(1000, 2);
  const dt = new DecisionTreeClassifier().fit(train.X, train.y, { features: train.features });

  it('finds the optimal category partition at the root and routes missing values', () => {
    const t = dt.tree;
    expect(t.feature[0]).toBe(0);
    expect(t.isCategorical[0]).toBe(1);
    const hat = dt.predict(test.X);
    let wrong = 0;
    for (let i = 0; i < hat.length; i++) if (hat[i] !== test.y[i]) wrong++;
    expect(wrong).toBeLessThanOrEqual(5); // only rows near the learnt size threshold
    for (let i = 0; i < hat.length; i++) {
      const c = test.X.data[i * 2];
      if (!Number.isNaN(c)) expect(hat[i]).toBe(test.y[i]);
    }
    expect(dt.nodeCount).toBeLessThanOrEqual(7);
  });

  it('stores log-odds (clipped) as value and weighted counts as cover', () => {
    const t = dt.tree;
    expect(t.cover[0]).toBe(2000);
    const z = dt.decisionFunction(test.X);
    const p = dt.predictProba(test.X);
    for (let i = 0; i < p.length; i++) expect(1 / (1 + Math.exp(-z[i]))).toBeCloseTo(p[i], 5);
    expect(Math.max(...z)).toBeCloseTo(Math.log((1 - 1e-6) / 1e-6), 9);
    const leaf = findLeaf(t, test.X.data, 0);
    expect(t.left[leaf]).toBe(-1);
  });

  it('round-trips through JSON with bit-identical probabilities (numbers, not strings)', () => {
    const json = JSON.parse(JSON.stringify(dt.toJSON()));
    expect(typeof json.tree.threshold[0] === 'number' || json.tree.threshold[0] === 0).toBe(true);
    expect(json.tree.left.every((v: unknown) => typeof v === 'number')).toBe(true);
    const back = DecisionTreeClassifier.fromJSON(json);
    expect(Array.from(back.predictProba(test.X))).toEqual(Array.from(dt.predictProba(test.X)));
    expect(Array.from(back.decisionFunction(test.X))).toEqual(Array.from(dt.decisionFunction(test.X)));
  });

  it('fromJSON names the failing path', () => {
    const good = dt.toJSON();
    const cases: [unknown, RegExp][] = [
      [{ ...good, tree: { ...good.tree, left: ['1'] } }, /\/tree\/left/],
      [{ ...good, tree: { ...good.tree, value: good.tree.value.slice(1) } }, /\/tree\/value/],
      [{ ...good, kind: 'gbt' }, /\/kind/],
      [
        { ...good, tree: { ...good.tree, feature: good.tree.feature.map((f) => (f >= 0 ? 9 : f)) } },
        /\/tree\/feature/,
      ],
    ];
    for (const [bad, path] of cases) {
      expect(() => DecisionTreeClassifier.fromJSON(bad)).toThrow(
        expect.objectContaining({ code: 'SP_ERR_MODEL_FORMAT', message: expect.stringMatching(path) }),
      );
    }
    // a structural fault: details.path is the JSON pointer alone, as for the schema's faults
    const cycle = {
      ...good,
      tree: { ...good.tree, left: good.tree.left.map((l, i) => (i === 0 && l > 0 ? 0 : l)) },
    };
    expect(() => DecisionTreeClassifier.fromJSON(cycle)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^decision-tree model: \/tree\/left\/0 points outside/),
        details: { path: '/tree/left/0' },
      }),
    );
  });

  it('learns the missing direction on numeric columns', () => {
    // y = 1 iff x missing or x > 0.8: the best first split sends missing right with the large values
    const rng = new Rng(5);
    const n = 500;
    const d = new Float64Array(n);
    const yy = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      d[i] = rng.next() < 0.2 ? Number.NaN : rng.next();
      yy[i] = Number.isNaN(d[i]) || d[i] > 0.8 ? 1 : 0;
    }
    const m = new DecisionTreeClassifier({ maxDepth: 1 }).fit({ data: d, rows: n, cols: 1 }, yy);
    expect(m.tree.defaultLeft[0]).toBe(0);
    expect(
      Array.from(m.predict({ data: Float64Array.from([Number.NaN, 0.1, 0.9]), rows: 3, cols: 1 })),
    ).toEqual([1, 0, 1]);
  });

  it('splits missing vs present when missingness is the signal (finite threshold in JSON)', () => {
    const d = Float64Array.from([1, 2, Number.NaN, 3, Number.NaN, 4, Number.NaN, 5]);
    const yy = Uint8Array.from([0, 0, 1, 0, 1, 0, 1, 0]);
    const m = new DecisionTreeClassifier().fit({ data: d, rows: 8, cols: 1 }, yy);
    expect(m.nodeCount).toBe(3);
    expect(m.tree.threshold[0]).toBe(Number.MAX_VALUE);
    expect(m.tree.defaultLeft[0]).toBe(0);
    const back = DecisionTreeClassifier.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    const probe = { data: Float64Array.from([Number.NaN, 1e300, -7]), rows: 3, cols: 1 };
    expect(Array.from(back.predict(probe))).toEqual([1, 0, 0]);
  });

  it('class weights move leaf probabilities', () => {
    const a = new DecisionTreeClassifier({ maxDepth: 1 }).fit(X, y);
    const b = new DecisionTreeClassifier({ maxDepth: 1, classWeight: { 0: 1, 1: 10 } }).fit(X, y);
    const mean = (p: Float64Array) => p.reduce((s, v) => s + v, 0) / p.length;
    expect(mean(b.predictProba(X))).toBeGreaterThan(mean(a.predictProba(X)) + 0.2);
  });

  it('ccpAlpha prunes and maxDepth / minSamplesLeaf bound the tree', () => {
    const full = new DecisionTreeClassifier().fit(X, y);
    const pruned = new DecisionTreeClassifier({ ccpAlpha: 0.02 }).fit(X, y);
    expect(pruned.nodeCount).toBeLessThan(full.nodeCount);
    expect(new DecisionTreeClassifier({ maxDepth: 2 }).fit(X, y).depth).toBeLessThanOrEqual(2);
    const leafy = new DecisionTreeClassifier({ minSamplesLeaf: 30 }).fit(X, y);
    const t = leafy.tree;
    for (let i = 0; i < t.left.length; i++)
      if (t.left[i] === -1) expect(t.cover[i]).toBeGreaterThanOrEqual(30);
  });
});

describe('DecisionTreeClassifier guards', () => {
  it('throws NotFittedError before fit', () => {
    const m = new DecisionTreeClassifier();
    expect(() => m.predictProba(X)).toThrow(NotFittedError);
    expect(() => m.tree).toThrow(NotFittedError);
  });

  it('rejects bad hyper-parameters naming them', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ criterion: 'mse' }, 'criterion'],
      [{ maxDepth: 0 }, 'maxDepth'],
      [{ minSamplesSplit: 1 }, 'minSamplesSplit'],
      [{ minSamplesLeaf: 0.5 }, 'minSamplesLeaf'],
      [{ ccpAlpha: -1 }, 'ccpAlpha'],
      [{ minImpurityDecrease: -0.1 }, 'minImpurityDecrease'],
      [{ classWeight: 'auto' }, 'classWeight'],
    ];
    for (const [p, name] of bad) {
      expect(() => new DecisionTreeClassifier(p as never)).toThrow(
        expect.objectContaining({ code: 'SP_ERR_BAD_PARAM', message: expect.stringContaining(name) }),
      );
    }
  });

  it('rejects bad data', () => {
    const m = new DecisionTreeClassifier();
    const cat: FeatureInfo[] = [{ name: 'c', kind: 'categorical', categories: 3 }];
    expect(() => m.fit(X, y.subarray(2))).toThrow(expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }));
    expect(() => m.fit(matrixFromRows([[1], [2]]), Uint8Array.from([0, 3]))).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
    expect(() => m.fit(matrixFromRows([[0.5], [2]]), Uint8Array.from([0, 1]), { features: cat })).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA', message: expect.stringContaining('integer codes') }),
    );
    expect(() => m.fit(matrixFromRows([[5], [2]]), Uint8Array.from([0, 1]), { features: cat })).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
    expect(() => m.fit(X, y, { features: cat })).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
  });

  it('is deterministic', () => {
    const a = new DecisionTreeClassifier({ seed: 1 }).fit(X, y).toJSON();
    const b = new DecisionTreeClassifier({ seed: 1 }).fit(X, y).toJSON();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
