import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckOutcome } from '../experiment-service-types.js';
import { startExperimentChecks } from '../index.js';

describe('startExperimentChecks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks every interval, never two at once, reports applied decisions and errors, and stops', async () => {
    vi.useFakeTimers();
    let calls = 0;
    let release: (() => void) | undefined;
    const outcomes: CheckOutcome[] = [
      { experimentId: 'exp-a', action: 'stop-guardrail', applied: true, reason: 'harm' },
      { experimentId: 'exp-b', action: 'continue', applied: false, reason: 'wait' },
      { experimentId: 'exp-c', action: 'error', applied: false, reason: 'boom' },
    ];
    const service = {
      checkRunning: () => {
        calls++;
        return new Promise<CheckOutcome[]>((resolve) => {
          release = () => resolve(outcomes);
        });
      },
    };
    const applied: string[] = [];
    const errors: string[] = [];
    const checker = startExperimentChecks(service, 10, {
      onApplied: (o) => applied.push(o.experimentId),
      onError: (e) => errors.push(e.message),
    });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000); // still in progress: no second check
    expect(calls).toBe(1);
    release?.();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(2);
    expect(applied).toEqual(['exp-a']);
    expect(errors).toEqual(['experiment exp-c: boom']);
    const stopped = checker.stop();
    release?.();
    await stopped;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(2);
  });

  it('never checks with an interval of 0', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const checker = startExperimentChecks(
      {
        checkRunning: async () => {
          calls++;
          return [];
        },
      },
      0,
    );
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(calls).toBe(0);
    await checker.stop();
  });
});
