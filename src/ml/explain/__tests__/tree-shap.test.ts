import { describe, expect, it } from 'vitest';
import { type FeatureInfo, type Matrix, Rng, type SporeprintError } from '../../../core/index.js';
import { GradientBoostingClassifier } from '../../gbt/index.js';
import type { TreeArrays } from '../../tree-arrays.js';
import { treeShap } from '../index.js';

/** A tree from nested node specs (children listed breadth-first by the builder). */
interface Spec {
  feature?: number;
  threshold?: number;
  cats?: number[];
  defaultLeft?: boolean;
  cover: number;
  value?: number;
  left?: Spec;
  right?: Spec;
}

function build(root: Spec): TreeArrays {
  const nodes: Spec[] = [root];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.left && n.right) nodes.push(n.left, n.right);
  }
  const k = nodes.length;
  const t = {
    left: new Int32Array(k).fill(-1),
    right: new Int32Array(k).fill(-1),
    feature: new Int32Array(k),
    threshold: new Float64Array(k),
    defaultLeft: new Uint8Array(k),
    isCategorical: new Uint8Array(k),
    catOffset: new Int32Array(k),
    catWords: new Int32Array(k),
    catBits: new Uint32Array(0),
    value: new Float64Array(k),
    cover: new Float64Array(k),
    gain: new Float64Array(k),
  };
  const bits: number[] = [];
  nodes.forEach((n, i) => {
    t.cover[i] = n.cover;
    t.value[i] = n.value ?? 0;
    if (!n.left || !n.right) return;
    t.left[i] = nodes.indexOf(n.left);
    t.right[i] = nodes.indexOf(n.right);
    t.feature[i] = n.feature ?? 0;
    t.defaultLeft[i] = n.defaultLeft ? 1 : 0;
    if (n.cats) {
      t.isCategorical[i] = 1;
      t.catOffset[i] = bits.length;
      t.catWords[i] = 1;
      bits.push(n.cats.reduce((m, c) => m | (1 << c), 0));
    } else {
      t.threshold[i] = n.threshold ?? 0;
    }
  });
  t.catBits = Uint32Array.from(bits);
  return t;
}

/** E[f(x) | x_S] under the path-dependent (cover-weighted) distribution. */
function condExp(t: TreeArrays, node: number, row: ArrayLike<number>, inS: (f: number) => boolean): number {
  if (t.left[node] === -1) return t.value[node];
  const f = t.feature[node];
  if (inS(f)) {
    const x = row[f];
    let goLeft: boolean;
    if (Number.isNaN(x)) goLeft = t.defaultLeft[node] === 1;
    else if (t.isCategorical[node] === 1) goLeft = (t.catBits[t.catOffset[node]] & (1 << x)) === 0;
    else goLeft = x < t.threshold[node];
    return condExp(t, goLeft ? t.left[node] : t.right[node], row, inS);
  }
  const l = t.left[node];
  const r = t.right[node];
  return (t.cover[l] * condExp(t, l, row, inS) + t.cover[r] * condExp(t, r, row, inS)) / t.cover[node];
}

/** Exact Shapley values by enumerating subsets (small feature counts only). */
function bruteShap(trees: TreeArrays[], row: ArrayLike<number>, nf: number): Float64Array {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const v = (mask: number): number =>
    trees.reduce((s, t) => s + condExp(t, 0, row, (f) => (mask & (1 << f)) !== 0), 0);
  const phi = new Float64Array(nf);
  for (let i = 0; i < nf; i++) {
    for (let mask = 0; mask < 1 << nf; mask++) {
      if (mask & (1 << i)) continue;
      let size = 0;
      for (let j = 0; j < nf; j++) if (mask & (1 << j)) size++;
      const w = (fact(size) * fact(nf - size - 1)) / fact(nf);
      phi[i] += w * (v(mask | (1 << i)) - v(mask));
    }
  }
  return phi;
}

