/**
 * The capped nearest-neighbour search behind `NoveltyDetector`: the fitted state, the label-free
 * mismatch weights, and the allocation-free scoring of one row. Internal to the novelty module.
 */
import type { FeatureInfo } from '../../core/index.js';
import {
  buildMasks,
  buildTable,
  findSlot,
  type MaskSet,
  MISSING_CODE,
  maskedHash,
  type PatternTable,
  UNSEEN_CODE,
} from './pattern-index.js';

/** The resolved hyper-parameters of a fitted detector. */
export interface NoveltyDetectorParams {
  readonly radius: 0 | 1 | 2;
  readonly numericWeight: number;
  readonly missingPenalty: number;
  readonly nominalWeights: 'uniform' | 'learned';
}

/** The fitted, ready-to-score state of a detector (typed arrays plus the pattern index). */
export interface State {
  readonly params: NoveltyDetectorParams;
  readonly features: readonly FeatureInfo[];
  /** Column of each nominal feature. */
  readonly nomCols: Int32Array;
  /** Mismatch cost of each nominal feature. */
  readonly weights: Float64Array;
  /** `levelCost[s]`: the sum of the s smallest weights (a lower bound of s mismatches). */
  readonly levelCost: Float64Array;
  /** Category count of each nominal feature. */
  readonly nomCats: Int32Array;
  /** Column of each numeric feature. */
  readonly numCols: Int32Array;
  /** Training scale (IQR, else std, else 1) of each numeric feature. */
  readonly scales: Float64Array;
  /** `numericWeight / scale` per numeric feature. */
  readonly invScale: Float64Array;
  /** `numericWeight · missingPenalty`. */
  readonly missCost: number;
  readonly patternCount: number;
  /** Distinct nominal patterns (`patternCount × nomCols.length`), missing = {@link MISSING_CODE}. */
  readonly codes: Uint16Array;
  /** Rows of pattern p are `[rowStart[p], rowStart[p+1])` of `numerics`. */
  readonly rowStart: Int32Array;
  /**
   * Numerics of the training rows grouped by pattern (`rows × numCols.length`), NaN = missing; within
   * a pattern sorted by the first numeric, rows whose first numeric is missing last.
   */
  readonly numerics: Float64Array;
  /** First row of pattern p whose first numeric is missing (= rowStart[p+1] when none). */
  readonly nanStart: Int32Array;
  readonly trainingRows: number;
  readonly masks: MaskSet;
  readonly table: PatternTable;
  /** The score every record farther than `radius` mismatches gets: `radius + 1`. */
  readonly cap: number;
  /** Scratch: the query's nominal codes and numerics. */
  readonly qCodes: Uint16Array;
  readonly qNum: Float64Array;
}

/** Builds the scoring state (sorted rows, weights, index, scratch) from fitted or loaded parts. */
export function makeState(
  params: NoveltyDetectorParams,
  features: readonly FeatureInfo[],
  codes: Uint16Array,
  patternCount: number,
  rowStart: Int32Array,
  numerics: Float64Array,
  scales: Float64Array,
  weights: Float64Array,
): State {
  const nom: number[] = [];
  const num: number[] = [];
  const nomCats: number[] = [];
  features.forEach((f, j) => {
    if (f.kind === 'categorical') {
      nom.push(j);
      nomCats.push(f.categories ?? 0);
    } else num.push(j);
  });
  const m = nom.length;
  const k = num.length;
  const radius = Math.min(params.radius, m) as 0 | 1 | 2;
  const masks = buildMasks(m, radius);
  const { sorted, nanStart } = sortWithinPatterns(numerics, rowStart, patternCount, k);
  const ascending = Float64Array.from(weights).sort();
  const levelCost = new Float64Array(radius + 2);
  for (let l = 1; l < levelCost.length; l++) levelCost[l] = levelCost[l - 1] + (ascending[l - 1] ?? 0);
  return {
    params,
    features: Object.freeze(features.map((f) => Object.freeze({ ...f }))),
    nomCols: Int32Array.from(nom),
    nomCats: Int32Array.from(nomCats),
    weights,
    levelCost,
    numCols: Int32Array.from(num),
    scales,
    invScale: Float64Array.from(scales, (s) => params.numericWeight / s),
    missCost: params.numericWeight * params.missingPenalty,
    patternCount,
    codes,
    rowStart,
    numerics: sorted,
    nanStart,
    trainingRows: rowStart[patternCount],
    masks,
    table: buildTable(codes, patternCount, m, masks),
    cap: radius + 1,
    qCodes: new Uint16Array(m),
    qNum: new Float64Array(num.length),
  };
}

/**
 * Learned mismatch costs w_j = 1 / (1 + m·s_j), s_j = feature j's share of the pairs of distinct
 * training patterns that differ in feature j only (all 1 when no such pair exists).
 */
export function learnWeights(codes: Uint16Array, patternCount: number, m: number): Float64Array {
  const pairs = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    const buckets = new Map<string, number>();
    for (let p = 0; p < patternCount; p++) {
      const row = Array.from(codes.subarray(p * m, p * m + m));
      row[t] = -1;
      const key = row.join(',');
      buckets.set(key, (buckets.get(key) ?? 0) + 1);
    }
    for (const c of buckets.values()) pairs[t] += (c * (c - 1)) / 2;
  }
  let total = 0;
  for (const v of pairs) total += v;
  return Float64Array.from(pairs, (v) => (total > 0 ? 1 / (1 + (m * v) / total) : 1));
}

