import {
  JOURNAL_GRACE_MS,
  JOURNAL_OWNER,
  journalChunks,
  journalItemIds,
  ownerGone,
  readJournalEntry,
} from './batch-journal.js';
import type { BatchJournal } from './serving-types.js';

/** How often the journal is checked for entries to replay (ms). */
const JOURNAL_SWEEP_MS = 10_000;

/** What {@link JournalReplayer.replay} did. */
export interface JournalReplay {
  /** Entries whose rows are now all stored (and which were deleted). */
  readonly entries: number;
  /** Prediction rows written. */
  readonly predictions: number;
  /** Entries that could not be replayed, with why (they stay for the next sweep). */
  readonly failed: readonly { readonly id: string; readonly message: string }[];
}

const NOTHING: JournalReplay = { entries: 0, predictions: 0, failed: [] };

/**
 * Writes the log rows of batch journal entries whose process did not finish them, at start and then
 * every 10 s, one sweep at a time.
 */
export class JournalReplayer {
  #timer: NodeJS.Timeout | null = null;
  #sweeping: Promise<JournalReplay> | null = null;
  /** Entries whose failed replay was reported: each is reported once, not every 10 s. */
  readonly #reported = new Set<string>();

  constructor(
    private readonly journal: BatchJournal,
    private readonly how: {
      /** True for an entry whose rows this process is writing now (never replayed meanwhile). */
      readonly busy: (id: string) => boolean;
      /** Told of each entry a sweep could not replay, and of a sweep that failed. */
      readonly onError: (error: unknown) => void;
      /** Told of each sweep that replayed entries. */
      readonly onReplay?: (replay: JournalReplay) => void;
    },
  ) {}

  /** Sweeps once (awaited), then every 10 s until {@link stop}. */
  async start(): Promise<void> {
    await this.sweep();
    this.#timer ??= setInterval(() => void this.sweep(), JOURNAL_SWEEP_MS);
    this.#timer.unref();
  }

  /** No more sweeps (one under way runs to its end: see {@link idle}). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Resolves once no sweep is under way. */
  async idle(): Promise<void> {
    while (this.#sweeping !== null) await this.#sweeping;
  }

  /**
   * One {@link replay}, unless one is under way; failures are reported (an entry's first failure
   * only), never thrown.
   */
  sweep(): Promise<JournalReplay> {
    this.#sweeping ??= this.replay()
      .then((r) => {
        if (r.entries > 0) this.how.onReplay?.(r);
        for (const f of r.failed) {
          if (this.#reported.has(f.id)) continue;
          this.#reported.add(f.id);
          this.how.onError(new Error(f.message));
        }
        return r;
      })
      .catch((e: unknown) => {
        this.how.onError(e);
        return NOTHING;
      })
      .finally(() => {
        this.#sweeping = null;
      });
    return this.#sweeping;
  }

  /**
   * Writes the log rows of the entries due and deletes them: the entries of this process that it is
   * not writing (a write failed), those of processes on this host that are gone, and any older than a
   * minute (`all`: every entry not being written here). Rows already stored are skipped, so an entry
   * replayed twice, or by two processes at once, stores each prediction once.
   */
  async replay(opts: { readonly all?: boolean } = {}): Promise<JournalReplay> {
    let entries = 0;
    let predictions = 0;
    const failed: { id: string; message: string }[] = [];
    const now = Date.now();
    for (const s of await this.journal.entries.list()) {
      if (this.how.busy(s.id)) continue;
      const due =
        opts.all === true ||
        s.owner === JOURNAL_OWNER ||
        ownerGone(s.owner) ||
        now - s.createdAt.getTime() >= JOURNAL_GRACE_MS;
      if (!due) continue;
      try {
        predictions += await this.#replayEntry(s.id);
        entries++;
      } catch (e) {
        failed.push({
          id: s.id,
          message: `batch journal entry ${s.id} (${s.predictions} predictions) was not replayed: ${(e as Error).message}`,
        });
      }
    }
    return { entries, predictions, failed };
  }

  /** Writes the missing rows of one entry, then deletes it; a race with another replay is retried once. */
  async #replayEntry(id: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const entry = await this.journal.entries.get(id);
      if (entry === undefined) return 0; // replayed meanwhile by another process
      const read = readJournalEntry(entry);
      const chunks = journalChunks(read, await this.journal.stored(journalItemIds(read)));
      try {
        let written = 0;
        for (const chunk of chunks) {
          await this.journal.insert(chunk);
          written += chunk.ids.length;
        }
        await this.journal.entries.remove(id);
        return written;
      } catch (e) {
        if (attempt >= 2) throw e;
      }
    }
  }
}
