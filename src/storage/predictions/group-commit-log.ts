/**
 * Group commit: many concurrent appends, few transactions. Used for the prediction log, where every
 * response of the API waits until its row is committed.
 */
import { SporeprintError } from '../../core/index.js';

/**
 * `durable`: {@link GroupCommitLog.append} resolves only after the row's batch has committed.
 * `async`: `append` resolves at once and rows are written in the background.
 */
export type GroupCommitMode = 'durable' | 'async';

/** What {@link GroupCommitLogOptions.onError} is told about a failed batch write. */
export interface GroupCommitFailure<T> {
  /** The rows of the failed batch, as prepared. */
  readonly rows: readonly T[];
  /** 1 for the first try of this batch, then 2, 3, … for retries (async mode). */
  readonly attempt: number;
  /**
   * `true` when these rows will not be tried again: in durable mode every failure is final and each
   * append of the batch has rejected; in async mode, the last attempt failed and the rows are lost
   * (except those whose appends were waiting under back-pressure: they reject).
   */
  readonly final: boolean;
}

/** Options of {@link GroupCommitLog}. */
export interface GroupCommitLogOptions<T, R = T> {
  /**
   * Writes one batch in one transaction, all or nothing (e.g. `storage.predictions.insertMany`).
   * Called at most `concurrency` times at once.
   */
  readonly write: (rows: readonly R[]) => Promise<void>;
  /**
   * Checks and converts a row when it is appended (e.g. into the database row, stamped with the
   * time); an exception rejects that append only, so one bad row never fails a batch. Without it,
   * rows are written as appended (then `R` must be `T`).
   */
  readonly prepare?: (row: T) => R;
  /** Default `durable`. */
  readonly mode?: GroupCommitMode;
  /** Most rows per write (default 256); an item holding more rows (see `size`) is written alone. */
  readonly maxBatch?: number;
  /**
   * How many rows a prepared item holds (default 1 each): an item may stand for many rows written
   * together (a chunk of a batch request, say). Batches are formed, and `queueDepth`, `rowsWritten`
   * and `rowsFailed` counted, in rows.
   */
  readonly size?: (row: R) => number;
  /** Async mode: a queued row is written at most this long after it was appended (default 50 ms). */
  readonly flushIntervalMs?: number;
  /**
   * Writes in flight at once (default 1). While they are all busy, new rows queue and go into the
   * next write; more than 1 only helps a database with several connections (MySQL/MariaDB).
   */
  readonly concurrency?: number;
  /** Async mode: tries of a failing batch before its rows are given up (default 5). */
  readonly asyncAttempts?: number;
  /** Async mode: delay before the first retry, doubled each time up to 5 s (default 100 ms). */
  readonly retryDelayMs?: number;
  /**
   * Async mode: rows pending (queued, in flight or awaiting a retry) beyond which `append` waits for
   * its row to commit, as in durable mode: back-pressure instead of unbounded memory (default 100,000).
   */
  readonly maxQueue?: number;
  /**
   * Told about every failed write (for logs and metrics). Required in async mode, where it is the
   * only report of rows that could not be written; exceptions it throws are ignored.
   */
  readonly onError?: (error: unknown, failure: GroupCommitFailure<R>) => void;
}

interface Entry<T> {
  readonly row: T;
  /** Rows it holds. */
  readonly n: number;
  /** Present when someone awaits the commit of this row (durable mode, async back-pressure). */
  readonly waiter?: { resolve: () => void; reject: (e: unknown) => void };
}

interface Batch<T> {
  readonly entries: Entry<T>[];
  /** Rows its entries hold. */
  readonly rows: number;
  readonly attempt: number;
}

const MAX_RETRY_DELAY_MS = 5000;

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `GroupCommitLog: ${name} must be a positive integer, not ${value}`,
    );
  }
  return value;
}

