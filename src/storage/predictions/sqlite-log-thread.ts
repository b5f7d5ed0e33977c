/**
 * The prediction log's SQLite writer thread (started by `SqliteLogWorker`, never imported): its own
 * better-sqlite3 connection to the database file commits each write it receives in one transaction,
 * in order, and replies once it has committed. It checkpoints the WAL itself, after replying.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import {
  FeatureCounts,
  labelCountsSql,
  upsertBatches,
  upsertCountsSql,
} from '../monitoring/feature-counts.js';
import {
  type Column,
  type LogThreadData,
  OPEN_FAILED,
  type Part,
  type ReplyMessage,
  SEP,
  type ThreadRequest,
  type WorkerStatement,
} from './sqlite-log-messages.js';

type Statement = BetterSqlite3.Statement<unknown[]>;

const port = parentPort;
if (port === null) throw new Error('sqlite-log-thread runs as a worker thread (see SqliteLogWorker)');
const data = workerData as LogThreadData;
const reply = (m: ReplyMessage): void => port.postMessage(m);

/** The error's SQLite code (`SQLITE_BUSY`, …), if it has one. */
function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function open(): BetterSqlite3.Database {
  try {
    const handle = new BetterSqlite3(data.file, { fileMustExist: true });
    handle.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
    handle.pragma('synchronous = NORMAL');
    // WAL checkpoints off the commit path: SQLite's automatic checkpoint would run inside the COMMIT of
    // whichever batch crosses 1,000 WAL pages and delay its acknowledgement; here it runs after the
    // acknowledgement, once the writer is idle or has committed checkpointChars characters of values
    handle.pragma('wal_autocheckpoint = 0');
    return handle;
  } catch (e) {
    const message = `cannot open the prediction log database ${data.file}: ${messageOf(e)}`;
    reply({ id: OPEN_FAILED, ok: false, message, code: codeOf(e) });
    // the thread's 'error' event may reach the main thread before that message: it names the file too
    throw new Error(message);
  }
}

const db = open();
const W = data.columns.length;
const PER = data.rowsPerInsert;
const NULLABLE = data.columns.map((c) => data.nullable.includes(c));

// Statements by row count and by which columns hold one value shared by every row of the batch: those
// are bound once per statement as named parameters (@s0, @s1, …) instead of once per row, which
// halves the values bound for a batch of one model's predictions (same time, model, client, kind)
const statements = new Map<string, Statement>();
function statementFor(n: number, shared: readonly number[]): Statement {
  const key = `${n}:${shared.join(',')}`;
  let s = statements.get(key);
  if (s === undefined) {
    if (statements.size >= data.cachedStatements) {
      const oldest = statements.keys().next().value;
      if (oldest !== undefined) statements.delete(oldest);
    }
    const isShared = new Array<boolean>(W).fill(false);
    for (const j of shared) isShared[j] = true;
    const tuple = `(${isShared.map((sh, j) => (sh ? `@s${j}` : '?')).join(',')})`;
    s = db.prepare<unknown[]>(data.insertHead + new Array<string>(n).fill(tuple).join(','));
    statements.set(key, s);
  }
  return s;
}

/** One part's rows: `flat` holds the values of the columns not shared, row after row (`w` per row); `named` the shared ones. */
function insertRows(
  flat: unknown[],
  n: number,
  w: number,
  shared: readonly number[],
  named: Record<string, unknown> | null,
): void {
  for (let start = 0; start < n; start += PER) {
    const end = Math.min(start + PER, n);
    const values = start === 0 && end === n ? flat : flat.slice(start * w, end * w);
    if (named === null) statementFor(end - start, shared).run(values);
    else statementFor(end - start, shared).run(named, values);
  }
}

const NONE: readonly number[] = [];

interface Decoded {
  readonly flat: unknown[];
  readonly w: number;
  readonly shared: number[];
  readonly named: Record<string, unknown> | null;
}

