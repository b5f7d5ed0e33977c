/**
 * Logs every prediction: single ones before their answer (durable log) or at once (async log),
 * batches chunk by chunk, through the batch journal, or after their answer.
 */

import type { BatchJournalChunk } from '../../storage/index.js';
import { JOURNAL_OWNER } from './batch-journal.js';
import { type JournalReplay, JournalReplayer } from './journal-replayer.js';
import type { RequestMeta, ScoredChunk } from './predictor.js';
import type {
  BatchJournal,
  PredictionLogChunk,
  PredictionLogRow,
  PredictionLogSink,
} from './serving-types.js';
import { uuidv7 } from './uuid-v7.js';

/**
 * Durable batches of at least this many records are committed as one batch journal entry before the
 * answer, their log rows written after it (see {@link PredictionLogger.batch}); smaller ones commit
 * their rows before the answer.
 */
export const JOURNAL_MIN_RECORDS = 256;

/** The log rows of a chunk of a batch, built after the answer: `n` predictions. */
interface LaterChunk {
  readonly n: number;
  readonly build: () => PredictionLogChunk;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let turnEnd: Promise<void> | null = null;
/**
 * Resolves once the current event-loop turn has run its I/O callbacks (one promise shared by every
 * caller of the turn). Async log mode answers there, not at once: the answers of all the requests
 * read in one turn then go out together, as a durable log's group commit releases them. Answering
 * each at once cost more than the commit wait saved — on a 2-core box with wrk beside the server,
 * every answer's socket write woke the client on its own (`writev` 67 µs per request against 29 µs
 * durable, from CPU profiles), and async served fewer requests than durable. Interleaved wrk -c32
 * rounds: async at once 7.2/7.5/9.2k req/s, at the turn's end 8.9/10.7/12.6k, durable 9.8/7.4/11.7k.
 */
function endOfTurn(): Promise<void> {
  turnEnd ??= new Promise((resolve) =>
    setImmediate(() => {
      turnEnd = null;
      resolve();
    }),
  );
  return turnEnd;
}

/** What a {@link PredictionLogger} writes to and reports to. */
export interface PredictionLoggerDeps {
  readonly log: PredictionLogSink;
  /**
   * The batch journal (with a durable log): large batches are answered once journaled, their rows
   * written right after. Without it, every batch's rows are committed before its answer.
   */
  readonly journal?: BatchJournal;
  /**
   * Told when the rows of an answered batch could not be handed to the log (async mode) or written
   * (a journaled batch: the journal keeps them for a replay), and of failed replays.
   */
  readonly onLogError?: (error: unknown) => void;
  /** Told when a sweep of the journal (at start, then every 10 s) wrote the rows of entries. */
  readonly onJournalReplay?: (replay: JournalReplay) => void;
}

/**
 * The prediction logger of a server: it keeps both log modes honest — a durable answer is sent only
 * once its row (or its batch's journal entry) is committed; an async answer is sent at once and its
 * rows are handed to the log in the turns after — and it knows which answered predictions are not in
 * the log yet ({@link pendingRows}, {@link settled}), which feedback and shutdown wait for.
 */
export class PredictionLogger {
  readonly #d: PredictionLoggerDeps;
  /**
   * Batches answered whose rows are still being handed to the log (async log mode, shadows) or
   * written (a journaled durable batch).
   */
  readonly #deferred = new Set<Promise<void>>();
  /** Journal entries this process is writing the rows of. */
  readonly #expanding = new Set<string>();
  /** Predictions answered whose rows are not handed to the log yet (see {@link pendingRows}). */
  #pendingRows = 0;
  readonly #replayer: JournalReplayer | null;

  constructor(deps: PredictionLoggerDeps) {
    this.#d = deps;
    this.#replayer =
      deps.journal === undefined
        ? null
        : new JournalReplayer(deps.journal, {
            busy: (id) => this.#expanding.has(id),
            onError: (e) => deps.onLogError?.(e),
            onReplay: deps.onJournalReplay,
          });
  }

  /** The batch journal, when batches are journaled. */
  get journal(): BatchJournal | undefined {
    return this.#d.journal;
  }

  /**
   * Predictions already answered whose log rows are not handed to the log yet (async mode, shadows
   * and journaled batches build them after the answer): add it to the log's queue depth.
   */
  get pendingRows(): number {
    return this.#pendingRows;
  }

  /** True while answered predictions of this process are still on their way into the log. */
  get busy(): boolean {
    return this.#deferred.size > 0;
  }

  /** Replays the journal entries left by processes that are gone, then checks for more every 10 s. */
  async start(): Promise<void> {
    await this.#replayer?.start();
  }

  /** Stops the journal sweeps. */
  stop(): void {
    this.#replayer?.stop();
  }