/**
 * An append-only log that writes concurrent appends in batches (classic group commit): while
 * `concurrency` writes are in flight, new rows queue; when one completes, everything queued (up to
 * `maxBatch`) goes into the next write. Rows due for writing (durable mode, or async once the interval
 * passed) start a write as soon as fewer than `concurrency` are in flight, and `maxBatch` queued rows
 * always do. Under load, batches grow and transactions per row fall; an idle log writes a lone row at
 * once (after the current event-loop turn, so that appends made together share a write).
 *
 * Durability: in `durable` mode an append resolves only after the transaction holding its row has
 * committed. On SQLite in WAL mode with `synchronous=NORMAL` (what `openStorage` sets), a committed
 * transaction survives a crash of the process (even SIGKILL), but the last transactions may be lost
 * if the operating system crashes or the machine loses power; `synchronous=FULL` would be needed for
 * that. On MySQL/MariaDB, InnoDB's defaults (`innodb_flush_log_at_trx_commit=1`) make a commit
 * durable against both.
 *
 * Failures are never silent: in durable mode a failed write rejects every append of its batch; in
 * async mode it is retried and, after the last attempt, reported to `onError` with the lost rows.
 *
 * @example
 * const log = new GroupCommitLog({ write: (rows) => storage.predictions.insertMany(rows) });
 * await log.append(prediction); // committed when this resolves
 * await log.close(); // on shutdown: flushes and refuses further appends
 */
export class GroupCommitLog<T, R = T> {
  readonly #write: (rows: readonly R[]) => Promise<void>;
  readonly #prepare: (row: T) => R;
  readonly #size: ((row: R) => number) | undefined;
  readonly #mode: GroupCommitMode;
  readonly #maxBatch: number;
  readonly #flushIntervalMs: number;
  readonly #concurrency: number;
  readonly #asyncAttempts: number;
  readonly #retryDelayMs: number;
  readonly #maxQueue: number;
  readonly #onError: ((error: unknown, failure: GroupCommitFailure<R>) => void) | undefined;

  #queue: Entry<R>[] = [];
  /** Rows the queued entries hold. */
  #queuedRows = 0;
  /** Failed async batches whose retry delay has passed. */
  readonly #retryReady: Batch<R>[] = [];
  #retryWaiting = 0;
  #retryRows = 0;
  #inFlight = 0;
  #inFlightRows = 0;
  /** Async mode: queued rows are due for writing (interval elapsed, or flush()). */
  #due = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #idleWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  #batches = 0;
  #rowsWritten = 0;
  #failedRows = 0;
  #lastError: unknown;

  constructor(options: GroupCommitLogOptions<T, R>) {
    this.#write = options.write;
    this.#prepare = options.prepare ?? ((row: T) => row as unknown as R);
    this.#size = options.size;
    this.#mode = options.mode ?? 'durable';
    if (this.#mode !== 'durable' && this.#mode !== 'async') {
      throw new SporeprintError('SP_ERR_BAD_PARAM', `GroupCommitLog: mode must be 'durable' or 'async'`);
    }
    this.#maxBatch = positiveInt('maxBatch', options.maxBatch ?? 256);
    this.#flushIntervalMs = positiveInt('flushIntervalMs', options.flushIntervalMs ?? 50);
    this.#concurrency = positiveInt('concurrency', options.concurrency ?? 1);
    this.#asyncAttempts = positiveInt('asyncAttempts', options.asyncAttempts ?? 5);
    this.#retryDelayMs = positiveInt('retryDelayMs', options.retryDelayMs ?? 100);
    this.#maxQueue = positiveInt('maxQueue', options.maxQueue ?? 100_000);
    this.#onError = options.onError;
    if (this.#mode === 'async' && this.#onError === undefined) {
      throw new SporeprintError(
        'SP_ERR_USAGE',
        'GroupCommitLog: async mode needs an onError callback, the only report of rows it fails to write',
      );
    }
  }

  /** `durable` or `async`. */
  get mode(): GroupCommitMode {
    return this.#mode;
  }

  /** Rows appended but not yet committed: queued, in flight or awaiting a retry (a gauge for metrics). */
  get queueDepth(): number {
    return this.#queuedRows + this.#inFlightRows + this.#retryRows;
  }