/** A part sent as columns: the flat values of the columns that vary (rows × w), and the shared ones. */
function decode(cols: readonly Column[], n: number): Decoded {
  if (cols.length !== W) throw new Error(`malformed batch: ${cols.length} columns, not ${W}`);
  const shared: number[] = [];
  const named: Record<string, unknown> = {};
  const varying: number[] = [];
  // (small writes, the single predictions of group commit, bind every value: one statement per row
  // count, not one per row count and set of shared columns)
  const bindShared = n >= data.sharedMinRows;
  for (let j = 0; j < W; j++) {
    const c = cols[j];
    if (bindShared && c.text === undefined && c.nums === undefined) {
      shared.push(j);
      named[`s${j}`] = c.same;
    } else varying.push(j);
  }
  const w = varying.length;
  const flat = new Array<unknown>(n * w);
  for (let v = 0; v < w; v++) {
    const j = varying[v];
    const c = cols[j];
    if (c.text !== undefined) {
      const parts = c.text.split(SEP);
      if (parts.length !== n) {
        throw new Error(`malformed batch: ${parts.length} values for ${n} rows in ${data.columns[j]}`);
      }
      if (NULLABLE[j]) {
        for (let i = 0; i < n; i++) flat[i * w + v] = parts[i] === '' ? null : parts[i].slice(1);
      } else for (let i = 0; i < n; i++) flat[i * w + v] = parts[i];
    } else if (c.nums === undefined) {
      for (let i = 0; i < n; i++) flat[i * w + v] = c.same;
    } else {
      if (c.nums.length !== n) {
        throw new Error(`malformed batch: ${c.nums.length} values for ${n} rows in ${data.columns[j]}`);
      }
      for (let i = 0; i < n; i++) flat[i * w + v] = c.nums[i];
    }
  }
  return { flat, w, shared, named: shared.length === 0 ? null : named };
}

// the other statements (the batch journal's), prepared once each
const others = new Map<string, Statement>();
function other(sql: string): Statement {
  let s = others.get(sql);
  if (s === undefined) {
    s = db.prepare<unknown[]>(sql);
    others.set(sql, s);
  }
  return s;
}

const ID = data.columns.indexOf('id');
const SHADOW_OF = data.columns.indexOf('shadow_of');

/** The values of column `j` of a part, one per row (a nullable text column's empty value is null). */
function columnValues(part: Part, j: number): unknown[] {
  if (part.flat !== undefined) return Array.from({ length: part.n }, (_, i) => part.flat[i * W + j]);
  const c = part.cols[j];
  if (c.text !== undefined) {
    const parts = c.text.split(SEP);
    return NULLABLE[j] ? parts.map((v) => (v === '' ? null : v.slice(1))) : parts;
  }
  if (c.nums !== undefined) return Array.from(c.nums);
  return new Array<unknown>(part.n).fill(c.same);
}

/** The shadow rows of a write (ids), by the answered prediction they shadow. */
function shadowRows(parts: readonly Part[]): Map<string, string[]> {
  const byAnswered = new Map<string, string[]>();
  for (const part of parts) {
    if (part.cols !== undefined && part.cols[SHADOW_OF].same === null) continue; // none shadows
    const answered = columnValues(part, SHADOW_OF);
    const ids = columnValues(part, ID);
    for (let i = 0; i < part.n; i++) {
      const a = answered[i];
      if (typeof a !== 'string') continue;
      const list = byAnswered.get(a);
      if (list === undefined) byAnswered.set(a, [String(ids[i])]);
      else list.push(String(ids[i]));
    }
  }
  return byAnswered;
}

/**
 * Copies the true labels already given to answered predictions onto the shadow rows just inserted
 * (migration 0007's `true_label`): feedback that came before its shadow rows were logged. Inside the
 * write transaction, so what it reads is final (SQLite runs one write transaction at a time).
 */
function labelShadowRows(parts: readonly Part[]): void {
  const shadows = shadowRows(parts);
  if (shadows.size === 0) return;
  const answered = [...shadows.keys()];
  for (let i = 0; i < answered.length; i += data.labelLookupsPerSelect) {
    const group = answered.slice(i, i + data.labelLookupsPerSelect);
    const found = other(
      `select prediction_id, true_label from feedback where prediction_id in (${group.map(() => '?').join(',')})`,
    ).all(group) as Array<{ prediction_id: string; true_label: string }>;
    for (const f of found) {
      const ids = shadows.get(f.prediction_id) ?? [];
      db.prepare(`update predictions set true_label = ? where id in (${ids.map(() => '?').join(',')})`).run(
        f.true_label,
        ...ids,
      );
      db.prepare(labelCountsSql('sqlite', ids.length, 1)).run(f.true_label, ...ids);
    }
  }
}