  /**
   * Writes the log rows of batch journal entries that their process did not finish (see
   * {@link JournalReplayer.replay}) and deletes the entries; skips the batches this process is writing.
   */
  replayJournal(opts: { readonly all?: boolean } = {}): Promise<JournalReplay> {
    return this.#replayer?.replay(opts) ?? Promise.resolve({ entries: 0, predictions: 0, failed: [] });
  }

  /** Resolves once the rows of every batch answered so far are handed to the log or written. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#deferred]);
  }

  /**
   * Resolves once the rows of every batch already answered are in the log and a journal replay under
   * way has ended. Call it (after `stop`) before closing the log and the storage.
   */
  async drain(): Promise<void> {
    while (this.#deferred.size > 0) await Promise.allSettled([...this.#deferred]);
    await this.#replayer?.idle();
  }

  /**
   * Logs one answered prediction: resolves once it is durable (durable mode), or once it is queued
   * and the current event-loop turn ends (async mode, see {@link endOfTurn}).
   */
  logOne(row: PredictionLogRow): Promise<void> {
    const appended = this.#d.log.append(row);
    return this.#d.log.mode === 'async' ? appended.then(endOfTurn) : appended;
  }

  /**
   * Logs predictions scored in shadow after the answer, best effort (a crash may lose the last
   * ones; they were never answered).
   */
  logShadows(rows: readonly PredictionLogRow[]): void {
    if (rows.length === 0) return;
    this.#pendingRows += rows.length;
    const done = (async () => {
      await yieldToEventLoop();
      this.#pendingRows -= rows.length;
      const writes = rows.map((r) => this.#d.log.append(r));
      const failed = (await Promise.allSettled(writes)).filter((r) => r.status === 'rejected');
      if (failed.length > 0) {
        this.#d.onLogError?.(
          new Error(
            `${failed.length} shadow predictions were not logged: ${String((failed[0] as PromiseRejectedResult).reason)}`,
          ),
        );
      }
    })();
    this.#track(done);
  }

  /**
   * Starts logging a batch request of `records` records: add each scored chunk as it is predicted,
   * then {@link BatchLog.finish} gives the promise the answer waits for.
   */
  batch(records: number, meta: RequestMeta): BatchLog {
    const async = this.#d.log.mode === 'async';
    const journal = !async && records >= JOURNAL_MIN_RECORDS ? this.#d.journal : undefined;
    return new BatchLog(this, meta, { afterAnswer: async || journal !== undefined, journal });
  }

  /** Hands a durable chunk to the log now (its commit is awaited through the returned promise). */
  appendNow(chunk: PredictionLogChunk): Promise<void> {
    return this.#d.log.appendChunk(chunk);
  }

  /** Commits a batch journal entry and, once it is, writes the batch's rows after the answer. */
  journalBatch(
    journal: BatchJournal,
    entry: Omit<Parameters<BatchJournal['entries']['put']>[0], 'id' | 'createdAt' | 'owner'>,
    later: readonly LaterChunk[],
  ): Promise<void> {
    const id = uuidv7();
    this.#expanding.add(id);
    const put = journal.entries.put({ ...entry, id, createdAt: new Date(), owner: JOURNAL_OWNER });
    const durable = put.then(
      () => this.logAfterAnswer(later, { journal, id }),
      async (e: unknown) => {
        // not journaled (the entry too large for the database, say): commit the rows before answering
        this.#expanding.delete(id);
        this.#d.onLogError?.(
          new Error(
            `batch of ${entry.predictions} predictions not journaled, logged directly: ${(e as Error).message}`,
          ),
        );
        await Promise.all(later.map((c) => this.#d.log.appendChunk(c.build())));
      },
    );
    durable.catch(() => {});
    return durable;
  }

  /**
   * Builds the rows of an answered batch and hands them to the log, a chunk per turn of the event
   * loop, starting after the turn that sends the answer. In async log mode that is all; for a
   * journaled batch, once every row is committed its journal entry is deleted (when one is not, the
   * entry stays for a replay).
   */
  logAfterAnswer(
    chunks: readonly LaterChunk[],
    journaled?: { readonly journal: BatchJournal; readonly id: string },
  ): void {
    let pending = 0;
    for (const c of chunks) pending += c.n;
    this.#pendingRows += pending;
    const done = (async () => {
      let lost = 0;
      let cause: unknown;
      const writes: Promise<void>[] = [];
      for (const c of chunks) {
        await yieldToEventLoop();
        const chunk = c.build();
        pending -= chunk.ids.length;
        this.#pendingRows -= chunk.ids.length;
        const write = this.#d.log.appendChunk(chunk).catch((e: unknown) => {
          lost += chunk.ids.length;
          cause ??= e;
        });
        // async mode: one chunk after another; durable: the next chunk is built while one commits
        if (journaled === undefined) await write;
        else writes.push(write);
      }
      await Promise.all(writes);
      const why = cause instanceof Error ? cause.message : String(cause);
      if (journaled === undefined) {
        if (lost > 0) {
          this.#d.onLogError?.(new Error(`${lost} predictions of an answered batch were not logged: ${why}`));
        }
        return;
      }
      if (lost > 0) {
        this.#d.onLogError?.(
          new Error(
            `${lost} predictions of an answered batch are not logged yet: batch journal entry ${journaled.id} keeps them for a replay (${why})`,
          ),
        );
        return;
      }
      await journaled.journal.entries.remove(journaled.id);
    })()
      .catch((e: unknown) => this.#d.onLogError?.(e))
      .finally(() => {
        // chunks never built (an exception on the way) are no longer pending either
        this.#pendingRows -= pending;
        if (journaled !== undefined) this.#expanding.delete(journaled.id);
      });
    this.#track(done);
  }

