/**
 * Shares one computation among the callers that ask for the same key while it runs: the per-arm
 * figures of an experiment over a large log take up to a second, and a dashboard, several API clients
 * and the periodic check may all ask at once — they get the one answer being computed instead of
 * starting one query each. Nothing is kept once the computation settles (no stale figures).
 */
export function singleFlight<A extends unknown[], R>(
  key: (...args: A) => string,
  compute: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const running = new Map<string, Promise<R>>();
  return (...args: A) => {
    const k = key(...args);
    const shared = running.get(k);
    if (shared !== undefined) return shared;
    const p = compute(...args).finally(() => running.delete(k));
    running.set(k, p);
    return p;
  };
}
