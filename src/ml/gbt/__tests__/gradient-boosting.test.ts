import { describe, expect, it } from 'vitest';
import {
  type FeatureInfo,
  type Matrix,
  matrixFromRows,
  Rng,
  type SporeprintError,
} from '../../../core/index.js';
import { findLeaf } from '../../tree-arrays.js';
import { loadFixture } from '../../xgboost/__tests__/fixtures/load-fixture.js';
import { fromXGBoostJSON } from '../../xgboost/index.js';
import {
  calcWeight,
  FlatForest,
  float32CutToThreshold,
  GradientBoostingClassifier,
  splitGain,
  thresholdToFloat32Cut,
} from '../index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as SporeprintError).code;
  }
  return undefined;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

/** Synthetic data: 2 numeric (one with missing values) + 1 categorical (8 codes) column. */
function synthetic(
  n: number,
  seed: number,
  noise = 0.3,
): { X: Matrix; y: Uint8Array; features: FeatureInfo[] } {
  const rng = new Rng(seed);
  const X: Matrix = { data: new Float64Array(n * 3), rows: n, cols: 3 };
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.next() * 4 - 2;
    const b = rng.next() < 0.15 ? Number.NaN : rng.next() * 2;
    const c = rng.int(8);
    X.data.set([a, b, c], i * 3);
    const s = a + (Number.isNaN(b) ? 1 : b - 1) + ([1, 3, 6].includes(c) ? 1.5 : -0.5);
    y[i] = s + noise * (rng.next() * 2 - 1) * 3 > 0 ? 1 : 0;
  }
  const features: FeatureInfo[] = [
    { name: 'a', kind: 'numeric' },
    { name: 'b', kind: 'numeric' },
    { name: 'c', kind: 'categorical', categories: 8 },
  ];
  return { X, y, features };
}

