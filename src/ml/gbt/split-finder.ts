import type { BinnedData } from './binning.js';
import { calcGain, RT_EPS } from './split-gain.js';

/** XGBoost's `max_cat_threshold` default: most categories on the right of a partition split. */
const MAX_CAT_THRESHOLD = 64;

/** The best split of a node. */
export interface Split {
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

/** The split-search hyper-parameters. */
export interface SplitParams {
  readonly lambda: number;
  readonly alpha: number;
  readonly minChildWeight: number;
  readonly maxCatToOnehot: number;
}

/**
 * XGBoost's `hist` split enumeration over a node's per-feature gradient histogram: numeric features scan
 * their bins with missing values sent either way, categorical features with fewer than `maxCatToOnehot`
 * categories try one category against the rest, wider ones sort their categories by optimal weight and
 * try every prefix and suffix (XGBoost's partition split). Reusable scratch, one per fit; allocates only
 * the {@link Split} it returns.
 */
export class SplitFinder {
  private readonly order: Int32Array;
  private readonly orderKey: Float64Array;
  // the node being searched: its sums, the parent's gain score, and the best split so far
  private G = 0;
  private H = 0;
  private parentGain = 0;
  private bestGain = RT_EPS;
  private best: Split | null = null;

  constructor(
    private readonly binned: BinnedData,
    private readonly params: SplitParams,
  ) {
    let maxBins = 1;
    for (let f = 0; f < binned.cols; f++) maxBins = Math.max(maxBins, binned.nBins[f]);
    this.order = new Int32Array(maxBins);
    this.orderKey = new Float64Array(maxBins);
  }

  /**
   * The best split of a node with gradient sums `g`, `h` and per-feature histogram `hist` (interleaved
   * gradient/hessian per global bin) among the features with `allowed[f] === 1`; null when no split
   * reduces the loss by more than XGBoost's `kRtEps`.
   */
  find(hist: Float64Array, g: number, h: number, allowed: Uint8Array): Split | null {
    const { lambda, alpha, maxCatToOnehot } = this.params;
    const { nBins, categorical, cols } = this.binned;
    this.G = g;
    this.H = h;
    this.parentGain = calcGain(g, h, lambda, alpha);
    this.bestGain = RT_EPS;
    this.best = null;
    for (let f = 0; f < cols; f++) {
      if (allowed[f] === 0) continue;
      if (categorical[f] === 0) this.scanNumeric(hist, f);
      else if (nBins[f] < maxCatToOnehot) this.scanOneHot(hist, f);
      else this.scanPartition(hist, f);
    }
    const best = this.best;
    this.best = null;
    return best;
  }

  private valid(hl: number, hr: number): boolean {
    const mcw = this.params.minChildWeight;
    return hl >= mcw && hr >= mcw && hl > 0 && hr > 0;
  }

  /** Numeric feature `f`: every bin boundary, missing values right then left. */
  private scanNumeric(hist: Float64Array, f: number): void {
    const { lambda, alpha } = this.params;
    const off = this.binned.offset[f];
    const nb = this.binned.nBins[f];
    const { G, H, parentGain } = this;
    const mg = hist[2 * (off + nb)];
    const mh = hist[2 * (off + nb) + 1];
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
      if (this.valid(ch, H - ch)) {
        const gain = calcGain(cg, ch, lambda, alpha) + calcGain(G - cg, H - ch, lambda, alpha) - parentGain;
        if (gain > this.bestGain) {
          this.bestGain = gain;
          this.best = { gain, feature: f, bin: b, defaultLeft: false, catSet: null, gl: cg, hl: ch };
        }
      }
      // Missing values left.
      if (mh > 0) {
        const gl = cg + mg;
        const hl = ch + mh;
        if (this.valid(hl, H - hl)) {
          const gain = calcGain(gl, hl, lambda, alpha) + calcGain(G - gl, H - hl, lambda, alpha) - parentGain;
          if (gain > this.bestGain) {
            this.bestGain = gain;
            this.best = { gain, feature: f, bin: b, defaultLeft: true, catSet: null, gl, hl };
          }
        }
      }
    }
  }

  /**
   * Offers the categorical split of feature `f` whose right side holds gradient sums `rg`, `rh` (missing
   * values left, then right); true when it became the best (its `catSet` is then the caller's to fill).
   */
  private offerRightSet(hist: Float64Array, f: number, rg: number, rh: number): boolean {
    const { lambda, alpha } = this.params;
    const { G, H, parentGain } = this;
    const missing = 2 * (this.binned.offset[f] + this.binned.nBins[f]);
    const mg = hist[missing];
    const mh = hist[missing + 1];
    let improved = false;
    for (let missingRight = 0; missingRight < 2; missingRight++) {
      if (missingRight === 1 && mh === 0) break;
      const gr = missingRight === 1 ? rg + mg : rg;
      const hr = missingRight === 1 ? rh + mh : rh;
      if (!this.valid(H - hr, hr)) continue;
      const gain = calcGain(G - gr, H - hr, lambda, alpha) + calcGain(gr, hr, lambda, alpha) - parentGain;
      if (gain > this.bestGain) {
        this.bestGain = gain;
        this.best = {
          gain,
          feature: f,
          bin: -1,
          defaultLeft: missingRight === 0,
          catSet: null,
          gl: G - gr,
          hl: H - hr,
        };
        improved = true;
      }
    }
    return improved;
  }

  /** Categorical feature `f` with few categories: each present category alone on the right. */
  private scanOneHot(hist: Float64Array, f: number): void {
    const off = this.binned.offset[f];
    const nb = this.binned.nBins[f];
    for (let c = 0; c < nb; c++) {
      const rh = hist[2 * (off + c) + 1];
      if (rh === 0) continue;
      if (this.offerRightSet(hist, f, hist[2 * (off + c)], rh)) this.best!.catSet = [c];
    }
  }

  /**
   * Categorical feature `f` with many categories: the present categories sorted by their optimal weight,
   * every prefix and every suffix (up to {@link MAX_CAT_THRESHOLD} categories) on the right.
   */
  private scanPartition(hist: Float64Array, f: number): void {
    const off = this.binned.offset[f];
    const m = this.sortCategories(hist, f);
    if (m < 2) return;
    const sorted = this.order;
    const limit = Math.min(m - 1, MAX_CAT_THRESHOLD);
    for (let dir = 0; dir < 2; dir++) {
      let rg = 0;
      let rh = 0;
      for (let k = 0; k < limit; k++) {
        const c = dir === 0 ? sorted[k] : sorted[m - 1 - k];
        rg += hist[2 * (off + c)];
        rh += hist[2 * (off + c) + 1];
        if (this.offerRightSet(hist, f, rg, rh)) {
          this.best!.catSet = Array.from(
            dir === 0 ? sorted.subarray(0, k + 1) : sorted.subarray(m - 1 - k, m),
          );
        }
      }
    }
  }

  /**
   * Lists the present categories of feature `f` in {@link order}, sorted by optimal weight `−G/(H + λ)`
   * (ties by category); returns how many.
   */
  private sortCategories(hist: Float64Array, f: number): number {
    const { lambda } = this.params;
    const off = this.binned.offset[f];
    const nb = this.binned.nBins[f];
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
    // insertion sort by (key, category): the categories come in increasing order, so a stable sort
    // on the key alone gives that order
    for (let i = 1; i < m; i++) {
      const c = order[i];
      const kc = key[c];
      let j = i - 1;
      while (j >= 0 && key[order[j]] > kc) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = c;
    }
    return m;
  }
}