  /** Batches committed so far (one transaction each). */
  get batches(): number {
    return this.#batches;
  }

  /** Rows committed so far. */
  get rowsWritten(): number {
    return this.#rowsWritten;
  }

  /** Rows whose write failed for good (their appends rejected, or reported to `onError` in async mode). */
  get rowsFailed(): number {
    return this.#failedRows;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Appends a row. Durable mode: resolves once the row is committed, rejects (`SP_ERR_DATABASE`, …)
   * when its batch failed. Async mode: resolves at once (or, past `maxQueue`, once committed). Rejects
   * with `SP_ERR_USAGE` after {@link close}, and with the error of `prepare` for a bad row.
   */
  append(row: T): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(new SporeprintError('SP_ERR_USAGE', 'The log is closed: no more appends'));
    }
    let prepared: R;
    let n: number;
    try {
      prepared = this.#prepare(row);
      n = this.#rowsOf(prepared);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#mode === 'async' && this.queueDepth + n <= this.#maxQueue) {
      this.#enqueue({ row: prepared, n });
      this.#schedule();
      return Promise.resolve();
    }
    // Someone now waits for a commit (durable, or async back-pressure): write without delay.
    if (this.#mode === 'async') this.#due = true;
    return new Promise<void>((resolve, reject) => {
      this.#enqueue({ row: prepared, n, waiter: { resolve, reject } });
      this.#schedule();
    });
  }

