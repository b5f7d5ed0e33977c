import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../pipeline-types.js';
import { canRetry, retryDelayMs } from '../retry-delay.js';

const policy: RetryPolicy = { maxAttempts: 4, delayMs: 1000, factor: 2, maxDelayMs: 5000, jitter: 'none' };

describe('retryDelayMs', () => {
  it('grows by the factor from the first delay and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 60].map((a) => retryDelayMs(policy, a, () => 0.5));
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('draws a full jitter uniformly below the delay', () => {
    const full = { ...policy, jitter: 'full' as const };
    expect(retryDelayMs(full, 3, () => 0)).toBe(0);
    expect(retryDelayMs(full, 3, () => 0.5)).toBe(2000);
    expect(retryDelayMs(full, 3, () => 0.99999)).toBe(3999);
    expect(retryDelayMs(full, 10, () => 0.25)).toBe(1250);
  });

  it('keeps a constant delay with factor 1 and zero with delay 0, even for huge attempts', () => {
    expect(retryDelayMs({ ...policy, factor: 1 }, 7, Math.random)).toBe(1000);
    expect(retryDelayMs({ ...policy, delayMs: 0, factor: 10 }, 5000, Math.random)).toBe(0);
    expect(retryDelayMs({ ...policy, factor: 10 }, 5000, Math.random)).toBe(5000);
  });

  it('refuses an attempt number that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => retryDelayMs(policy, bad, Math.random)).toThrow(/failedAttempt must be an integer ≥ 1/);
    }
  });
});

describe('canRetry', () => {
  it('allows attempts up to maxAttempts', () => {
    expect([1, 2, 3, 4].map((a) => canRetry(policy, a))).toEqual([true, true, true, false]);
    expect(canRetry({ ...policy, maxAttempts: 1 }, 1)).toBe(false);
  });
});