describe('XGBoost split formulas', () => {
  it('computes the split gain of a hand-worked example (with and without L1)', () => {
    // G_L=-3, H_L=2, G_R=2, H_R=3, λ=1: 9/3 + 4/4 − 1/6
    expect(splitGain(-3, 2, 2, 3, 1, 0)).toBeCloseTo(3 + 1 - 1 / 6, 12);
    // α=0.5 soft-thresholds every G: 2.5²/3 + 1.5²/4 − 0.5²/6
    expect(splitGain(-3, 2, 2, 3, 1, 0.5)).toBeCloseTo(6.25 / 3 + 2.25 / 4 - 0.25 / 6, 12);
  });

  it('computes leaf weights −T(G)/(H+λ), zero below min_child_weight', () => {
    expect(calcWeight(-3, 2, 1, 0, 1)).toBeCloseTo(1, 12);
    expect(calcWeight(-3, 2, 1, 0.5, 1)).toBeCloseTo(2.5 / 3, 12);
    expect(calcWeight(0.2, 2, 1, 0.5, 1)).toBe(0);
    expect(calcWeight(-3, 0.5, 1, 0, 1)).toBe(0);
  });

  const X4 = matrixFromRows([[0], [0], [1], [1]]);
  const y4 = Uint8Array.of(0, 0, 1, 1);

  it('fits hand-computed leaf values (eta × weight) on a 4-row example', () => {
    // base 0.5 ⇒ g = ±0.5, h = 0.25: left G=1, H=0.5 ⇒ w = −1/1.5; right w = +1/1.5.
    const m = new GradientBoostingClassifier({
      nEstimators: 1,
      eta: 0.3,
      minChildWeight: 0.1,
      baseScore: 0.5,
    });
    m.fit(X4, y4);
    const t = m.trees[0];
    expect(t.left[0]).not.toBe(-1);
    expect(t.value[t.left[0]]).toBeCloseTo(-0.3 / 1.5, 12);
    expect(t.value[t.right[0]]).toBeCloseTo(0.3 / 1.5, 12);
    expect(t.gain[0]).toBeCloseTo(1 / 1.5 + 1 / 1.5, 12);
    expect(t.cover[0]).toBeCloseTo(1, 12);
    expect(m.decisionFunction(X4)[0]).toBeCloseTo(-0.2, 12);
  });

  it('lets min_child_weight block a split', () => {
    const m = new GradientBoostingClassifier({ nEstimators: 1, minChildWeight: 0.6, baseScore: 0.5 }).fit(
      X4,
      y4,
    );
    expect(m.trees[0].left[0]).toBe(-1);
  });

  it('prunes splits whose gain is below gamma', () => {
    const keep = new GradientBoostingClassifier({
      nEstimators: 1,
      minChildWeight: 0.1,
      gamma: 1.2,
      baseScore: 0.5,
    });
    expect(keep.fit(X4, y4).trees[0].left.length).toBe(3);
    const cut = new GradientBoostingClassifier({
      nEstimators: 1,
      minChildWeight: 0.1,
      gamma: 1.4,
      baseScore: 0.5,
    });
    expect(cut.fit(X4, y4).trees[0].left.length).toBe(1);
  });

  it('learns the default direction of missing values', () => {
    const X = matrixFromRows([[Number.NaN], [Number.NaN], [0], [0], [1], [1]]);
    const opts = { nEstimators: 1, maxDepth: 1, minChildWeight: 0, baseScore: 0.5 };
    const missingPositive = new GradientBoostingClassifier(opts).fit(X, Uint8Array.of(1, 1, 0, 0, 1, 1));
    expect(missingPositive.trees[0].defaultLeft[0]).toBe(0);
    const missingNegative = new GradientBoostingClassifier(opts).fit(X, Uint8Array.of(0, 0, 0, 0, 1, 1));
    expect(missingNegative.trees[0].defaultLeft[0]).toBe(1);
    expect(missingNegative.predict(matrixFromRows([[Number.NaN]]))[0]).toBe(0);
  });

  it('finds a partition split that beats one-vs-rest on a many-category feature', () => {
    const rows: number[][] = [];
    const y: number[] = [];
    for (let r = 0; r < 10; r++) {
      for (let c = 0; c < 8; c++) {
        rows.push([c]);
        y.push(c % 2);
      }
    }
    const X = matrixFromRows(rows);
    const features: FeatureInfo[] = [{ name: 'c', kind: 'categorical', categories: 8 }];
    const opts = { nEstimators: 1, maxDepth: 1, baseScore: 0.5 };
    const part = new GradientBoostingClassifier({ ...opts, maxCatToOnehot: 4 }).fit(X, Uint8Array.from(y), {
      features,
    });
    const onehot = new GradientBoostingClassifier({ ...opts, maxCatToOnehot: 64 }).fit(
      X,
      Uint8Array.from(y),
      { features },
    );
    expect(part.trees[0].gain[0]).toBeGreaterThan(onehot.trees[0].gain[0]);
    expect(part.predict(X)).toEqual(Uint8Array.from(y));
    const set = part.trees[0].catBits[part.trees[0].catOffset[0]];
    expect(set === 0b10101010 || set === 0b01010101).toBe(true);
  });
});

