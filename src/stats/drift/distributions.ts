import erfc from '@stdlib/math-base-special-erfc';
import gammainc from '@stdlib/math-base-special-gammainc';

/**
 * Upper tail P(Z ≥ z) of the standard normal, computed as erfc(z/√2)/2 so that it keeps its relative
 * precision far into the tail (1 − Φ(z) loses it past z ≈ 8).
 */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Upper tail P(X ≥ x) of the χ² distribution with `df` degrees of freedom: the regularized upper
 * incomplete gamma function Q(df/2, x/2), exact in the tail (no 1 − cdf cancellation). 0 for x = ∞.
 */
export function chiSquareSf(x: number, df: number): number {
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x <= 0) return 1;
  return gammainc(x / 2, df / 2, true, true);
}
