/**
 * The prediction log's SQLite writer on its own thread: a worker with its own better-sqlite3
 * connection to the same database file (WAL: one writer, readers never blocked) runs each batch's
 * `BEGIN IMMEDIATE` / INSERTs / `COMMIT`, so the event loop that answers HTTP requests never waits on
 * SQLite or on the disk. A write resolves when its transaction has committed: durability is unchanged.
 * The writer checkpoints the WAL itself, after acknowledging, instead of inside a commit.
 *
 * The worker's code is a self-contained script (evaluated by `new Worker(…, { eval: true })`), so the
 * same module works from the compiled build, under tsx and under vitest alike.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Insertable } from 'kysely';
import type { PredictionsTable } from './database-schema.js';
import { PREDICTION_COLUMNS, PREDICTIONS_PER_INSERT, pushRow } from './prediction-writer.js';

/** Data of the worker (structured-cloned). */
interface WorkerData {
  readonly driver: string;
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly columns: readonly string[];
  readonly rowsPerInsert: number;
  readonly cachedStatements: number;
  /** Characters of row values committed since the last WAL checkpoint that make the writer checkpoint at once. */
  readonly checkpointChars: number;
  /** Otherwise the writer checkpoints after this long without a batch (ms). */
  readonly checkpointIdleMs: number;
}

/**
 * main → worker: one batch of `n` rows, as one string (`text`: the `n × columns` values joined by
 * U+001F, nullable columns prefixed with `=` or empty for null, numbers in decimal) — copied to the
 * worker in one piece, far cheaper than cloning 12 values per row — or, when a free-text value holds
 * U+001F itself, as a flat array of the values (`flat`).
 */
type WriteMessage =
  | { readonly id: number; readonly n: number; readonly text: string }
  | { readonly id: number; readonly n: number; readonly flat: unknown[] };

/** Field separator of {@link WriteMessage.text}. */
const SEP = '\u001f';

