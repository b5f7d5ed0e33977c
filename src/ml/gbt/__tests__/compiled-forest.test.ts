import { describe, expect, it } from 'vitest';
import { type FeatureInfo, Rng } from '../../../core/index.js';
import { findLeaf, type TreeArrays } from '../../tree-arrays.js';
import type { MarginPrecision } from '../flat-forest.js';
import { CompiledForest, exactLiteral, FlatForest, GradientBoostingClassifier } from '../index.js';

const NCOLS = 5;
/** Features 0, 1, 4 numeric; 2 categorical with one-word sets; 3 categorical with up to 3-word sets. */
const KIND = ['num', 'num', 'cat1', 'cat3', 'num'] as const;
const THRESHOLDS = [-0, 0, 0.5, -1.25, 1 / 3, 1e-300, -1e300, 2.5e-7, 7, Number.POSITIVE_INFINITY];

/** A random tree in the shared TreeArrays shape (depth ≤ maxDepth, both default directions). */
function randomTree(rng: Rng, maxDepth: number, thresholds: readonly number[] = THRESHOLDS): TreeArrays {
  const left: number[] = [];
  const right: number[] = [];
  const feature: number[] = [];
  const threshold: number[] = [];
  const defaultLeft: number[] = [];
  const isCat: number[] = [];
  const catOffset: number[] = [];
  const catWords: number[] = [];
  const catBits: number[] = [];
  const value: number[] = [];
  const grow = (depth: number): number => {
    const id = left.length;
    left.push(-1);
    right.push(-1);
    feature.push(0);
    threshold.push(0);
    defaultLeft.push(rng.int(2));
    isCat.push(0);
    catOffset.push(0);
    catWords.push(0);
    // Leaf values with full double precision, including ±0.
    value.push(rng.next() < 0.05 ? (rng.next() < 0.5 ? -0 : 0) : (rng.next() - 0.5) * 10 ** (rng.int(7) - 3));
    if (depth >= maxDepth || (depth > 1 && rng.next() < 0.2)) return id;
    const f = rng.int(NCOLS);
    feature[id] = f;
    if (KIND[f] === 'num') {
      threshold[id] = rng.next() < 0.6 ? thresholds[rng.int(thresholds.length)] : (rng.next() - 0.5) * 20;
    } else {
      isCat[id] = 1;
      const words = KIND[f] === 'cat1' ? 1 : rng.int(4);
      catOffset[id] = catBits.length;
      catWords[id] = words;
      for (let w = 0; w < words; w++) catBits.push((rng.next() * 2 ** 32) >>> 0);
      if (words === 1 && rng.next() < 0.1) catBits[catBits.length - 1] = 0x80000000; // only code 31
    }
    const l = grow(depth + 1);
    const r = grow(depth + 1);
    left[id] = l;
    right[id] = r;
    return id;
  };
  grow(0);
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    defaultLeft: Uint8Array.from(defaultLeft),
    isCategorical: Uint8Array.from(isCat),
    catOffset: Int32Array.from(catOffset),
    catWords: Int32Array.from(catWords),
    catBits: Uint32Array.from(catBits),
    value: Float64Array.from(value),
    cover: new Float64Array(left.length),
    gain: new Float64Array(left.length),
  };
}

/** Rows mixing NaN, values exactly at and next to thresholds, codes in and out of sets, odd codes. */
function randomRows(rng: Rng, rows: number): Float64Array {
  const odd = [
    Number.NaN,
    -0,
    -1,
    -0.5,
    2.5,
    31,
    32,
    63,
    64,
    95,
    96,
    1000,
    2 ** 32,
    2 ** 32 + 3,
    2 ** 31,
    -(2 ** 32) + 5,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  const data = new Float64Array(rows * NCOLS);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < NCOLS; f++) {
      const u = rng.next();
      let x: number;
      if (u < 0.15) x = Number.NaN;
      else if (u < 0.3) x = odd[rng.int(odd.length)];
      else if (KIND[f] === 'num') {
        const t = THRESHOLDS[rng.int(THRESHOLDS.length)];
        const v = rng.next();
        // exactly at a threshold, or the neighbouring doubles
        x =
          v < 0.4
            ? t
            : v < 0.6
              ? t + Math.abs(t) * 2 ** -52
              : v < 0.8
                ? t - Math.abs(t) * 2 ** -52
                : (rng.next() - 0.5) * 20;
      } else x = rng.int(KIND[f] === 'cat1' ? 40 : 110);
      data[i * NCOLS + f] = x;
    }
  }
  return data;
}

/** The reference: findLeaf per tree, summed in tree order from `base`. */
function reference(
  trees: readonly TreeArrays[],
  data: Float64Array,
  rows: number,
  base: number,
  precision: MarginPrecision,
): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = base;
    for (const t of trees) {
      const v = t.value[findLeaf(t, data, i * NCOLS)];
      s = precision === 'float32' ? Math.fround(s + v) : s + v;
    }
    out[i] = s;
  }
  return out;
}

function expectIdentical(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect({ row: i, got: a[i] }).toEqual({ row: i, got: b[i] });
  }
}