/**
 * Sorts the rows of each pattern by their first numeric (missing last, ties in stored order), so a
 * query can sweep outward from its own value and stop once the first coordinate alone is too far.
 */
function sortWithinPatterns(
  numerics: Float64Array,
  rowStart: Int32Array,
  patternCount: number,
  k: number,
): { sorted: Float64Array; nanStart: Int32Array } {
  const nanStart = new Int32Array(patternCount);
  if (k === 0) {
    nanStart.set(rowStart.subarray(1));
    return { sorted: numerics, nanStart };
  }
  const sorted = new Float64Array(numerics.length);
  for (let p = 0; p < patternCount; p++) {
    const a = rowStart[p];
    const b = rowStart[p + 1];
    const order = Array.from({ length: b - a }, (_, i) => a + i);
    order.sort((x, y) => {
      const vx = numerics[x * k];
      const vy = numerics[y * k];
      const nx = Number.isNaN(vx);
      const ny = Number.isNaN(vy);
      if (nx || ny) return nx === ny ? x - y : nx ? 1 : -1;
      return vx - vy || x - y;
    });
    let firstNan = b;
    order.forEach((src, i) => {
      sorted.set(numerics.subarray(src * k, src * k + k), (a + i) * k);
      if (firstNan === b && Number.isNaN(numerics[src * k])) firstNan = a + i;
    });
    nanStart[p] = firstNan;
  }
  return { sorted, nanStart };
}

/** Scaled L1 distance of the query numerics from position 1 on to row `r`, stopping at `limit`. */
function restDistance(s: State, r: number, d: number, limit: number): number {
  const { qNum, numerics, invScale, missCost } = s;
  const k = qNum.length;
  const ro = r * k;
  for (let u = 1; u < k && d < limit; u++) {
    const a = qNum[u];
    const b = numerics[ro + u];
    const aNaN = Number.isNaN(a);
    const bNaN = Number.isNaN(b);
    if (!aNaN) d += bNaN ? missCost : Math.abs(a - b) * invScale[u];
    else if (!bNaN) d += missCost;
  }
  return d;
}

/**
 * The smallest of `best` and the distance from the query to the rows of pattern `p`, given the
 * pattern's nominal distance `dn`: a sweep outward from the query's first numeric in the sorted rows.
 */
function nearestInPattern(s: State, p: number, dn: number, best: number): number {
  const { qNum, numerics, rowStart, nanStart, invScale, missCost } = s;
  const k = qNum.length;
  if (k === 0) return Math.min(dn, best);
  const a0 = qNum[0];
  const first = rowStart[p];
  const nanFrom = nanStart[p];
  const end = rowStart[p + 1];
  if (Number.isNaN(a0)) {
    // query's first numeric missing: every row with a first numeric costs missCost there
    for (let r = first; r < end; r++) {
      const d = restDistance(s, r, r < nanFrom ? dn + missCost : dn, best);
      if (d < best) best = d;
    }
    return best;
  }
  const inv0 = invScale[0];
  let lo = first;
  let hi = nanFrom;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (numerics[mid * k] < a0) lo = mid + 1;
    else hi = mid;
  }
  for (let r = lo; r < nanFrom; r++) {
    const d0 = dn + (numerics[r * k] - a0) * inv0;
    if (d0 >= best) break;
    const d = restDistance(s, r, d0, best);
    if (d < best) best = d;
  }
  for (let r = lo - 1; r >= first; r--) {
    const d0 = dn + (a0 - numerics[r * k]) * inv0;
    if (d0 >= best) break;
    const d = restDistance(s, r, d0, best);
    if (d < best) best = d;
  }
  for (let r = nanFrom; r < end; r++) {
    const d = restDistance(s, r, dn + missCost, best);
    if (d < best) best = d;
  }
  return best;
}

/** The capped nearest-neighbour distance of the row at `data[offset…]`; allocation-free. */
export function scoreInto(s: State, data: Float64Array, offset: number): number {
  const { nomCols, nomCats, numCols, qCodes, qNum, codes, masks, table, weights, levelCost } = s;
  const m = nomCols.length;
  const k = numCols.length;
  const radius = levelCost.length - 2;
  for (let t = 0; t < m; t++) {
    const v = data[offset + nomCols[t]];
    qCodes[t] = Number.isNaN(v)
      ? MISSING_CODE
      : Number.isInteger(v) && v >= 0 && v < nomCats[t]
        ? v
        : UNSEEN_CODE;
  }
  for (let u = 0; u < k; u++) qNum[u] = data[offset + numCols[u]];
  let best = s.cap;
  const sizeStart = masks.sizeStart;
  const levels = sizeStart.length - 1;
  for (let size = 0; size < levels; size++) {
    // a pattern first found under masks of this size has ≥ `size` mismatches
    if (best <= levelCost[size]) break;
    for (let mk = sizeStart[size]; mk < sizeStart[size + 1]; mk++) {
      const slot = findSlot(table, maskedHash(qCodes, 0, m, masks, mk));
      if (slot < 0) continue;
      const st = table.slotStart[slot];
      const end = st + table.slotLen[slot];
      for (let c = st; c < end; c++) {
        const p = table.items[c];
        const po = p * m;
        let dn = 0;
        let miss = 0;
        for (let t = 0; t < m; t++) {
          if (codes[po + t] !== qCodes[t]) {
            dn += weights[t];
            miss++;
          }
        }
        // hash collisions may bring in patterns beyond the radius: they are not neighbours
        if (miss <= radius && dn < best) best = nearestInPattern(s, p, dn, best);
      }
    }
  }
  return best;
}
