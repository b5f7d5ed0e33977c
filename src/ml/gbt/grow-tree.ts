import type { TreeArrays } from '../tree-arrays.js';
import type { BinnedData } from './binning.js';
import { float32CutToThreshold } from './float32.js';

/** The split-relevant hyper-parameters of one tree. */
export interface GrowParams {
  readonly eta: number;
  readonly maxDepth: number;
  readonly minChildWeight: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly gamma: number;
  readonly maxCatToOnehot: number;
}

/** XGBoost's `kRtEps`: a split must reduce the loss by more than this. */
const RT_EPS = 1e-6;
/** XGBoost's `max_cat_threshold` default: most categories on the right of a partition split. */
const MAX_CAT_THRESHOLD = 64;

/** L1 soft-thresholding of a gradient sum (XGBoost's `ThresholdL1`). */
export function thresholdL1(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

/** XGBoost's `CalcGain`: the (doubled) loss reduction score `T(G)² / (H + λ)` of a node. */
export function calcGain(g: number, h: number, lambda: number, alpha: number): number {
  if (h <= 0) return 0;
  const t = alpha === 0 ? g : thresholdL1(g, alpha);
  return (t * t) / (h + lambda);
}

/** XGBoost's `CalcWeight`: the optimal (unscaled) leaf weight `−T(G) / (H + λ)`, 0 below min_child_weight. */
export function calcWeight(
  g: number,
  h: number,
  lambda: number,
  alpha: number,
  minChildWeight: number,
): number {
  if (h < minChildWeight || h <= 0) return 0;
  const t = thresholdL1(g, alpha);
  return t === 0 ? 0 : -t / (h + lambda);
}

/**
 * XGBoost's split gain (`loss_chg`): `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)` with L1 soft-thresholding.
 * This is twice the paper's `½[…]`; XGBoost records and prunes (`gamma`) on this quantity.
 */
export function splitGain(
  gl: number,
  hl: number,
  gr: number,
  hr: number,
  lambda: number,
  alpha: number,
): number {
  return (
    calcGain(gl, hl, lambda, alpha) +
    calcGain(gr, hr, lambda, alpha) -
    calcGain(gl + gr, hl + hr, lambda, alpha)
  );
}

interface Split {
  gain: number;
  feature: number;
  /** Numeric: last local bin going left (−1: no present value goes left). */
  bin: number;
  defaultLeft: boolean;
  /** Categorical: local bins going right. */
  catSet: number[] | null;
  gl: number;
  hl: number;
}

interface Node {
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array | null;
  left: number;
  right: number;
  split: Split | null;
}

/** Reusable buffers of the grower (one per fit). */
export class TreeGrower {
  private readonly pool: Float64Array[] = [];
  private readonly tmp: Uint32Array;
  private readonly order: Int32Array;
  private readonly orderKey: Float64Array;

  constructor(
    private readonly binned: BinnedData,
    private readonly params: GrowParams,
  ) {
    this.tmp = new Uint32Array(binned.rows);
    let maxBins = 1;
    for (let f = 0; f < binned.cols; f++) maxBins = Math.max(maxBins, binned.nBins[f]);
    this.order = new Int32Array(maxBins);
    this.orderKey = new Float64Array(maxBins);
  }

  private take(): Float64Array {
    const h = this.pool.pop() ?? new Float64Array(2 * this.binned.totalBins);
    h.fill(0);
    return h;
  }

  private give(h: Float64Array | null): void {
    if (h) this.pool.push(h);
  }

  private buildHist(
    hist: Float64Array,
    rows: Uint32Array,
    start: number,
    end: number,
    gh: Float64Array,
  ): void {
    const { bins, cols } = this.binned;
    for (let k = start; k < end; k++) {
      const r = rows[k];
      const g = gh[2 * r];
      const h = gh[2 * r + 1];
      const base = r * cols;
      for (let f = 0; f < cols; f++) {
        const b = bins[base + f] << 1;
        hist[b] += g;
        hist[b + 1] += h;
      }
    }
  }

  /**
   * Grows one tree on `rows` (the sampled row indices, reordered in place into leaf segments) with
   * interleaved gradient pairs `gh`. `allowed[f] === 1` marks features this tree may split on.
   * Returns the tree and, per leaf node of the returned tree, the row segment (for prediction caching).
   */
  grow(
    rows: Uint32Array,
    nRows: number,
    gh: Float64Array,
    allowed: Uint8Array,
  ): { tree: TreeArrays; leafStart: Int32Array; leafEnd: Int32Array } {
    const p = this.params;
    const nodes: Node[] = [];
    let g0 = 0;
    let h0 = 0;
    for (let k = 0; k < nRows; k++) {
      const r = rows[k];
      g0 += gh[2 * r];
      h0 += gh[2 * r + 1];
    }
    nodes.push({
      start: 0,
      end: nRows,
      depth: 0,
      g: g0,
      h: h0,
      hist: null,
      left: -1,
      right: -1,
      split: null,
    });
    let level = [0];
    if (this.canSplit(nodes[0])) {
      nodes[0].hist = this.take();
      this.buildHist(nodes[0].hist, rows, 0, nRows, gh);
    }
    while (level.length > 0) {
      const next: number[] = [];
      for (const id of level) {
        const node = nodes[id];
        if (node.hist === null) continue;
        const split = this.findSplit(node, allowed);
        if (split === null) {
          this.give(node.hist);
          node.hist = null;
          continue;
        }
        node.split = split;
        const mid = this.partition(rows, node, split);
        const depth = node.depth + 1;
        const l: Node = {
          start: node.start,
          end: mid,
          depth,
          g: split.gl,
          h: split.hl,
          hist: null,
          left: -1,
          right: -1,
          split: null,
        };
        const r: Node = {
          start: mid,
          end: node.end,
          depth,
          g: node.g - split.gl,
          h: node.h - split.hl,
          hist: null,
          left: -1,
          right: -1,
          split: null,
        };
        node.left = nodes.length;
        node.right = nodes.length + 1;
        nodes.push(l, r);
        next.push(node.left, node.right);
        const needL = this.canSplit(l);
        const needR = this.canSplit(r);
        if (needL || needR) {
          const [small, large] = l.end - l.start <= r.end - r.start ? [l, r] : [r, l];
          const smallHist = this.take();
          this.buildHist(smallHist, rows, small.start, small.end, gh);
          const parentHist = node.hist;
          for (let i = 0; i < parentHist.length; i++) parentHist[i] -= smallHist[i];
          small.hist = smallHist;
          large.hist = parentHist;
          if (!this.canSplit(small)) {
            this.give(small.hist);
            small.hist = null;
          }
          if (!this.canSplit(large)) {
            this.give(large.hist);
            large.hist = null;
          }
        } else {
          this.give(node.hist);
        }
        node.hist = null;
      }
      level = next;
    }
    if (p.gamma > 0) prune(nodes, 0, p.gamma);
    return this.toArrays(nodes);
  }

  private canSplit(node: Node): boolean {
    return (
      node.depth < this.params.maxDepth && node.h >= 2 * this.params.minChildWeight && node.end > node.start
    );
  }

  private findSplit(node: Node, allowed: Uint8Array): Split | null {
    const { lambda, alpha, minChildWeight: mcw, maxCatToOnehot } = this.params;
    const { offset, nBins, categorical, cols } = this.binned;
    const hist = node.hist!;
    const G = node.g;
    const H = node.h;
    const parentGain = calcGain(G, H, lambda, alpha);
    let bestGain = RT_EPS;
    let best: Split | null = null;
    const valid = (hl: number, hr: number): boolean => hl >= mcw && hr >= mcw && hl > 0 && hr > 0;
    for (let f = 0; f < cols; f++) {
      if (allowed[f] === 0) continue;
      const off = offset[f];
      const nb = nBins[f];
      const mg = hist[2 * (off + nb)];
      const mh = hist[2 * (off + nb) + 1];
      if (categorical[f] === 0) {
        let cg = 0;
        let ch = 0;
        for (let b = -1; b < nb; b++) {
          if (b >= 0) {
            const hb = hist[2 * (off + b) + 1];
            if (hb === 0 && hist[2 * (off + b)] === 0) continue;
            cg += hist[2 * (off + b)];
            ch += hb;
          }
          // Missing values right.
          if (valid(ch, H - ch)) {
            const gain =
              calcGain(cg, ch, lambda, alpha) + calcGain(G - cg, H - ch, lambda, alpha) - parentGain;
            if (gain > bestGain) {
              bestGain = gain;
              best = { gain, feature: f, bin: b, defaultLeft: false, catSet: null, gl: cg, hl: ch };
            }
          }
          // Missing values left.
          if (mh > 0) {
            const gl = cg + mg;
            const hl = ch + mh;
            if (valid(hl, H - hl)) {
              const gain =
                calcGain(gl, hl, lambda, alpha) + calcGain(G - gl, H - hl, lambda, alpha) - parentGain;
              if (gain > bestGain) {
                bestGain = gain;
                best = { gain, feature: f, bin: b, defaultLeft: true, catSet: null, gl, hl };
              }
            }
          }
        }
      } else if (nb < maxCatToOnehot) {
        for (let c = 0; c < nb; c++) {
          const rg = hist[2 * (off + c)];
          const rh = hist[2 * (off + c) + 1];
          if (rh === 0) continue;
          for (let missingRight = 0; missingRight < 2; missingRight++) {
            if (missingRight === 1 && mh === 0) break;
            const gr = missingRight === 1 ? rg + mg : rg;
            const hr = missingRight === 1 ? rh + mh : rh;
            if (!valid(H - hr, hr)) continue;
            const gain =
              calcGain(G - gr, H - hr, lambda, alpha) + calcGain(gr, hr, lambda, alpha) - parentGain;
            if (gain > bestGain) {
              bestGain = gain;
              best = {
                gain,
                feature: f,
                bin: -1,
                defaultLeft: missingRight === 0,
                catSet: [c],
                gl: G - gr,
                hl: H - hr,
              };
            }
          }
        }
      } else {
        // Partition split: sort the present categories by their optimal weight, try every prefix/suffix.
        const order = this.order;
        const key = this.orderKey;
        let m = 0;
        for (let c = 0; c < nb; c++) {
          const ch = hist[2 * (off + c) + 1];
          if (ch > 0) {
            order[m] = c;
            key[c] = -hist[2 * (off + c)] / (ch + lambda);
            m++;
          }
        }
        if (m < 2) continue;
        const sorted = Array.from(order.subarray(0, m)).sort((a, b) => key[a] - key[b] || a - b);
        const limit = Math.min(m - 1, MAX_CAT_THRESHOLD);
        for (let dir = 0; dir < 2; dir++) {
          let rg = 0;
          let rh = 0;
          for (let k = 0; k < limit; k++) {
            const c = dir === 0 ? sorted[k] : sorted[m - 1 - k];
            rg += hist[2 * (off + c)];
            rh += hist[2 * (off + c) + 1];
            for (let missingRight = 0; missingRight < 2; missingRight++) {
              if (missingRight === 1 && mh === 0) break;
              const gr = missingRight === 1 ? rg + mg : rg;
              const hr = missingRight === 1 ? rh + mh : rh;
              if (!valid(H - hr, hr)) continue;
              const gain =
                calcGain(G - gr, H - hr, lambda, alpha) + calcGain(gr, hr, lambda, alpha) - parentGain;
              if (gain > bestGain) {
                bestGain = gain;
                const set = dir === 0 ? sorted.slice(0, k + 1) : sorted.slice(m - 1 - k);
                best = {
                  gain,
                  feature: f,
                  bin: -1,
                  defaultLeft: missingRight === 0,
                  catSet: set,
                  gl: G - gr,
                  hl: H - hr,
                };
              }
            }
          }
        }
      }
    }
    return best;
  }

  /** Stable partition of the node's rows: left rows first. Returns the first right position. */
  private partition(rows: Uint32Array, node: Node, split: Split): number {
    const { bins, cols, offset, nBins } = this.binned;
    const f = split.feature;
    const off = offset[f];
    const missing = off + nBins[f];
    const tmp = this.tmp;
    const dl = split.defaultLeft;
    let nl = node.start;
    let nr = 0;
    if (split.catSet === null) {
      const last = off + split.bin;
      for (let k = node.start; k < node.end; k++) {
        const r = rows[k];
        const b = bins[r * cols + f];
        const goLeft = b === missing ? dl : b <= last;
        if (goLeft) rows[nl++] = r;
        else tmp[nr++] = r;
      }
    } else {
      const inSet = new Uint8Array(nBins[f]);
      for (const c of split.catSet) inSet[c] = 1;
      for (let k = node.start; k < node.end; k++) {
        const r = rows[k];
        const b = bins[r * cols + f];
        const goLeft = b === missing ? dl : inSet[b - off] === 0;
        if (goLeft) rows[nl++] = r;
        else tmp[nr++] = r;
      }
    }
    rows.set(tmp.subarray(0, nr), nl);
    return nl;
  }

  private toArrays(nodes: Node[]): { tree: TreeArrays; leafStart: Int32Array; leafEnd: Int32Array } {
    const { eta, lambda, alpha, minChildWeight } = this.params;
    const { cuts, minValues, nBins } = this.binned;
    // Breadth-first renumbering of the reachable nodes (pruning may have cut subtrees).
    const ids: number[] = [0];
    for (let i = 0; i < ids.length; i++) {
      const n = nodes[ids[i]];
      if (n.split !== null) ids.push(n.left, n.right);
    }
    const count = ids.length;
    const newId = new Map<number, number>();
    for (let k = 0; k < ids.length; k++) newId.set(ids[k], k);
    const left = new Int32Array(count).fill(-1);
    const right = new Int32Array(count).fill(-1);
    const feature = new Int32Array(count);
    const threshold = new Float64Array(count);
    const defaultLeft = new Uint8Array(count);
    const isCategorical = new Uint8Array(count);
    const catOffset = new Int32Array(count);
    const catWords = new Int32Array(count);
    const bits: number[] = [];
    const value = new Float64Array(count);
    const cover = new Float64Array(count);
    const gain = new Float64Array(count);
    const leafStart = new Int32Array(count).fill(-1);
    const leafEnd = new Int32Array(count).fill(-1);
    for (let k = 0; k < count; k++) {
      const n = nodes[ids[k]];
      value[k] = eta * calcWeight(n.g, n.h, lambda, alpha, minChildWeight);
      cover[k] = n.h;
      const s = n.split;
      if (s === null) {
        leafStart[k] = n.start;
        leafEnd[k] = n.end;
        continue;
      }
      left[k] = newId.get(n.left)!;
      right[k] = newId.get(n.right)!;
      feature[k] = s.feature;
      defaultLeft[k] = s.defaultLeft ? 1 : 0;
      gain[k] = s.gain;
      if (s.catSet === null) {
        const cut = s.bin >= 0 ? cuts[s.feature][s.bin] : minValues[s.feature];
        threshold[k] = float32CutToThreshold(cut);
      } else {
        isCategorical[k] = 1;
        const words = (nBins[s.feature] + 31) >>> 5;
        catOffset[k] = bits.length;
        catWords[k] = words;
        const start = bits.length;
        for (let w = 0; w < words; w++) bits.push(0);
        for (const c of s.catSet) bits[start + (c >>> 5)] |= 1 << (c & 31);
      }
    }
    const tree: TreeArrays = {
      left,
      right,
      feature,
      threshold,
      defaultLeft,
      isCategorical,
      catOffset,
      catWords,
      catBits: Uint32Array.from(bits, (b) => b >>> 0),
      value,
      cover,
      gain,
    };
    return { tree, leafStart, leafEnd };
  }
}

/** XGBoost's `TreePruner`: bottom-up, a split whose children are leaves and whose gain < gamma is undone. */
function prune(nodes: Node[], id: number, gamma: number): boolean {
  const n = nodes[id];
  if (n.split === null) return true;
  const l = prune(nodes, n.left, gamma);
  const r = prune(nodes, n.right, gamma);
  if (l && r && n.split.gain < gamma) {
    n.split = null;
    return true;
  }
  return false;
}