  #track(done: Promise<void>): void {
    this.#deferred.add(done);
    void done.finally(() => this.#deferred.delete(done));
  }
}

/**
 * The logging of one batch request, chunk by chunk (see {@link PredictionLogger.batch}). How the
 * batch becomes durable depends on the log:
 * - durable log with a batch journal, at least 256 records: the records (the text they were read
 *   from, when given) and the answered items are committed as one journal entry; `finish` resolves
 *   then. The log rows are built and written in the turns after the answer, and the entry is deleted
 *   once they are all committed; a crash meanwhile leaves the entry, which the next start replays.
 * - durable log otherwise: each chunk's rows go to the log (as one chunk of columns) as soon as it is
 *   added, so a log that writes off the event loop commits one chunk while the next is predicted;
 *   `finish` resolves once every row is committed.
 * - async log, which acknowledges rows before writing them anyway: the rows are built and handed to
 *   the log in the turns after the answer.
 * Shadow chunks are always logged after the answer.
 */
export class BatchLog {
  readonly #logger: PredictionLogger;
  readonly #meta: RequestMeta;
  readonly #afterAnswer: boolean;
  readonly #journal: BatchJournal | undefined;
  readonly #writes: Promise<void>[] = [];
  readonly #later: LaterChunk[] = [];
  readonly #shadows: LaterChunk[] = [];
  readonly #chunkTimes: BatchJournalChunk[] = [];
  #first: ScoredChunk | null = null;
  #predicted = 0;

  constructor(
    logger: PredictionLogger,
    meta: RequestMeta,
    how: { readonly afterAnswer: boolean; readonly journal: BatchJournal | undefined },
  ) {
    this.#logger = logger;
    this.#meta = meta;
    this.#afterAnswer = how.afterAnswer;
    this.#journal = how.journal;
  }

  /** Adds the answered chunk whose first record is record `start` of the request. */
  add(chunk: ScoredChunk, start: number): void {
    if (chunk.size === 0) return;
    this.#first ??= chunk;
    this.#predicted += chunk.size;
    this.#chunkTimes.push({ start, createdAt: chunk.createdAt, latencyUs: chunk.latencyUs });
    const build = () => chunk.logChunk(this.#meta);
    if (this.#afterAnswer) {
      this.#later.push({ n: chunk.size, build });
      return;
    }
    const write = this.#logger.appendNow(build());
    // a failure is reported through `finish`; keep it from being an unhandled rejection meanwhile
    write.catch(() => {});
    this.#writes.push(write);
  }

  /** Adds a chunk scored in shadow of `answered` (the ids of the answered predictions, in order). */
  addShadow(chunk: ScoredChunk, answered: readonly string[]): void {
    if (chunk.size > 0)
      this.#shadows.push({ n: chunk.size, build: () => chunk.logChunk(this.#meta, answered) });
  }

  /**
   * Resolves once the batch is durable (rejects when it could not be made so). `records`: the text
   * the records were read from, journaled as it is (called only when the batch is journaled);
   * `itemsJson`: the answer's items as JSON text.
   */
  finish(records: () => string, itemsJson: string): Promise<void> {
    if (this.#shadows.length > 0) this.#logger.logAfterAnswer(this.#shadows);
    const first = this.#first;
    if (this.#journal === undefined || first === null) {
      if (this.#later.length > 0) this.#logger.logAfterAnswer(this.#later);
      return Promise.all(this.#writes).then(() => undefined);
    }
    const { model, arm, experimentId } = first.choice;
    return this.#logger.journalBatch(
      this.#journal,
      {
        modelName: model.name,
        modelVersion: model.version,
        schemaName: model.pipeline.schema.name,
        arm,
        experimentId,
        clientId: this.#meta.clientId,
        requestKind: this.#meta.kind,
        predictions: this.#predicted,
        chunks: this.#chunkTimes,
        records: records(),
        items: itemsJson,
      },
      this.#later,
    );
  }
}
