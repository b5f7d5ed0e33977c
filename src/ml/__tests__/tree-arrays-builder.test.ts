import { describe, expect, it } from 'vitest';
import { type FeatureInfo, type Matrix, Rng } from '../../core/index.js';
import { GradientBoostingClassifier } from '../gbt/index.js';
import { DecisionTreeClassifier } from '../tree/index.js';
import type { TreeArrays } from '../tree-arrays.js';
import { numberNodes, TreeArraysBuilder } from '../tree-arrays-builder.js';
import { loadFixture } from '../xgboost/__tests__/fixtures/load-fixture.js';
import { fromXGBoostJSON } from '../xgboost/index.js';

/** Two numeric columns (one with missing values) and a categorical one with 40 codes (two-word sets). */
function mixed(n: number): { X: Matrix; y: Uint8Array; features: FeatureInfo[] } {
  const rng = new Rng(5);
  const X: Matrix = { data: new Float64Array(n * 3), rows: n, cols: 3 };
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.next() * 4 - 2;
    const b = rng.next() < 0.2 ? Number.NaN : rng.next();
    const c = rng.int(40);
    X.data.set([a, b, c], i * 3);
    y[i] = a + (Number.isNaN(b) ? 0.5 : b) + (c % 3 === 0 || c > 33 ? 1 : -1) + rng.next() > 0.5 ? 1 : 0;
  }
  const features: FeatureInfo[] = [
    { name: 'a', kind: 'numeric' },
    { name: 'b', kind: 'numeric' },
    { name: 'c', kind: 'categorical', categories: 40 },
  ];
  return { X, y, features };
}

const leaves = (t: TreeArrays): number[] => [...t.left.keys()].filter((i) => t.left[i] === -1);

/** Every leaf written as XGBoost writes one: feature 0, threshold 0, defaultLeft 0, numeric, gain 0. */
function expectXGBoostLeaves(t: TreeArrays): void {
  for (const i of leaves(t)) {
    expect([
      t.right[i],
      t.feature[i],
      t.threshold[i],
      t.defaultLeft[i],
      t.isCategorical[i],
      t.gain[i],
    ]).toEqual([-1, 0, 0, 0, 0, 0]);
  }
}

describe('one tree-array assembly for every learner', () => {
  it('CART writes its leaves as gradient boosting and XGBoost’s files do, numbered in pre-order as scikit-learn', () => {
    const { X, y, features } = mixed(1500);
    const dt = new DecisionTreeClassifier({ maxDepth: 6 }).fit(X, y, { features });
    const gbt = new GradientBoostingClassifier({ nEstimators: 3, maxDepth: 4, maxCatToOnehot: 4 }).fit(X, y, {
      features,
    });
    const imported = fromXGBoostJSON(loadFixture('categorical').model).trees;
    for (const t of [dt.tree, ...gbt.trees, ...imported]) expectXGBoostLeaves(t);
    const t = dt.tree;
    expect(leaves(t).length).toBeGreaterThan(10);
    // pre-order: a split's left child comes right after it
    for (let i = 0; i < t.left.length; i++) if (t.left[i] !== -1) expect(t.left[i]).toBe(i + 1);
    // the 40-code feature's sets take two words in both learners
    const catNodes = (u: TreeArrays): number[] => [...u.left.keys()].filter((i) => u.isCategorical[i] === 1);
    expect(catNodes(t).length).toBeGreaterThan(0);
    for (const u of [t, ...gbt.trees]) for (const i of catNodes(u)) expect(u.catWords[i]).toBe(2);
  });

  it('loads CART model files written before (leaves with feature −1, defaultLeft 1) and predicts the same', () => {
    const { X, y, features } = mixed(600);
    const dt = new DecisionTreeClassifier({ maxDepth: 5 }).fit(X, y, { features });
    const json = dt.toJSON();
    const isLeaf = (i: number): boolean => json.tree.left[i] === -1;
    const old = {
      ...json,
      tree: {
        ...json.tree,
        feature: json.tree.feature.map((f, i) => (isLeaf(i) ? -1 : f)),
        defaultLeft: json.tree.defaultLeft.map((d, i) => (isLeaf(i) ? 1 : d)),
      },
    };
    expect(DecisionTreeClassifier.fromJSON(old).predictProba(X)).toEqual(dt.predictProba(X));
  });

  it('numbers nodes breadth-first or in pre-order, dropping unreachable ones', () => {
    //        0
    //      1   2        node 2's children (5, 6) are cut: it is kept as a leaf
    //     3 4
    const left = [1, 3, 5, -1, -1, -1, -1];
    const right = [2, 4, 6, -1, -1, -1, -1];
    const kept = (i: number): number => (i === 2 ? -1 : left[i]);
    const bfs = numberNodes(7, kept, (i) => right[i], 'breadth-first');
    expect(Array.from(bfs.order)).toEqual([0, 1, 2, 3, 4]);
    const pre = numberNodes(7, kept, (i) => right[i], 'pre-order');
    expect(Array.from(pre.order)).toEqual([0, 1, 3, 4, 2]);
    expect(Array.from(pre.newId)).toEqual([0, 1, 4, 2, 3, -1, -1]);
  });

  it('packs a category set into max(1, ⌈count / 32⌉) words, bit 31 included', () => {
    const b = new TreeArraysBuilder(3);
    const split = { left: 1, right: 2, feature: 0, defaultLeft: true, threshold: 0, gain: 1 };
    b.split(0, 0, 2, { ...split, categories: { codes: [0, 31, 33], count: 34 } });
    b.leaf(1, -0.5, 1);
    b.leaf(2, 0.5, 1);
    const t = b.build();
    expect(Array.from(t.catWords)).toEqual([2, 0, 0]);
    expect(Array.from(t.catBits)).toEqual([0x80000001, 0b10]);
    const empty = new TreeArraysBuilder(3);
    empty.split(0, 0, 2, { ...split, categories: { codes: [], count: 0 } });
    expect(Array.from(empty.build().catWords)).toEqual([1, 0, 0]);
  });
});