  /**
   * Appends many rows with one waiter: durable mode resolves once every row is committed (they may
   * span several batches, i.e. transactions, of at most `maxBatch` rows), and rejects as soon as a
   * batch holding one of them failed (the rows of other batches may be committed). Every row is
   * prepared first: when one is bad, the call rejects with its error and appends nothing. Async mode
   * resolves at once, unless the rows take the queue past `maxQueue` (then once they are committed).
   * Rejects with `SP_ERR_USAGE` after {@link close}.
   */
  appendMany(rows: readonly T[]): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(new SporeprintError('SP_ERR_USAGE', 'The log is closed: no more appends'));
    }
    const n = rows.length;
    if (n === 0) return Promise.resolve();
    const prepared = new Array<R>(n);
    const sizes = new Array<number>(n);
    let total = 0;
    try {
      for (let i = 0; i < n; i++) {
        prepared[i] = this.#prepare(rows[i]);
        sizes[i] = this.#rowsOf(prepared[i]);
        total += sizes[i];
      }
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#mode === 'async' && this.queueDepth + total <= this.#maxQueue) {
      for (let i = 0; i < n; i++) this.#enqueue({ row: prepared[i], n: sizes[i] });
      this.#schedule();
      return Promise.resolve();
    }
    if (this.#mode === 'async') this.#due = true;
    return new Promise<void>((resolve, reject) => {
      let pending = n;
      let settled = false;
      const waiter = {
        resolve: () => {
          if (--pending === 0 && !settled) {
            settled = true;
            resolve();
          }
        },
        reject: (e: unknown) => {
          if (settled) return;
          settled = true;
          reject(e);
        },
      };
      for (let i = 0; i < n; i++) this.#enqueue({ row: prepared[i], n: sizes[i], waiter });
      this.#schedule();
    });
  }

  /**
   * Writes everything pending now, and resolves when nothing is pending any more. Rejects with the
   * last error when some rows failed for good meanwhile (their appends were rejected or reported).
   */
  flush(): Promise<void> {
    const failedBefore = this.#failedRows;
    this.#due = true;
    this.#clearTimer();
    this.#pump();
    return new Promise<void>((resolve, reject) => {
      const done = () =>
        this.#failedRows > failedBefore
          ? reject(
              this.#lastError instanceof Error
                ? this.#lastError
                : new SporeprintError('SP_ERR_INTERNAL', String(this.#lastError)),
            )
          : resolve();
      if (this.#isIdle()) done();
      else this.#idleWaiters.push(done);
    });
  }

  /** Refuses further appends, then flushes (see {@link flush}). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.flush();
    return this.#closing;
  }

  /** Rows `row` holds: a positive integer, or the append fails. */
  #rowsOf(row: R): number {
    if (this.#size === undefined) return 1;
    const n = this.#size(row);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `GroupCommitLog: an item must hold at least one row, not ${n}`,
      );
    }
    return n;
  }

  #enqueue(entry: Entry<R>): void {
    this.#queue.push(entry);
    this.#queuedRows += entry.n;
  }

  /** The queued entries of the next write: at most `maxBatch` rows, but always the first entry. */
  #takeBatch(): Batch<R> {
    let count = 1;
    let rows = this.#queue[0].n;
    while (count < this.#queue.length && rows + this.#queue[count].n <= this.#maxBatch) {
      rows += this.#queue[count].n;
      count++;
    }
    this.#queuedRows -= rows;
    return { entries: this.#queue.splice(0, count), rows, attempt: 1 };
  }

  #isIdle(): boolean {
    return (
      this.#queue.length === 0 &&
      this.#inFlight === 0 &&
      this.#retryWaiting === 0 &&
      this.#retryReady.length === 0
    );
  }

  /** Arranges for queued rows to be written: now-ish (durable, full batch, due) or after the interval. */
  #schedule(): void {
    const urgent = this.#mode === 'durable' || this.#due || this.#queuedRows >= this.#maxBatch;
    if (urgent) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        this.#pump();
      });
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#due = true;
        this.#pump();
      }, this.#flushIntervalMs);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency) {
      const retry = this.#retryReady.shift();
      if (retry !== undefined) {
        this.#retryRows -= retry.rows;
        this.#start(retry);
        continue;
      }
      const n = this.#queue.length;
      if (n === 0) break;
      // (the loop only runs while fewer than `concurrency` writes are in flight)
      const ready = this.#queuedRows >= this.#maxBatch || this.#mode === 'durable' || this.#due;
      if (!ready) break;
      this.#start(this.#takeBatch());
    }
    if (this.#queue.length === 0) this.#due = false;
    if (this.#queue.length > 0 && this.#inFlight === 0 && this.#mode === 'async') this.#schedule();
    if (this.#isIdle()) {
      this.#due = false;
      this.#clearTimer();
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #start(batch: Batch<R>): void {
    this.#inFlight++;
    this.#inFlightRows += batch.rows;
    const rows = batch.entries.map((e) => e.row);
    let write: Promise<void>;
    try {
      write = this.#write(rows);
    } catch (e) {
      write = Promise.reject(e);
    }
    write.then(
      () => {
        this.#finish(batch);
        this.#batches++;
        this.#rowsWritten += batch.rows;
        for (const e of batch.entries) e.waiter?.resolve();
        this.#pump();
      },
      (error: unknown) => {
        this.#finish(batch);
        this.#failed(batch, rows, error);
        this.#pump();
      },
    );
  }

  #finish(batch: Batch<R>): void {
    this.#inFlight--;
    this.#inFlightRows -= batch.rows;
  }

  #failed(batch: Batch<R>, rows: readonly R[], error: unknown): void {
    const retry = this.#mode === 'async' && batch.attempt < this.#asyncAttempts;
    this.#report(error, { rows, attempt: batch.attempt, final: !retry });
    if (retry) {
      const next: Batch<R> = { entries: batch.entries, rows: batch.rows, attempt: batch.attempt + 1 };
      const delay = Math.min(this.#retryDelayMs * 2 ** (batch.attempt - 1), MAX_RETRY_DELAY_MS);
      this.#retryWaiting++;
      this.#retryRows += batch.rows;
      setTimeout(() => {
        this.#retryWaiting--;
        this.#retryReady.push(next);
        this.#pump();
      }, delay);
      return;
    }
    this.#failedRows += batch.rows;
    this.#lastError = error;
    for (const e of batch.entries) e.waiter?.reject(error);
  }

  #report(error: unknown, failure: GroupCommitFailure<R>): void {
    try {
      this.#onError?.(error, failure);
    } catch {
      // A failing error handler must not break the log.
    }
  }
}
