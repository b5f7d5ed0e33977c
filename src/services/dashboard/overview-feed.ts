import type { Overview } from './overview-types.js';

/** What a subscriber of the {@link OverviewFeed} receives. */
export type OverviewMessage =
  | { readonly kind: 'overview'; readonly overview: Overview }
  | { readonly kind: 'error'; readonly message: string };

/** Options of {@link OverviewFeed}. */
export interface OverviewFeedOptions {
  /** How often the Overview is read while someone listens (default 1000 ms). */
  readonly intervalMs?: number;
}

/** The Overview without its read times: two reads are "the same" when this is equal. */
const contentOf = (o: Overview): string =>
  JSON.stringify({ ...o, at: undefined, predictions: { ...o.predictions, from: undefined, to: undefined } });

/**
 * The live Overview: while at least one subscriber listens, reads it every `intervalMs` (one read at a
 * time, shared by every subscriber) and sends it to all when it changed; a new subscriber gets the
 * latest at once. Nothing is read while nobody listens. A failed read is sent as an `error` message
 * (once per different message) and the next tick tries again.
 */
export class OverviewFeed {
  readonly #read: () => Promise<Overview>;
  readonly #intervalMs: number;
  readonly #listeners = new Set<(m: OverviewMessage) => void>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #latest: Overview | null = null;
  #latestContent = '';
  #lastError: string | null = null;
  #reading = false;
  #closed = false;

  constructor(read: () => Promise<Overview>, options: OverviewFeedOptions = {}) {
    this.#read = read;
    this.#intervalMs = options.intervalMs ?? 1000;
  }

  /** How many subscribers listen now. */
  get subscribers(): number {
    return this.#listeners.size;
  }

  /** Listens; returns the function that stops listening. */
  subscribe(listener: (m: OverviewMessage) => void): () => void {
    if (this.#closed) throw new Error('the overview feed is closed');
    this.#listeners.add(listener);
    if (this.#latest !== null) listener({ kind: 'overview', overview: this.#latest });
    if (this.#timer === null && !this.#reading) void this.#tick();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopTimer();
    };
  }

  /** Stops reading; every subscriber is dropped. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    // a later subscriber reads afresh rather than getting an old Overview first
    if (this.#listeners.size === 0) {
      this.#latest = null;
      this.#latestContent = '';
      this.#lastError = null;
    }
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    if (this.#closed || this.#listeners.size === 0) return;
    this.#reading = true;
    let message: OverviewMessage | null = null;
    try {
      const overview = await this.#read();
      const content = contentOf(overview);
      if (content !== this.#latestContent || this.#latest === null) {
        this.#latestContent = content;
        message = { kind: 'overview', overview };
      }
      this.#latest = overview;
      this.#lastError = null;
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      if (text !== this.#lastError) message = { kind: 'error', message: text };
      this.#lastError = text;
      // the next good read is sent whatever it holds: subscribers learn the error is over
      this.#latestContent = '';
    } finally {
      this.#reading = false;
    }
    if (this.#closed || this.#listeners.size === 0) return;
    if (message !== null) for (const l of [...this.#listeners]) l(message);
    this.#timer = setTimeout(() => void this.#tick(), this.#intervalMs);
    this.#timer.unref?.();
  }
}
