/**
 * The prediction log's SQLite writer on its own thread: a worker with its own better-sqlite3
 * connection to the same database file (WAL: one writer, readers never blocked) runs each batch's
 * `BEGIN IMMEDIATE` / INSERTs / `COMMIT`, so the event loop that answers HTTP requests never waits on
 * SQLite or on the disk. A write resolves when its transaction has committed: durability is unchanged.
 * The writer checkpoints the WAL itself, after acknowledging, instead of inside a commit.
 *
 * The thread's code is `sqlite-log-thread.ts`, compiled with the rest; the messages both sides
 * exchange are typed in `sqlite-log-messages.ts`.
 */
import { Worker } from 'node:worker_threads';
import type { Insertable } from 'kysely';
import { threadEntry } from '../db/thread-entry.js';
import { NOVELTY_MARKER } from '../monitoring/novelty-marker.js';
import type { PredictionsTable } from './prediction-tables.js';
import type { PreparedPredictionChunk, PreparedPredictions } from './prediction-types.js';
import {
  CACHED_STATEMENTS,
  INSERT_PREDICTIONS_HEAD,
  LABEL_LOOKUPS_PER_SELECT,
  PREDICTION_COLUMNS,
  PREDICTIONS_PER_INSERT,
  pushRow,
} from './prediction-writer.js';
import {
  type Column,
  type LogThreadData,
  OPEN_FAILED,
  type Part,
  type ReplyMessage,
  SEP,
  type ThreadRequest,
  type WorkerStatement,
  type WriteMessage,
} from './sqlite-log-messages.js';

/**
 * Rows of a part from which the values its rows share are bound once per INSERT (a batch request's
 * chunk); smaller parts bind every value, so they use one cached statement per row count.
 */
const SHARED_MIN_ROWS = 64;

/** An error of the writer thread, with the SQLite code (`SQLITE_BUSY`, …) when there is one. */
export class SqliteWorkerError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'SqliteWorkerError';
    this.code = code;
  }
}

interface Pending {
  readonly resolve: (changes: number) => void;
  readonly reject: (e: unknown) => void;
}

/** Options of {@link SqliteLogWorker}. */
export interface SqliteLogWorkerOptions {
  /** How long the writer waits for a write lock held by another connection (default 5,000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * The writer copies the WAL into the database (a PASSIVE checkpoint) after acknowledging a batch,
   * when the row values it committed since the last checkpoint hold this many characters (default
   * 128 Ki: about 300 served predictions, a WAL of about 1 MB). Each checkpoint holds back the commits
   * queued behind it, so larger ones raise the p99 latency of durable predictions (wrk, 32
   * connections, on a machine where a bare Fastify route serves about 20,000 req/s: 10.0-10.8 ms at
   * 512 Ki, 5.9-8.7 ms at 256 Ki, 5.2-7.2 ms at 128 Ki; requests/s and the 10,000-record batch
   * unchanged) ...
   */
  readonly checkpointChars?: number;
  /** ... or has had no batch for this long (ms, default 20). */
  readonly checkpointIdleMs?: number;
}

/**
 * Writes prediction rows from a worker thread. Batches are committed in the order they are written,
 * one transaction each. The thread starts with the first write and is started again after a crash
 * (the writes in flight then reject). {@link close} waits for the writes in flight, then stops it.
 */
export class SqliteLogWorker {
  readonly #data: LogThreadData;
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #closed: Promise<void> | undefined;
  #idle: (() => void)[] = [];

