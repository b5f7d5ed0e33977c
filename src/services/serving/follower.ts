/**
 * Keeps something in step with a source that changes elsewhere: one refresh pass at a time, calls
 * made while a pass runs coalesce into one more pass, and passes run on a poll and on change events.
 */
export class Follower {
  readonly #pass: () => Promise<void>;
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;

  /** `pass` must not reject (it keeps its own failures). */
  constructor(pass: () => Promise<void>) {
    this.#pass = pass;
  }

  /** Runs a pass; while one runs, one more pass follows it (however many calls came). */
  refresh(): Promise<void> {
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#pass();
      } while (this.#again);
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * Refreshes every `pollMs` and whenever `subscribe`'s events call their callback (idempotent; the
   * timer does not keep the process alive).
   */
  follow(pollMs: number, subscribe?: (wake: () => void) => () => void): void {
    this.#unsubscribe ??= subscribe?.(() => void this.refresh()) ?? null;
    if (this.#timer === null) {
      this.#timer = setInterval(() => void this.refresh(), pollMs);
      this.#timer.unref();
    }
  }

  /** Stops the poll and the events (a pass running finishes). */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
