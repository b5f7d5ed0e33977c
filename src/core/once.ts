/**
 * `make`'s value, computed on the first call and kept: what loads an optional package on first use
 * (`createRequire(import.meta.url)('bullmq')`), so that a process that never needs it never loads it.
 */
export function once<T>(make: () => T): () => T {
  let made = false;
  let value: T | undefined;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
