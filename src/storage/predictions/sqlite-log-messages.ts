/**
 * What the prediction log's SQLite writer thread (`sqlite-log-thread.ts`) and its owner on the main
 * thread (`SqliteLogWorker`, `sqlite-log-worker.ts`) send each other: one set of types for both sides.
 * Every message is structured-cloned.
 */

/** The thread's `workerData`: what it opens and how it writes. */
export interface LogThreadData {
  readonly file: string;
  readonly busyTimeoutMs: number;
  /** The columns of `predictions`, in the order every {@link Part} sends them. */
  readonly columns: readonly string[];
  /** The columns that may hold null. */
  readonly nullable: readonly string[];
  /** The INSERT's head (`insertPredictionsSql`), then one `(?, …)` tuple per row, made by the thread. */
  readonly insertHead: string;
  readonly rowsPerInsert: number;
  readonly cachedStatements: number;
  /** Writes of at least this many rows bind the values every row shares once per statement. */
  readonly sharedMinRows: number;
  /** Characters of row values committed since the last WAL checkpoint that make the writer checkpoint at once. */
  readonly checkpointChars: number;
  /** Otherwise the writer checkpoints after this long without a batch (ms). */
  readonly checkpointIdleMs: number;
  /** Answered ids per feedback lookup when shadow rows take their labels (`LABEL_LOOKUPS_PER_SELECT`). */
  readonly labelLookupsPerSelect: number;
  /** What a logged output holds when the unknown-species guard answered (`NOVELTY_MARKER`). */
  readonly noveltyMarker: string;
}

/** Field separator of a text {@link Column}. */
export const SEP = '\u001f';

/**
 * One column of a batch: the value every row shares (`same`), the rows' numbers (`nums`), or their
 * texts joined by {@link SEP} (`text`; in nullable columns each prefixed with `=`, or empty for null).
 * Copying a batch to the thread is then a few strings and arrays, far cheaper than cloning 12 values
 * per row, and the big texts (inputs, outputs) are joined once.
 */
export type Column =
  | { readonly same: string | number | null; readonly nums?: undefined; readonly text?: undefined }
  | { readonly nums: Float64Array; readonly same?: undefined; readonly text?: undefined }
  | { readonly text: string; readonly same?: undefined; readonly nums?: undefined };

/**
 * `n` rows of a write: as their columns in {@link LogThreadData.columns} order, or, when a free-text
 * value holds {@link SEP} itself, as a flat array of the values (`flat`), row after row.
 */
export type Part =
  | { readonly n: number; readonly cols: readonly Column[]; readonly flat?: undefined }
  | { readonly n: number; readonly flat: unknown[]; readonly cols?: undefined };

/** One statement of a write besides its prediction rows (the batch journal's INSERT or DELETE). */
export interface WorkerStatement {
  readonly sql: string;
  readonly params: readonly (string | number | null)[];
}

/** main → thread: one write, all its parts, then its statements, committed in one transaction. */
export interface WriteMessage {
  readonly id: number;
  readonly parts: readonly Part[];
  readonly statements?: readonly WorkerStatement[];
}

/** main → thread: a write, or `'close'` (checkpoint, close the database, stop). */
export type ThreadRequest = WriteMessage | 'close';

/**
 * thread → main: the outcome of write `id` (the rows its statements changed, or the error). A reply
 * with id {@link OPEN_FAILED} and `ok: false` says the thread could not open the database and stops.
 */
export type ReplyMessage =
  | { readonly id: number; readonly ok: true; readonly changes: number }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string };

/** The id of the reply that reports a database the thread could not open. */
export const OPEN_FAILED = -1;