/** worker → main. */
type ReplyMessage =
  | { readonly id: number; readonly ok: true }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string };

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  db.pragma('synchronous = NORMAL');
  // WAL checkpoints off the commit path: SQLite's automatic checkpoint would run inside the COMMIT of
  // whichever batch crosses 1,000 WAL pages and delay its acknowledgement; here it runs after the
  // acknowledgement, once the writer is idle or has committed checkpointChars characters of values
  db.pragma('wal_autocheckpoint = 0');
} catch (e) {
  const message =
    'cannot open the prediction log database ' + workerData.file + ': ' + String((e && e.message) || e);
  parentPort.postMessage({ id: -1, ok: false, message, code: e && e.code });
  // the thread's 'error' event may reach the main thread before that message: it names the file too
  throw new Error(message);
}
const W = workerData.columns.length;
const PER = workerData.rowsPerInsert;
const tuple = '(' + workerData.columns.map(() => '?').join(',') + ')';
const statements = new Map();
function statementFor(n) {
  let s = statements.get(n);
  if (s === undefined) {
    if (statements.size >= workerData.cachedStatements) statements.delete(statements.keys().next().value);
    s = db.prepare('insert into predictions (' + workerData.columns.join(',') + ') values ' + new Array(n).fill(tuple).join(','));
    statements.set(n, s);
  }
  return s;
}
const insertAll = db.transaction((flat, n) => {
  for (let start = 0; start < n; start += PER) {
    const end = Math.min(start + PER, n);
    statementFor(end - start).run(start === 0 && end === n ? flat : flat.slice(start * W, end * W));
  }
});
// columns: id, created_at, model_name, model_version, arm?, client_id?, input, output, decision,
// probability, latency_us, request_kind (see PREDICTION_COLUMNS)
function decode(text, n) {
  const parts = text.split('\u001f');
  if (parts.length !== n * W) throw new Error('malformed batch: ' + parts.length + ' values for ' + n + ' rows');
  for (let k = 0; k < parts.length; k += W) {
    parts[k + 3] = Number(parts[k + 3]);
    parts[k + 4] = parts[k + 4] === '' ? null : parts[k + 4].slice(1);
    parts[k + 5] = parts[k + 5] === '' ? null : parts[k + 5].slice(1);
    parts[k + 9] = Number(parts[k + 9]);
    parts[k + 10] = Number(parts[k + 10]);
  }
  return parts;
}
let sinceCheckpoint = 0;
let idleTimer = null;
function flatChars(flat) {
  let c = 0;
  for (const v of flat) c += typeof v === 'string' ? v.length + 1 : 8;
  return c;
}
function checkpoint() {
  idleTimer = null;
  if (sinceCheckpoint === 0) return;
  sinceCheckpoint = 0;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    // nothing is lost: the rows are committed in the WAL, and the next checkpoint copies them
  }
}
parentPort.on('message', (m) => {
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = null;
  if (m === 'close') {
    checkpoint();
    db.close();
    parentPort.close();
    return;
  }
  try {
    insertAll.immediate(m.text === undefined ? m.flat : decode(m.text, m.n), m.n);
    sinceCheckpoint += m.text === undefined ? flatChars(m.flat) : m.text.length;
    parentPort.postMessage({ id: m.id, ok: true });
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, message: String((e && e.message) || e), code: e && e.code });
  }
  if (sinceCheckpoint >= workerData.checkpointChars) checkpoint();
  else if (sinceCheckpoint > 0) idleTimer = setTimeout(checkpoint, workerData.checkpointIdleMs);
});
`;

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
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** Options of {@link SqliteLogWorker}. */
export interface SqliteLogWorkerOptions {
  /** How long the writer waits for a write lock held by another connection (default 5,000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * The writer copies the WAL into the database (a PASSIVE checkpoint) after acknowledging a batch,
   * when the row values it committed since the last checkpoint hold this many characters (default
   * 3 Mi: about 7,000 served predictions, a WAL of about 10 MB) ...
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
  readonly #data: WorkerData;
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #closed: Promise<void> | undefined;
  #idle: (() => void)[] = [];

  constructor(file: string, options: SqliteLogWorkerOptions = {}) {
    this.#data = {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file,
      busyTimeoutMs: Math.trunc(options.busyTimeoutMs ?? 5000),
      columns: PREDICTION_COLUMNS,
      rowsPerInsert: PREDICTIONS_PER_INSERT,
      cachedStatements: 64,
      checkpointChars: Math.trunc(options.checkpointChars ?? 3 * 1024 * 1024),
      checkpointIdleMs: Math.trunc(options.checkpointIdleMs ?? 20),
    };
  }

  /** Writes in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Commits `rows` in one transaction on the writer thread; rejects with the SQLite error. */
  write(rows: readonly Insertable<PredictionsTable>[]): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(new SqliteWorkerError('the log writer is closed'));
    if (rows.length === 0) return Promise.resolve();
    const worker = this.#start();
    const message = encode(++this.#seq, rows);
    return new Promise<void>((resolve, reject) => {
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
        worker.postMessage('close');
        await exited;
      }
    })();
    return this.#closed;
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: this.#data,
      // The writer holds little: keep its heap small (it only binds values and runs statements).
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 },
    });
    worker.unref();
    worker.on('message', (m: ReplyMessage) => {
      if (m.id === -1 && !m.ok) {
        this.#failAll(new SqliteWorkerError(m.message, m.code));
        return;
      }
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve();
      else p.reject(new SqliteWorkerError(m.message, m.code));
      if (this.#pending.size === 0) {
        worker.unref();
        this.#notifyIdle();
      }
    });
    const gone = (e: unknown) => {
      if (this.#worker === worker) this.#worker = null;
      this.#failAll(
        e instanceof Error
          ? new SqliteWorkerError(`the log writer thread stopped: ${e.message}`)
          : new SqliteWorkerError('the log writer thread stopped'),
      );
    };
    worker.on('error', gone);
    worker.on('exit', (code) => {
      if (this.#pending.size > 0) gone(new Error(`exit code ${code}`));
      else if (this.#worker === worker) this.#worker = null;
    });
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

const hasSep = (v: string | null | undefined): boolean => typeof v === 'string' && v.includes(SEP);

/** The {@link WriteMessage} of a batch. */
function encode(id: number, rows: readonly Insertable<PredictionsTable>[]): WriteMessage {
  const n = rows.length;
  const values: unknown[] = [];
  let text = true;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    // ids, times, decisions and kinds are checked values without control characters, and JSON text
    // holds none either (a stray one in caller-made `input` JSON would change the value count, which
    // the worker checks before binding anything); the short free-text values are checked here
    if (text && (hasSep(r.model_name) || hasSep(r.arm) || hasSep(r.client_id))) text = false;
    pushRow(values, r);
  }
  if (!text) return { id, n, flat: values };
  for (let j = 0; j < values.length; j += PREDICTION_COLUMNS.length) {
    values[j + 4] = values[j + 4] === null ? '' : `=${values[j + 4] as string}`;
    values[j + 5] = values[j + 5] === null ? '' : `=${values[j + 5] as string}`;
  }
  return { id, n, text: values.join(SEP) };
}