describe('GradientBoostingClassifier', () => {
  it('grows the same trees as XGBoost 1.7.4 hist (fixture with missing values, lambda, alpha, min_child_weight)', () => {
    const { X, y, data: d, model } = loadFixture('training-match');
    const m = new GradientBoostingClassifier({
      nEstimators: 10,
      maxDepth: 4,
      baseScore: 0.5,
      lambda: 1.5,
      alpha: 0.1,
      minChildWeight: 2,
    }).fit(X, y);
    const p = m.predictProba(X);
    let max = 0;
    for (let i = 0; i < X.rows; i++) max = Math.max(max, Math.abs(p[i] - d.proba[i]));
    expect(max).toBeLessThan(1e-6);
    // node for node as XGBoost's own model file: its breadth-first numbering, and its leaves as it writes
    // them (split_indices 0, default_left 0), which every learner's tree arrays share
    const xgb = fromXGBoostJSON(model).trees;
    expect(m.trees.length).toBe(xgb.length);
    m.trees.forEach((t, k) => {
      for (const key of ['left', 'right', 'feature', 'threshold', 'defaultLeft', 'isCategorical'] as const) {
        expect(Array.from(t[key]), `tree ${k} ${key}`).toEqual(Array.from(xgb[k][key]));
      }
      for (let i = 0; i < t.left.length; i++) {
        if (t.left[i] === -1) expect(Math.abs(t.value[i] - xgb[k].value[i])).toBeLessThan(1e-6);
      }
    });
  });

  it('learns a synthetic problem with numeric, missing and categorical features', () => {
    const train = synthetic(2000, 1, 0);
    const test = synthetic(500, 2, 0);
    const m = new GradientBoostingClassifier({ nEstimators: 60, maxDepth: 4 }).fit(train.X, train.y, {
      features: train.features,
    });
    const pred = m.predict(test.X);
    let ok = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === test.y[i]) ok++;
    expect(ok / pred.length).toBeGreaterThan(0.95);
    expect(m.baseScore).toBeGreaterThan(0);
    let mean = 0;
    for (const v of train.y) mean += v / train.y.length;
    expect(m.baseScore).toBeCloseTo(mean, 12);
  });

  it('predicts with the flattened forest exactly as findLeaf on the trees', () => {
    const { X, y, features } = synthetic(800, 3);
    const m = new GradientBoostingClassifier({ nEstimators: 30, maxDepth: 5, maxCatToOnehot: 4 }).fit(X, y, {
      features,
    });
    const rng = new Rng(9);
    const odd = [Number.NaN, -1, -0, 0.5, 2.999, 7, 8, 40, 1e9, -1e9, Number.POSITIVE_INFINITY];
    const T: Matrix = { data: new Float64Array(400 * 3), rows: 400, cols: 3 };
    for (let i = 0; i < 400; i++) {
      for (let f = 0; f < 3; f++) {
        T.data[i * 3 + f] = rng.next() < 0.3 ? odd[rng.int(odd.length)] : X.data[rng.int(X.rows) * 3 + f];
      }
    }
    const fast = m.decisionFunction(T);
    for (let i = 0; i < T.rows; i++) {
      let s = m.baseMargin;
      for (const t of m.trees) s += t.value[findLeaf(t, T.data, i * 3)];
      expect(fast[i]).toBe(s);
    }
    const forest = new FlatForest(m.trees);
    expect(forest.size).toBe(m.trees.length);
  });

  it('keeps float32 cut semantics in float64 thresholds', () => {
    const rng = new Rng(1);
    for (let k = 0; k < 2000; k++) {
      const c = Math.fround((rng.next() - 0.5) * 10 ** rng.int(8));
      const t = float32CutToThreshold(c);
      expect(thresholdToFloat32Cut(t)).toBe(c);
      for (const x of [t, c, (t + c) / 2, t - Math.abs(t) * 1e-15, Math.fround(t)]) {
        expect(x < t).toBe(Math.fround(x) < c);
      }
    }
  });

  it('stops early on the evaluation log loss and predicts with trees up to bestIteration', () => {
    const train = synthetic(600, 4, 0.8);
    const valid = synthetic(300, 5, 0.8);
    const m = new GradientBoostingClassifier({
      nEstimators: 300,
      eta: 0.5,
      maxDepth: 6,
      earlyStoppingRounds: 5,
    });
    m.fit(train.X, train.y, { features: train.features, evalSet: valid });
    expect(m.nTreesGrown).toBeLessThan(300);
    expect(m.nTreesGrown).toBe(m.bestIteration + 1 + 5);
    expect(m.trees.length).toBe(m.bestIteration + 1);
    const json = m.toJSON();
    expect(json.bestIteration).toBe(m.bestIteration);
  });

  it('is deterministic per seed with subsample and colsample_bytree', () => {
    const { X, y, features } = synthetic(500, 6);
    const train = (seed: number) =>
      JSON.stringify(
        new GradientBoostingClassifier({ nEstimators: 10, subsample: 0.7, colsampleBytree: 0.6, seed })
          .fit(X, y, { features })
          .toJSON(),
      );
    expect(train(11)).toBe(train(11));
    expect(train(11)).not.toBe(train(12));
  });

  it('reports importances like XGBoost get_score', () => {
    const { X, y, features } = synthetic(500, 7);
    const m = new GradientBoostingClassifier({ nEstimators: 10, maxDepth: 3 }).fit(X, y, { features });
    const weight = m.getScore('weight');
    const gain = m.getScore('gain');
    const total = m.getScore('total_gain');
    const cover = m.getScore('cover');
    const totalCover = m.getScore('total_cover');
    let splits = 0;
    for (const t of m.trees) for (let i = 0; i < t.left.length; i++) if (t.left[i] !== -1) splits++;
    expect(Object.values(weight).reduce((a, b) => a + b, 0)).toBe(splits);
    for (const k of Object.keys(weight)) {
      expect(Number.isInteger(weight[k])).toBe(true);
      expect(total[k]).toBeCloseTo(gain[k] * weight[k], 9);
      expect(totalCover[k]).toBeCloseTo(cover[k] * weight[k], 9);
    }
    const norm = m.featureImportances('gain');
    expect(norm.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(norm.length).toBe(3);
  });

  it('calls onProgress once per tree', () => {
    const { X, y, features } = synthetic(200, 8);
    const seen: number[] = [];
    new GradientBoostingClassifier({ nEstimators: 7 }).fit(X, y, {
      features,
      onProgress: (f) => seen.push(f),
    });
    expect(seen.length).toBe(7);
    expect(seen[6]).toBe(1);
  });

  it('round-trips through toJSON/fromJSON with bit-identical predictions', () => {
    const { X, y, features } = synthetic(500, 9);
    const m = new GradientBoostingClassifier({ nEstimators: 20, lambda: 0.7 }).fit(X, y, { features });
    const json = JSON.parse(JSON.stringify(m.toJSON())) as Record<string, unknown>;
    expect(json.formatVersion).toBe(1);
    expect(json.kind).toBe('gradient-boosting');
    const back = GradientBoostingClassifier.fromJSON(json);
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(m.predictProba(X)));
    expect(back.getParams()).toEqual(m.getParams());
  });

  it('rejects malformed model JSON naming the path', () => {
    const { X, y, features } = synthetic(100, 10);
    const good = JSON.parse(
      JSON.stringify(new GradientBoostingClassifier({ nEstimators: 2 }).fit(X, y, { features })),
    );
    const bad1 = { ...good, trees: [{ ...good.trees[0], threshold: ['x'] }] };
    expect(codeOf(() => GradientBoostingClassifier.fromJSON(bad1))).toBe('SP_ERR_MODEL_FORMAT');
    expect(messageOf(() => GradientBoostingClassifier.fromJSON(bad1))).toMatch(/\/trees\/0\/threshold\/0/);
    const bad2 = { ...good, formatVersion: 2 };
    expect(messageOf(() => GradientBoostingClassifier.fromJSON(bad2))).toMatch(/\/formatVersion/);
    const bad3 = { ...good, trees: [{ ...good.trees[0], left: good.trees[0].left.map(() => 0) }] };
    expect(codeOf(() => GradientBoostingClassifier.fromJSON(bad3))).toBe('SP_ERR_MODEL_FORMAT');
    expect(codeOf(() => GradientBoostingClassifier.fromJSON('nope'))).toBe('SP_ERR_MODEL_FORMAT');
  });

  it('rejects bad parameters naming them, bad data and use before fit', () => {
    const cases: [string, unknown][] = [
      ['nEstimators', 0],
      ['eta', 0],
      ['eta', 1.5],
      ['maxDepth', 0],
      ['minChildWeight', -1],
      ['lambda', -1],
      ['alpha', Number.NaN],
      ['gamma', -0.1],
      ['subsample', 0],
      ['colsampleBytree', 2],
      ['maxBin', 1],
      ['maxCatToOnehot', 0],
      ['baseScore', 1],
      ['earlyStoppingRounds', 0],
      ['seed', -1],
      ['learningRate', 0.1],
    ];
    for (const [name, value] of cases) {
      const make = () => new GradientBoostingClassifier({ [name]: value });
      expect(codeOf(make)).toBe('SP_ERR_BAD_PARAM');
      expect(messageOf(make)).toContain(name);
    }
    const m = new GradientBoostingClassifier({ nEstimators: 2 });
    expect(codeOf(() => m.predict(matrixFromRows([[1]])))).toBe('SP_ERR_NOT_FITTED');
    const X = matrixFromRows([[1], [2]]);
    expect(codeOf(() => m.fit(X, Uint8Array.of(1)))).toBe('SP_ERR_BAD_DATA');
    expect(codeOf(() => m.fit(X, Uint8Array.of(1, 2)))).toBe('SP_ERR_BAD_DATA');
    expect(codeOf(() => m.fit(X, Uint8Array.of(0, 1), { sampleWeight: Float64Array.of(1) }))).toBe(
      'SP_ERR_BAD_DATA',
    );
    const cat: FeatureInfo[] = [{ name: 'c', kind: 'categorical' }];
    expect(codeOf(() => m.fit(matrixFromRows([[0.5], [1]]), Uint8Array.of(0, 1), { features: cat }))).toBe(
      'SP_ERR_BAD_DATA',
    );
    m.fit(X, Uint8Array.of(0, 1));
    expect(codeOf(() => m.predict(matrixFromRows([[1, 2]])))).toBe('SP_ERR_BAD_DATA');
  });
});
