import { kolmogorovSf } from './kolmogorov-distribution.js';
import type { WeightedValues } from './samples.js';

/** Result of {@link ksTwoSample}. */
export interface KsTwoSampleResult {
  /** D = sup |F_ref − F_cur|. */
  readonly statistic: number;
  /** Two-sided p-value. */
  readonly pValue: number;
  /** `exact` (lattice-path count) when both samples have ≤ 10,000 rows, else `asymptotic`. */
  readonly method: 'exact' | 'asymptotic';
}

/** scipy's `MAX_AUTO_N`: `method='auto'` is exact up to this many rows in the larger sample. */
const MAX_EXACT_N = 10_000;

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** numpy's round(): half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * P(D_{n,n} ≥ h/n) for equal samples: 2·Σ_{k≥1} (−1)^(k−1) C(2n, n−kh)/C(2n, n), evaluated by Horner in
 * the ratios of consecutive terms (no subtractive cancellation).
 */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D_{m,n} ≥ h/lcm(m, n)) by counting lattice paths from (0,0) to (m,n) that leave the band
 * |x/m − y/n| < h/lcm. B(x, y), the share of paths to (x, y) that have left the band, obeys
 * B(x, y) = (x·B(x−1, y) + y·B(x, y−1))/(x + y) with B = 1 outside the band (Viehmann 2021,
 * arXiv:2102.08037), so every value stays in [0, 1]: no overflow, no rescaling.
 */
function probOutsideBand(n1: number, n2: number, h: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const g = gcd(m, n);
  const mg = m / g;
  const ng = n / g;
  // Inside the band at column x: ng·x − h < mg·y < ng·x + h.
  const B = new Float64Array(n + 1).fill(1);
  let hi = Math.min(Math.ceil(h / mg), n + 1);
  for (let y = 0; y < hi; y++) B[y] = 0;
  for (let x = 1; x <= m; x++) {
    const lo = Math.min(Math.max(Math.floor((ng * x - h) / mg) + 1, 0), n);
    hi = Math.min(Math.ceil((ng * x + h) / mg), n + 1);
    if (hi <= lo) return 1;
    let below = 1; // B(x, lo − 1): outside the band (unused when lo = 0, as its weight y is 0)
    for (let y = lo; y < hi; y++) {
      below = (x * B[y] + y * below) / (x + y);
      B[y] = below;
    }
  }
  return B[n];
}

/**
 * Two-sample two-sided Kolmogorov–Smirnov test on weighted values, as `scipy.stats.ks_2samp(ref, cur)`
 * with its default `method='auto'` (what Evidently calls): exact when max(n_ref, n_cur) ≤ 10,000,
 * else the finite-n distribution `kstwo` at n = round(n_ref·n_cur/(n_ref + n_cur)). Ties are exact: D is
 * evaluated after every distinct value, as from `searchsorted(…, side='right')`.
 */
export function ksTwoSample(ref: WeightedValues, cur: WeightedValues): KsTwoSampleResult {
  const n1 = ref.total;
  const n2 = cur.total;
  // D as an exact integer h over lcm = n1·n2/g: F1 − F2 = (c1·n2 − c2·n1)/(n1·n2).
  const g = gcd(n1, n2);
  let i = 0;
  let j = 0;
  let c1 = 0;
  let c2 = 0;
  let hMax = 0;
  let dMax = 0;
  let dMin = 0;
  while (i < ref.values.length || j < cur.values.length) {
    const v1 = i < ref.values.length ? ref.values[i] : Number.POSITIVE_INFINITY;
    const v2 = j < cur.values.length ? cur.values[j] : Number.POSITIVE_INFINITY;
    const v = Math.min(v1, v2);
    if (v1 === v) c1 += ref.counts[i++];
    if (v2 === v) c2 += cur.counts[j++];
    const diff = c1 / n1 - c2 / n2;
    if (diff > dMax) dMax = diff;
    if (diff < dMin) dMin = diff;
    const num = Math.abs(c1 * (n2 / g) - c2 * (n1 / g));
    if (num > hMax) hMax = num;
  }
  const dFloat = Math.max(-dMin, dMax);
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const lcm = (n1 / g) * n2;
    const d = hMax / lcm;
    if (hMax === 0) return { statistic: d, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, hMax) : probOutsideBand(n1, n2, hMax);
    // scipy falls back to the asymptotic distribution when the exact sum leaves [0, 1] by rounding.
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, method: 'exact' };
    return { statistic: d, pValue: asymptotic(n1, n2, d), method: 'asymptotic' };
  }
  return { statistic: dFloat, pValue: asymptotic(n1, n2, dFloat), method: 'asymptotic' };
}

function asymptotic(n1: number, n2: number, d: number): number {
  const en = (n1 * n2) / (n1 + n2);
  return kolmogorovSf(roundHalfEven(en), d);
}
