/**
 * The distribution functions the A/B statistics need, from @stdlib, with tails taken on the side that
 * keeps small probabilities accurate (a p-value of 1e-12 must not come out as 1 − 0.999999999999).
 */
import betaln from '@stdlib/math-base-special-betaln';
import gammainc from '@stdlib/math-base-special-gammainc';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** Standard normal CDF Φ(x). */
export function phi(x: number): number {
  return normalCdf(x, 0, 1);
}

/** Standard normal density φ(x). */
export function phiDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Standard normal quantile Φ⁻¹(p), polished to full precision (see {@link polishQuantile}). */
export function phiInverse(p: number): number {
  if (p > 0.5) return -phiInverse(1 - p);
  return polishQuantile(normalQuantile(p, 0, 1), p, phi, phiDensity);
}

/** Two-sided normal p-value 2·Φ(−|z|). */
export function normalTwoSidedP(z: number): number {
  return Math.min(1, 2 * phi(-Math.abs(z)));
}

/** Two-sided Student t p-value 2·T_df(−|t|). */
export function tTwoSidedP(t: number, df: number): number {
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** Student t quantile, polished to full precision (see {@link polishQuantile}). */
export function tInverse(p: number, df: number): number {
  if (p > 0.5) return -tInverse(1 - p, df);
  const logNorm = 0.5 * Math.log(df) + betaln(df / 2, 0.5);
  const density = (x: number): number => Math.exp((-(df + 1) / 2) * Math.log1p((x * x) / df) - logNorm);
  return polishQuantile(tQuantile(p, df), p, (x) => tCdf(x, df), density);
}

/**
 * Newton steps on cdf(x) = p from @stdlib's quantile. Its quantiles are good to ~1e-9 relative (the t
 * quantile) while its CDFs are good to ~1e-15: a few steps on the lower tail, where the CDF is most
 * precise, bring the quantile to the CDF's precision.
 */
function polishQuantile(
  x0: number,
  p: number,
  cdf: (x: number) => number,
  density: (x: number) => number,
): number {
  let x = x0;
  if (!Number.isFinite(x) || p <= 0) return x;
  for (let i = 0; i < 4; i++) {
    const d = density(x);
    if (!(d > 0)) break;
    const step = (cdf(x) - p) / d;
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.abs(x)) break;
  }
  return x;
}

/** Chi-square survival function P(X ≥ x) with `df` degrees of freedom (upper regularized gamma). */
export function chiSquareSf(x: number, df: number): number {
  if (x <= 0) return 1;
  return gammainc(x / 2, df / 2, true, true);
}
