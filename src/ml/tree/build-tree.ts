import {
  distinctValues,
  FEATURE_THRESHOLD,
  impurityOf,
  lowerBound,
  MAX_BINS,
  midpoint,
} from './split-helpers.js';

/**
 * CART growth on typed arrays: presorted numeric columns (sorted row lists partitioned stably at each
 * split), per-node category histograms with Breiman's ordering for categorical columns, and learned
 * default directions for missing values. Internal to the tree module.
 */

/** The growing tree: plain arrays while building, converted to TreeArrays afterwards. */
export interface RawTree {
  left: number[];
  right: number[];
  feature: number[];
  threshold: number[];
  defaultLeft: number[];
  isCategorical: number[];
  /** For categorical nodes: the category codes going RIGHT. */
  catSet: (number[] | null)[];
  w0: number[];
  w1: number[];
  nSamples: number[];
  impurity: number[];
  /** Weighted impurity decrease w·imp − w_l·imp_l − w_r·imp_r (0 at leaves). */
  gain: number[];
  depth: number[];
}

/** Growth settings (validated hyper-parameters). */
export interface GrowOptions {
  readonly criterion: 'gini' | 'entropy';
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  readonly minImpurityDecrease: number;
}

/**
 * Grows a tree. `col` is column-major (`col[f * n + i]`), `isCat[f]` marks categorical columns whose
 * values are integer codes in [0, nCat[f]) or NaN.
 */