const COUNTED = [
  'model_name',
  'model_version',
  'experiment_id',
  'arm',
  'created_at',
  'input',
  'output',
  'decision',
  'probability',
].map((c) => data.columns.indexOf(c));

/** Adds the write's rows to the monitoring roll-up (storage/monitoring/feature-counts.ts). */
function countRows(parts: readonly Part[]): void {
  const counts = new FeatureCounts();
  for (const part of parts) {
    const [model, version, experiment, arm, createdAt, input, output, decision, probability] = COUNTED.map(
      (j) => columnValues(part, j),
    );
    for (let i = 0; i < part.n; i++) {
      counts.add(
        {
          modelName: String(model[i]),
          modelVersion: Number(version[i]),
          experimentId: experiment[i] == null ? null : String(experiment[i]),
          arm: arm[i] == null ? null : String(arm[i]),
          createdAt: String(createdAt[i]),
          input: String(input[i]),
          output: String(output[i]),
          decision: String(decision[i]),
          probability: Number(probability[i]),
        },
        data.noveltyMarker,
      );
    }
  }
  for (const b of upsertBatches(counts)) other(upsertCountsSql(b.rows, 'sqlite')).run(b.params);
}

/** Every part of a write, then its statements, in one transaction; the rows the statements changed. */
const insertAll = db.transaction(
  (parts: readonly Part[], sts: readonly WorkerStatement[] | undefined): number => {
    for (const part of parts) {
      if (part.flat !== undefined) insertRows(part.flat, part.n, W, NONE, null);
      else {
        const d = decode(part.cols, part.n);
        insertRows(d.flat, part.n, d.w, d.shared, d.named);
      }
    }
    labelShadowRows(parts);
    countRows(parts);
    // rows the statements changed (the journal's DELETE tells whether its entry was there)
    let changes = 0;
    if (sts !== undefined) for (const st of sts) changes += other(st.sql).run(st.params).changes;
    return changes;
  },
);

/** Characters of values in a write (what the WAL grows by, roughly). */
function chars(parts: readonly Part[], sts: readonly WorkerStatement[] | undefined): number {
  let c = 0;
  if (sts !== undefined) {
    for (const st of sts) for (const v of st.params) c += typeof v === 'string' ? v.length + 1 : 8;
  }
  for (const part of parts) {
    if (part.flat !== undefined) {
      for (const v of part.flat) c += typeof v === 'string' ? v.length + 1 : 8;
      continue;
    }
    for (const col of part.cols) {
      if (col.text !== undefined) c += col.text.length + 1;
      else if (col.nums !== undefined) c += 8 * part.n;
      else c += (typeof col.same === 'string' ? col.same.length + 1 : 8) * part.n;
    }
  }
  return c;
}

let sinceCheckpoint = 0;
let idleTimer: NodeJS.Timeout | null = null;
function checkpoint(): void {
  idleTimer = null;
  if (sinceCheckpoint === 0) return;
  sinceCheckpoint = 0;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // nothing is lost: the rows are committed in the WAL, and the next checkpoint copies them
  }
}

port.on('message', (m: ThreadRequest) => {
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = null;
  if (m === 'close') {
    checkpoint();
    db.close();
    port.close();
    return;
  }
  try {
    const changes = insertAll.immediate(m.parts, m.statements);
    sinceCheckpoint += chars(m.parts, m.statements);
    reply({ id: m.id, ok: true, changes });
  } catch (e) {
    reply({ id: m.id, ok: false, message: messageOf(e), code: codeOf(e) });
  }
  if (sinceCheckpoint >= data.checkpointChars) checkpoint();
  else if (sinceCheckpoint > 0) idleTimer = setTimeout(checkpoint, data.checkpointIdleMs);
});