describe('CompiledForest', () => {
  it('writes exact literals for every double', () => {
    const rng = new Rng(3);
    const xs = [
      -0,
      0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MIN_VALUE,
      -Number.MAX_VALUE,
      0.1,
      1 / 3,
    ];
    for (let k = 0; k < 2000; k++) xs.push((rng.next() - 0.5) * 10 ** (rng.int(40) - 20));
    for (const x of xs) expect(Object.is(new Function(`return ${exactLiteral(x)};`)(), x)).toBe(true);
  });

  for (const precision of ['float64', 'float32'] as const) {
    it(`gives margins bit-identical to findLeaf and FlatForest (${precision})`, () => {
      const rng = new Rng(precision === 'float64' ? 11 : 12);
      for (let trial = 0; trial < 6; trial++) {
        const trees = Array.from({ length: 5 + rng.int(40) }, () => randomTree(rng, 1 + rng.int(8)));
        const rows = 700;
        const data = randomRows(rng, rows);
        const base = precision === 'float32' ? Math.fround(rng.next() - 0.5) : rng.next() - 0.5;
        const want = reference(trees, data, rows, base, precision);
        const compiled = new CompiledForest(trees);
        expect(compiled.isCompiled(precision)).toBe(true);
        const got = new Float64Array(rows).fill(base);
        compiled.accumulate(data, rows, NCOLS, got, trees.length, precision);
        expectIdentical(got, want);
        const flat = new Float64Array(rows).fill(base);
        new FlatForest(trees).accumulate(data, rows, NCOLS, flat, trees.length, precision);
        expectIdentical(got, flat);
        // Row counts that are not a multiple of the block, and a single row.
        for (const n of [1, 257, 513]) {
          const part = new Float64Array(n).fill(base);
          compiled.accumulate(data, Math.min(n, rows), NCOLS, part, trees.length, precision);
          expectIdentical(part.subarray(0, Math.min(n, rows)), want.subarray(0, Math.min(n, rows)));
        }
      }
    });
  }

  it('follows findLeaf for a NaN threshold (never left for a number, NaN by its default)', () => {
    const rng = new Rng(5);
    const trees = Array.from({ length: 10 }, () => randomTree(rng, 4, [Number.NaN, 0, 1]));
    const data = randomRows(rng, 300);
    const got = new Float64Array(300);
    new CompiledForest(trees).accumulate(data, 300, NCOLS, got);
    expectIdentical(got, reference(trees, data, 300, 0, 'float64'));
  });

  it('splits the forest into several generated functions and falls back to the interpreter', () => {
    const rng = new Rng(8);
    const trees = Array.from({ length: 60 }, () => randomTree(rng, 7));
    const data = randomRows(rng, 500);
    const want = reference(trees, data, 500, 0, 'float64');
    const chunk = CompiledForest.CHUNK_NODES;
    const max = CompiledForest.MAX_NODES;
    try {
      CompiledForest.CHUNK_NODES = 30; // many small chunks
      const small = new CompiledForest(trees);
      const a = new Float64Array(500);
      small.accumulate(data, 500, NCOLS, a);
      expectIdentical(a, want);
      CompiledForest.MAX_NODES = 10; // too large to compile
      const big = new CompiledForest(trees);
      expect(big.isCompiled()).toBe(false);
      const b = new Float64Array(500);
      big.accumulate(data, 500, NCOLS, b);
      expectIdentical(b, want);
    } finally {
      CompiledForest.CHUNK_NODES = chunk;
      CompiledForest.MAX_NODES = max;
    }
    const off = new CompiledForest(trees, { compile: false });
    expect(off.isCompiled()).toBe(false);
    const c = new Float64Array(500);
    off.accumulate(data, 500, NCOLS, c);
    expectIdentical(c, want);
    // A partial forest goes through the interpreter with the same contract.
    const d = new Float64Array(500);
    new CompiledForest(trees).accumulate(data, 500, NCOLS, d, 20);
    expectIdentical(d, reference(trees.slice(0, 20), data, 500, 0, 'float64'));
  });

  it('predicts an imported float32 booster exactly as XGBoost sums it', () => {
    const rng = new Rng(21);
    const trees = Array.from({ length: 30 }, () => {
      const t = randomTree(rng, 6);
      // float32 leaves and float32-representable cuts, as the XGBoost importer produces
      return { ...t, value: t.value.map((v) => Math.fround(v)) };
    });
    const features: FeatureInfo[] = KIND.map((k, i) =>
      k === 'num'
        ? { name: `f${i}`, kind: 'numeric' as const }
        : { name: `f${i}`, kind: 'categorical' as const, categories: k === 'cat1' ? 32 : 96 },
    );
    const m = GradientBoostingClassifier.fromTrees({
      trees,
      baseScore: 0.3,
      features,
      marginPrecision: 'float32',
    });
    const rows = 600;
    const data = randomRows(rng, rows);
    const got = m.decisionFunction({ data, rows, cols: NCOLS });
    expectIdentical(got, reference(trees, data, rows, m.baseMargin, 'float32'));
  });
});