export function growTree(
  col: Float64Array,
  n: number,
  F: number,
  isCat: Uint8Array,
  nCat: Int32Array,
  y: Uint8Array,
  w: Float64Array,
  opt: GrowOptions,
): RawTree {
  const tree: RawTree = {
    left: [],
    right: [],
    feature: [],
    threshold: [],
    defaultLeft: [],
    isCategorical: [],
    catSet: [],
    w0: [],
    w1: [],
    nSamples: [],
    impurity: [],
    gain: [],
    depth: [],
  };
  const crit = opt.criterion;
  const imp = (a: number, b: number): number => impurityOf(crit, a, b);
  // weighted class sums per row
  const wy1 = new Float64Array(n);
  const wy0 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (y[i] === 1) wy1[i] = w[i];
    else wy0[i] = w[i];
  }
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  // numeric columns with few distinct values (e.g. one-hot 0/1) are scanned as ordered histograms;
  // the others are presorted once and their sorted row lists partitioned stably at each split
  const binVals: (Float64Array | null)[] = [];
  const binCode: (Uint16Array | null)[] = [];
  const numFeatures: number[] = [];
  for (let f = 0; f < F; f++) {
    binVals.push(null);
    binCode.push(null);
    if (isCat[f] === 1) continue;
    const vals = distinctValues(col.subarray(f * n, (f + 1) * n), MAX_BINS);
    if (vals === null) {
      numFeatures.push(f);
      continue;
    }
    const codes = new Uint16Array(n);
    const off = f * n;
    for (let i = 0; i < n; i++) {
      const v = col[off + i];
      codes[i] = Number.isNaN(v) ? vals.length : lowerBound(vals, v);
    }
    binVals[f] = vals;
    binCode[f] = codes;
  }
  const sorted: Int32Array[] = numFeatures.map((f) => {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const off = f * n;
    idx.sort((a, b) => {
      const xa = col[off + a];
      const xb = col[off + b];
      const na = Number.isNaN(xa);
      const nb = Number.isNaN(xb);
      if (na || nb) return na === nb ? a - b : na ? 1 : -1;
      return xa - xb || a - b;
    });
    return idx;
  });
  const sortedOf: Int32Array[] = [];
  numFeatures.forEach((f, k) => {
    sortedOf[f] = sorted[k];
  });
  let maxCat = MAX_BINS + 1;
  for (let f = 0; f < F; f++) if (isCat[f] === 1) maxCat = Math.max(maxCat, nCat[f] + 1);
  const h0 = new Float64Array(maxCat);
  const h1 = new Float64Array(maxCat);
  const hc = new Int32Array(maxCat);
  const order = new Int32Array(maxCat);
  const key = new Float64Array(maxCat);
  const goLeft = new Uint8Array(n);
  const tmp = new Int32Array(n);
  const sideOfSlot = new Uint8Array(maxCat);
  const minLeaf = opt.minSamplesLeaf;

  // best split of the current node
  let bFeat = -1;
  let bScore = Number.POSITIVE_INFINITY; // weighted child impurity sum
  let bThr = 0;
  let bMissLeft = 1;
  let bCatLeft: number[] = [];

  const consider = (f: number, score: number): boolean => {
    if (score < bScore) {
      bScore = score;
      bFeat = f;
      return true;
    }
    return false;
  };
  const childScore = (l0: number, l1: number, r0: number, r1: number): number =>
    (l0 + l1) * imp(l0, l1) + (r0 + r1) * imp(r0, r1);

  /** Split "x < thr" of a numeric column: tries missing-right and missing-left. */
  const numericCandidate = (
    f: number,
    thr: number,
    l0: number,
    l1: number,
    lc: number,
    rc: number,
    N0: number,
    N1: number,
    m0: number,
    m1: number,
    mc: number,
  ): void => {
    if (lc >= minLeaf && rc + mc >= minLeaf && consider(f, childScore(l0, l1, N0 - l0 + m0, N1 - l1 + m1))) {
      bThr = thr;
      bMissLeft = mc > 0 ? 0 : 2; // 2: no missing here, decided later (larger child)
    }
    if (
      mc > 0 &&
      lc + mc >= minLeaf &&
      rc >= minLeaf &&
      consider(f, childScore(l0 + m0, l1 + m1, N0 - l0, N1 - l1))
    ) {
      bThr = thr;
      bMissLeft = 1;
    }
  };
  /** Split "present vs missing" of a numeric column. */
  const missingCandidate = (
    f: number,
    N0: number,
    N1: number,
    present: number,
    m0: number,
    m1: number,
    mc: number,
  ): void => {
    if (mc > 0 && present >= minLeaf && mc >= minLeaf && consider(f, childScore(N0, N1, m0, m1))) {
      bThr = Number.MAX_VALUE; // every finite value is < it: present left, missing right
      bMissLeft = 0;
    }
  };

  /** Best split of rows[start, end); `constant[f]` = 1 marks columns known constant here (then skipped). */
  const findSplit = (start: number, end: number, W0: number, W1: number, constant: Uint8Array): void => {
    bFeat = -1;
    bScore = Number.POSITIVE_INFINITY;
    const cnt = end - start;
    for (let f = 0; f < F; f++) {
      if (constant[f] === 1) continue;
      const off = f * n;
      if (isCat[f] === 1) {
        const K = nCat[f];
        h0.fill(0, 0, K + 1);
        h1.fill(0, 0, K + 1);
        hc.fill(0, 0, K + 1);
        for (let k = start; k < end; k++) {
          const r = rows[k];
          const v = col[off + r];
          const s = Number.isNaN(v) ? K : v;
          h0[s] += wy0[r];
          h1[s] += wy1[r];
          hc[s]++;
        }
        let m = 0;
        for (let s = 0; s <= K; s++) {
          if (hc[s] === 0) continue;
          // insertion by P(poisonous), ties by slot
          const kv = h1[s] / (h0[s] + h1[s] || 1);
          let j = m++;
          while (j > 0 && key[j - 1] > kv) {
            key[j] = key[j - 1];
            order[j] = order[j - 1];
            j--;
          }
          key[j] = kv;
          order[j] = s;
        }
        if (m < 2) {
          constant[f] = 1;
          continue;
        }
        let l0 = 0;
        let l1 = 0;
        let lc = 0;
        let bestPrefix = -1;
        for (let j = 0; j < m - 1; j++) {
          const s = order[j];
          l0 += h0[s];
          l1 += h1[s];
          lc += hc[s];
          if (lc < minLeaf || cnt - lc < minLeaf) continue;
          if (consider(f, childScore(l0, l1, W0 - l0, W1 - l1))) bestPrefix = j;
        }
        if (bestPrefix >= 0) {
          bCatLeft = [];
          for (let j = 0; j <= bestPrefix; j++) bCatLeft.push(order[j]);
        }
      } else if (binVals[f] !== null) {
        const vals = binVals[f]!;
        const codes = binCode[f]!;
        const B = vals.length;
        h0.fill(0, 0, B + 1);
        h1.fill(0, 0, B + 1);
        hc.fill(0, 0, B + 1);
        for (let k = start; k < end; k++) {
          const r = rows[k];
          const s = codes[r];
          h0[s] += wy0[r];
          h1[s] += wy1[r];
          hc[s]++;
        }
        const m0 = h0[B];
        const m1 = h1[B];
        const mc = hc[B];
        const present = cnt - mc;
        if (present === 0 || (mc === 0 && hc[codes[rows[start]]] === present)) {
          constant[f] = 1; // all missing, or one value and nothing missing
          continue;
        }
        let l0 = 0;
        let l1 = 0;
        let lc = 0;
        let prev = -1;
        for (let s = 0; s < B; s++) {
          if (hc[s] === 0) continue;
          if (prev >= 0 && vals[s] > vals[prev] + FEATURE_THRESHOLD) {
            numericCandidate(
              f,
              midpoint(vals[prev], vals[s]),
              l0,
              l1,
              lc,
              present - lc,
              W0 - m0,
              W1 - m1,
              m0,
              m1,
              mc,
            );
          }
          l0 += h0[s];
          l1 += h1[s];
          lc += hc[s];
          prev = s;
        }
        missingCandidate(f, W0 - m0, W1 - m1, present, m0, m1, mc);
      } else {
        const idx = sortedOf[f];
        // missing rows sit at the tail of the segment
        let e = end;
        let m0 = 0;
        let m1 = 0;
        while (e > start) {
          const r = idx[e - 1];
          const v = col[off + r];
          if (!Number.isNaN(v)) break;
          m0 += wy0[r];
          m1 += wy1[r];
          e--;
        }
        const mc = end - e;
        if (
          e - start === 0 ||
          (mc === 0 && col[off + idx[e - 1]] <= col[off + idx[start]] + FEATURE_THRESHOLD)
        ) {
          constant[f] = 1;
          continue;
        }
        let l0 = 0;
        let l1 = 0;
        const N0 = W0 - m0;
        const N1 = W1 - m1;
        const present = e - start;
        for (let k = start; k < e - 1; k++) {
          const r = idx[k];
          l0 += wy0[r];
          l1 += wy1[r];
          const x = col[off + r];
          const xn = col[off + idx[k + 1]];
          if (xn <= x + FEATURE_THRESHOLD) continue;
          const lc = k + 1 - start;
          numericCandidate(f, midpoint(x, xn), l0, l1, lc, present - lc, N0, N1, m0, m1, mc);
        }
        missingCandidate(f, N0, N1, present, m0, m1, mc);
      }
    }
  };

  const partition = (start: number, end: number): number => {
    // goLeft already set for rows of the node; stable partition of rows and each sorted list
    const stable = (arr: Int32Array): void => {
      let a = start;
      let b = 0;
      for (let k = start; k < end; k++) {
        const r = arr[k];
        if (goLeft[r] === 1) arr[a++] = r;
        else tmp[b++] = r;
      }
      arr.set(tmp.subarray(0, b), a);
    };
    stable(rows);
    for (const s of sorted) stable(s);
    let nl = 0;
    for (let k = start; k < end; k++) nl += goLeft[rows[k]];
    return start + nl;
  };

  const rootW0 = sumRange(wy0, n);
  const rootW1 = sumRange(wy1, n);
  const wRoot = rootW0 + rootW1;

  const build = (
    start: number,
    end: number,
    depth: number,
    W0: number,
    W1: number,
    constant: Uint8Array,
  ): number => {
    const id = tree.left.length;
    const nodeImp = imp(W0, W1);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.defaultLeft.push(1);
    tree.isCategorical.push(0);
    tree.catSet.push(null);
    tree.w0.push(W0);
    tree.w1.push(W1);
    tree.nSamples.push(end - start);
    tree.impurity.push(nodeImp);
    tree.gain.push(0);
    tree.depth.push(depth);
    const cnt = end - start;
    if (
      depth >= opt.maxDepth ||
      cnt < opt.minSamplesSplit ||
      cnt < 2 * opt.minSamplesLeaf ||
      nodeImp <= Number.EPSILON
    ) {
      return id;
    }
    findSplit(start, end, W0, W1, constant);
    if (bFeat < 0) return id;
    const W = W0 + W1;
    const improvement = (W / wRoot) * (nodeImp - bScore / W);
    if (improvement + Number.EPSILON < opt.minImpurityDecrease) return id;
    const f = bFeat;
    const off = f * n;
    const gain = W * nodeImp - bScore;
    if (isCat[f] === 1) {
      const K = nCat[f];
      sideOfSlot.fill(0, 0, K + 1);
      for (const s of bCatLeft) sideOfSlot[s] = 1;
      for (let k = start; k < end; k++) {
        const r = rows[k];
        const v = col[off + r];
        goLeft[r] = sideOfSlot[Number.isNaN(v) ? K : v];
      }
    } else {
      const thr = bThr;
      const ml = bMissLeft;
      for (let k = start; k < end; k++) {
        const r = rows[k];
        const v = col[off + r];
        goLeft[r] = Number.isNaN(v) ? (ml === 1 ? 1 : 0) : v < thr ? 1 : 0;
      }
    }
    const catLeft = isCat[f] === 1 ? bCatLeft : null;
    const thr = bThr;
    const missLeft = bMissLeft;
    let mid = partition(start, end);
    let swapped = false;
    // categorical: the larger child goes LEFT (it receives unseen codes); the RIGHT side is the set
    let catSet: number[] | null = null;
    if (catLeft) {
      const K = nCat[f];
      const nl = mid - start;
      swapped = nl < end - mid;
      const leftSlots = new Set(catLeft);
      const rightSide = (s: number): boolean => (swapped ? leftSlots.has(s) : !leftSlots.has(s));
      catSet = [];
      for (let s = 0; s < K; s++) if (rightSide(s)) catSet.push(s);
      if (swapped) {
        for (let k = start; k < end; k++) goLeft[rows[k]] ^= 1;
        mid = partition(start, end);
      }
      tree.isCategorical[id] = 1;
      tree.catSet[id] = catSet;
      // missing slot K (or, if unseen here, the larger side = left)
      tree.defaultLeft[id] = hcHas(col, off, rows, start, end) ? (rightSide(K) ? 0 : 1) : 1;
    } else {
      tree.threshold[id] = thr;
      tree.defaultLeft[id] = missLeft === 2 ? (mid - start >= end - mid ? 1 : 0) : missLeft;
    }
    tree.feature[id] = f;
    tree.gain[id] = gain;
    // child sums recomputed exactly (differences would leave round-off in pure children)
    let lw0 = 0;
    let lw1 = 0;
    let rw0 = 0;
    let rw1 = 0;
    for (let k = start; k < mid; k++) {
      lw0 += wy0[rows[k]];
      lw1 += wy1[rows[k]];
    }
    for (let k = mid; k < end; k++) {
      rw0 += wy0[rows[k]];
      rw1 += wy1[rows[k]];
    }
    const l = build(start, mid, depth + 1, lw0, lw1, constant.slice());
    const r = build(mid, end, depth + 1, rw0, rw1, constant);
    tree.left[id] = l;
    tree.right[id] = r;
    return id;
  };
  build(0, n, 0, rootW0, rootW1, new Uint8Array(F));
  return tree;
}

function hcHas(col: Float64Array, off: number, rows: Int32Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    const v = col[off + rows[k]];
    if (Number.isNaN(v)) return true;
  }
  return false;
}

function sumRange(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i];
  return s;
}