const handTree = build({
  feature: 0,
  threshold: 0.5,
  defaultLeft: true,
  cover: 10,
  left: {
    feature: 1,
    cats: [1, 3],
    defaultLeft: false,
    cover: 6,
    left: { cover: 4, value: -1 },
    right: {
      feature: 0,
      threshold: 0.2,
      cover: 2,
      left: { cover: 1, value: 2 },
      right: { cover: 1, value: 3 },
    },
  },
  right: {
    feature: 2,
    threshold: 1,
    defaultLeft: false,
    cover: 4,
    left: { cover: 3, value: 0.5 },
    right: { cover: 1, value: -2 },
  },
});

describe('treeShap', () => {
  it('matches brute-force Shapley values on a hand-built tree (categorical, missing, repeated feature)', () => {
    const rows = [
      [0.1, 1, 0],
      [0.3, 3, 2],
      [0.9, 0, 0.5],
      [Number.NaN, 3, Number.NaN],
      [0.1, Number.NaN, 5],
      [0.6, 2, Number.NaN],
    ];
    for (const row of rows) {
      const { contributions, expectedValue } = treeShap([handTree], row, 3);
      const ref = bruteShap([handTree], row, 3);
      for (let f = 0; f < 3; f++) expect(contributions[f]).toBeCloseTo(ref[f], 12);
      // Expected value: cover-weighted mean of leaves.
      expect(expectedValue).toBeCloseTo((4 * -1 + 2 + 3 + 3 * 0.5 - 2) / 10, 12);
      const sum = contributions.reduce((a, b) => a + b, expectedValue);
      expect(sum).toBeCloseTo(
        condExp(handTree, 0, row, () => true),
        12,
      );
    }
  });

  it('adds up to the raw margin of a boosted model on random rows (to 1e-9)', () => {
    const rng = new Rng(5);
    const n = 600;
    const X: Matrix = { data: new Float64Array(n * 4), rows: n, cols: 4 };
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = rng.next() * 2 - 1;
      const b = rng.next() < 0.2 ? Number.NaN : rng.next();
      const c = rng.int(6);
      const d = rng.next();
      X.data.set([a, b, c, d], i * 4);
      y[i] = a + (Number.isNaN(b) ? 0.5 : b) + (c % 2) * 0.7 + 0.5 * rng.next() > 1 ? 1 : 0;
    }
    const features: FeatureInfo[] = [
      { name: 'a', kind: 'numeric' },
      { name: 'b', kind: 'numeric' },
      { name: 'c', kind: 'categorical', categories: 6 },
      { name: 'd', kind: 'numeric' },
    ];
    const m = new GradientBoostingClassifier({ nEstimators: 40, maxDepth: 6 }).fit(X, y, { features });
    const margin = m.decisionFunction(X);
    const out = new Float64Array(4);
    for (let k = 0; k < 100; k++) {
      const i = rng.int(n);
      const r = treeShap(m.trees, X.data.subarray(i * 4, i * 4 + 4), 4, out, { baseMargin: m.baseMargin });
      expect(r.contributions).toBe(out);
      const sum = r.contributions.reduce((a, b) => a + b, r.expectedValue);
      expect(Math.abs(sum - margin[i])).toBeLessThan(1e-9);
    }
    // And matches brute force on a few rows of the first trees.
    const few = m.trees.slice(0, 3);
    for (let i = 0; i < 5; i++) {
      const row = X.data.subarray(i * 4, i * 4 + 4);
      const phi = treeShap(few, row, 4).contributions;
      const ref = bruteShap(few, row, 4);
      for (let f = 0; f < 4; f++) expect(phi[f]).toBeCloseTo(ref[f], 10);
    }
  });

  it('guards its inputs', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return (e as SporeprintError).code;
      }
      return undefined;
    };
    expect(code(() => treeShap([handTree], [1, 2], 3))).toBe('SP_ERR_BAD_DATA');
    expect(code(() => treeShap([handTree], [1, 2, 3], 3, new Float64Array(2)))).toBe('SP_ERR_BAD_DATA');
    expect(code(() => treeShap([handTree], [1, 2, 3], 2))).toBe('SP_ERR_BAD_DATA');
    expect(code(() => treeShap([handTree], [1, 2, 3], -1))).toBe('SP_ERR_BAD_PARAM');
  });
});
