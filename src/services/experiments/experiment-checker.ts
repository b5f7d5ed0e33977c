import type { CheckOutcome } from './experiment-service-types.js';

/** What the checker needs: the service's `checkRunning`. */
export interface RunningChecks {
  checkRunning(): Promise<CheckOutcome[]>;
}

/** A periodic check of running experiments; `stop()` waits for a check in progress. */
export interface ExperimentChecker {
  stop(): Promise<void>;
}

/**
 * Runs `checkRunning()` every `intervalSeconds` (never two at once; the timer does not keep the
 * process alive). Applied decisions go to `onApplied`, failures to `onError`; 0 seconds: never.
 */
export function startExperimentChecks(
  service: RunningChecks,
  intervalSeconds: number,
  hooks: { onApplied?: (o: CheckOutcome) => void; onError?: (e: Error) => void } = {},
): ExperimentChecker {
  if (!(intervalSeconds > 0)) return { stop: async () => undefined };
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running !== null) return;
    running = service
      .checkRunning()
      .then(
        (outcomes) => {
          for (const o of outcomes) {
            if (o.applied) hooks.onApplied?.(o);
            if (o.action === 'error') hooks.onError?.(new Error(`experiment ${o.experimentId}: ${o.reason}`));
          }
        },
        (e: unknown) => hooks.onError?.(e as Error),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
