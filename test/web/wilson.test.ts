/**
 * The one statistic the dashboard computes itself, the Wilson interval beside each arm's rate, against
 * scipy: `binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')` (the same figures as
 * statsmodels' `proportion_confint(k, n, method='wilson')`), computed with:
 *
 *   from scipy.stats import binomtest
 *   for k, n in [(7, 20), (0, 10), (10, 10), (480, 500)]:
 *       ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')
 *       print(k, n, round(ci.low, 6), round(ci.high, 6))
 */
import { describe, expect, it } from 'vitest';
import { wilson } from '../../web/src/stats.js';

describe('wilson (web/src/stats.ts)', () => {
  it('matches scipy', () => {
    // (k, n) → scipy's (low, high)
    const cases: [number, number, number, number][] = [
      [7, 20, 0.181192, 0.567146],
      [0, 10, 0, 0.277533],
      [10, 10, 0.722467, 1],
      [480, 500, 0.939026, 0.973959],
    ];
    for (const [k, n, low, high] of cases) {
      const ci = wilson(k, n);
      expect(ci?.[0], `${k}/${n}`).toBeCloseTo(low, 5);
      expect(ci?.[1], `${k}/${n}`).toBeCloseTo(high, 5);
    }
  });

  it('has no interval without data', () => {
    expect(wilson(0, 0)).toBeNull();
  });
});