  constructor(file: string, options: SqliteLogWorkerOptions = {}) {
    this.#data = {
      file,
      busyTimeoutMs: Math.trunc(options.busyTimeoutMs ?? 5000),
      columns: PREDICTION_COLUMNS,
      nullable: COLUMNS.filter((c) => c.kind === 'nullable').map((c) => c.name),
      insertHead: INSERT_PREDICTIONS_HEAD,
      rowsPerInsert: PREDICTIONS_PER_INSERT,
      cachedStatements: CACHED_STATEMENTS,
      sharedMinRows: SHARED_MIN_ROWS,
      checkpointChars: Math.trunc(options.checkpointChars ?? 128 * 1024),
      checkpointIdleMs: Math.trunc(options.checkpointIdleMs ?? 20),
      labelLookupsPerSelect: LABEL_LOOKUPS_PER_SELECT,
      noveltyMarker: NOVELTY_MARKER,
    };
  }

  /** Writes in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Commits prepared predictions and chunks in one transaction on the writer thread; rejects with the
   * SQLite error.
   */
  async write(items: readonly PreparedPredictions[]): Promise<void> {
    if (items.length === 0) return this.#closed === undefined ? undefined : this.#refuse();
    await this.#send({ id: ++this.#seq, parts: encode(items) });
  }

  /**
   * Runs `statements` in one transaction on the writer thread, in order with the writes (the batch
   * journal's INSERT and DELETE, which must not race the log's own commits for SQLite's one write
   * lock); resolves with the number of rows they changed, rejects with the SQLite error.
   */
  exec(statements: readonly WorkerStatement[]): Promise<number> {
    if (statements.length === 0) return this.#closed === undefined ? Promise.resolve(0) : this.#refuse();
    return this.#send({ id: ++this.#seq, parts: [], statements });
  }

  #refuse(): Promise<never> {
    return Promise.reject(new SqliteWorkerError('the log writer is closed'));
  }

  #send(message: WriteMessage): Promise<number> {
    if (this.#closed !== undefined) return this.#refuse();
    const worker = this.#start();
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(message.id, { resolve, reject });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage(message);
    });
  }

  /** Waits for the writes in flight, then stops the thread. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#pending.size > 0) await new Promise<void>((r) => this.#idle.push(r));
      const worker = this.#worker;
      this.#worker = null;
      if (worker !== null) {
        const exited = new Promise<void>((r) => worker.once('exit', () => r()));
        // an idle thread is unref'd: held again, or a process with nothing else to do would exit
        // before the thread's last checkpoint and before this promise resolves
        worker.ref();
        worker.postMessage('close' satisfies ThreadRequest);
        await exited;
      }
    })();
    return this.#closed;
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const { entry, eval: isScript } = threadEntry(import.meta.url, 'sqlite-log-thread');
    const worker = new Worker(entry, {
      eval: isScript,
      workerData: this.#data,
      // The writer holds little: keep its heap small (it only binds values and runs statements).
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 },
    });
    worker.unref();
    worker.on('message', (m: ReplyMessage) => {
      if (m.id === OPEN_FAILED && !m.ok) {
        // it could not open the database and is stopping: the next write starts a new thread (unless
        // its 'error' came first and a successor already runs: then there is nothing left to fail)
        if (this.#worker !== worker) return;
        this.#worker = null;
        this.#failAll(new SqliteWorkerError(m.message, m.code));
        return;
      }
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve(m.changes);
      else p.reject(new SqliteWorkerError(m.message, m.code));
      if (this.#pending.size === 0) {
        worker.unref();
        this.#notifyIdle();
      }
    });
    // A thread that stops fails the writes in flight on it. Its 'error' and 'exit' come in separate
    // turns, and a write in between starts a successor: events of a thread already replaced (or shut
    // down by close) are ignored, so they never fail the successor's writes.
    const gone = (e: unknown) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#failAll(
        e instanceof Error
          ? new SqliteWorkerError(`the log writer thread stopped: ${e.message}`)
          : new SqliteWorkerError('the log writer thread stopped'),
      );
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`exit code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #failAll(error: SqliteWorkerError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}

type Row = Insertable<PredictionsTable>;

/** How each column is read from a row and sent, in {@link PREDICTION_COLUMNS} order. */
const COLUMNS: readonly {
  readonly name: string;
  readonly get: (r: Row) => string | number | null;
  /** `number`: sent as numbers; `nullable`: may be null; `free`: free text that may hold U+001F. */
  readonly kind: 'text' | 'free' | 'nullable' | 'number';
}[] = [
  { name: 'id', get: (r) => r.id, kind: 'text' },
  { name: 'created_at', get: (r) => r.created_at, kind: 'text' },
  { name: 'model_name', get: (r) => r.model_name, kind: 'free' },
  { name: 'model_version', get: (r) => r.model_version, kind: 'number' },
  { name: 'arm', get: (r) => r.arm ?? null, kind: 'nullable' },
  { name: 'experiment_id', get: (r) => r.experiment_id ?? null, kind: 'nullable' },
  { name: 'client_id', get: (r) => r.client_id ?? null, kind: 'nullable' },
  { name: 'shadow_of', get: (r) => r.shadow_of ?? null, kind: 'nullable' },
  { name: 'input', get: (r) => r.input, kind: 'text' },
  { name: 'output', get: (r) => r.output, kind: 'text' },
  { name: 'decision', get: (r) => r.decision, kind: 'text' },
  { name: 'probability', get: (r) => r.probability, kind: 'number' },
  { name: 'latency_us', get: (r) => r.latency_us, kind: 'number' },
  { name: 'request_kind', get: (r) => r.request_kind, kind: 'text' },
];
if (COLUMNS.map((c) => c.name).join() !== PREDICTION_COLUMNS.join()) {
  throw new Error('sqlite-log-worker: its columns do not follow PREDICTION_COLUMNS');
}

