/** The one statistic the dashboard computes itself: a Wilson interval for a rate it shows. */

/** The 97.5 % quantile of the standard normal (a two-sided 95 % interval). */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval of `successes` of `n` at 95 % (null when n = 0): the interval shown beside each
 * arm's rate (scipy's `binomtest(…).proportion_ci(method='wilson')`).
 */
export function wilson(successes: number, n: number, z = Z95): readonly [number, number] | null {
  if (!(n > 0)) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