/**
 * The {@link Part}s of a write: the loose rows between chunks as one part each, every chunk as its
 * own part, in order.
 */
function encode(items: readonly PreparedPredictions[]): Part[] {
  const parts: Part[] = [];
  let rows: Row[] = [];
  for (const item of items) {
    if ('row' in item) {
      rows.push(item.row);
      continue;
    }
    if (rows.length > 0) parts.push(rowsPart(rows));
    rows = [];
    parts.push(chunkPart(item));
  }
  if (rows.length > 0) parts.push(rowsPart(rows));
  return parts;
}

/**
 * A chunk's part: its arrays joined, its shared values once. Ids, JSON texts and decisions hold no
 * U+001F (checked ids; JSON escapes control characters; a stray one in caller-made JSON would change
 * the value count of its column, which the worker checks before binding anything).
 */
function chunkPart(c: PreparedPredictionChunk): Part {
  const { shared } = c;
  const probabilities =
    c.probabilities instanceof Float64Array ? c.probabilities : Float64Array.from(c.probabilities);
  const byName: Record<string, Column> = {
    id: { text: c.ids.join(SEP) },
    created_at: { same: shared.created_at },
    model_name: { same: shared.model_name },
    model_version: { same: shared.model_version },
    arm: { same: shared.arm ?? null },
    experiment_id: { same: shared.experiment_id ?? null },
    client_id: { same: shared.client_id ?? null },
    // prediction ids: no U+001F; each `=`-prefixed as in a nullable column (see `column`)
    shadow_of: c.shadowOf === null ? { same: null } : { text: `=${c.shadowOf.join(`${SEP}=`)}` },
    input: { text: c.inputs.join(SEP) },
    output: { text: c.outputs.join(SEP) },
    decision: { text: c.decisions.join(SEP) },
    probability: { nums: probabilities },
    latency_us: { same: shared.latency_us },
    request_kind: { same: shared.request_kind },
  };
  return { n: c.n, cols: PREDICTION_COLUMNS.map((name) => byName[name]) };
}

/**
 * The part of loose rows. Ids, times, JSON texts, decisions and kinds hold no U+001F (as in
 * {@link chunkPart}); the free-text values are checked here.
 */
function rowsPart(rows: readonly Row[]): Part {
  const n = rows.length;
  const cols: Column[] = [];
  for (const c of COLUMNS) {
    const col = column(rows, c.get, c.kind);
    if (col === null) {
      const flat: unknown[] = [];
      for (const r of rows) pushRow(flat, r);
      return { n, flat };
    }
    cols.push(col);
  }
  return { n, cols };
}

/** One column of `rows` (null when a free-text value holds the separator). */
function column(
  rows: readonly Row[],
  get: (r: Row) => string | number | null,
  kind: (typeof COLUMNS)[number]['kind'],
): Column | null {
  const n = rows.length;
  const first = get(rows[0]);
  let i = 1;
  while (i < n && get(rows[i]) === first) i++;
  if (i === n) return { same: first }; // shared values are cloned as they are: any text is fine
  if (kind === 'number') {
    const nums = new Float64Array(n);
    for (let k = 0; k < n; k++) nums[k] = get(rows[k]) as number;
    return { nums };
  }
  const parts = new Array<string>(n);
  for (let k = 0; k < n; k++) {
    const v = get(rows[k]);
    if (kind === 'text') parts[k] = v as string;
    else if (typeof v === 'string' && v.includes(SEP)) return null;
    else if (kind === 'free') parts[k] = v as string;
    else parts[k] = v === null ? '' : `=${v}`;
  }
  return { text: parts.join(SEP) };
}
