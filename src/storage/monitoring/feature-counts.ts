/**
 * The roll-up of logged predictions that monitoring reads (table `monitor_counts`): per model version,
 * experiment arm and hour, how many predictions had each value of each input feature, each outcome and
 * each probability bin. The log writers count the rows they insert and add the counts in the same
 * transaction, so the roll-up always equals a recount of the log.
 *
 * Value keys: a string input `s` is the category `=s`; a number `x` is `#` + x rounded to 4 significant
 * digits (the mushroom measurements have 2 decimals: exact below 100); a missing, null or other value
 * is `?`. Pseudo-features: `@outcome` — `edible`, `poisonous`, `uncertain`, or `novel` (uncertain
 * because the unknown-species guard fired); `@probability` — the answer and the probability of
 * poisonous in hundredths, `<decision>|0` … `<decision>|100` (what performance estimation needs). Names and keys longer than {@link MAX_KEY_CHARS} characters are cut there.
 */

/** The pseudo-feature of each prediction's answer. */
export const OUTCOME_FEATURE = '@outcome';
/** The pseudo-feature of each prediction's answer and probability (`poisonous|97`). */
export const PROBABILITY_FEATURE = '@probability';
/** The key of a missing value. */
export const MISSING_VALUE = '?';
/** Significant digits a numeric value keeps in the roll-up. */
export const NUMERIC_DIGITS = 4;
/** Feature names and value keys keep at most this many characters (the table's key columns). */
export const MAX_KEY_CHARS = 100;

/** What the roll-up needs of one logged prediction. */
export interface CountedRow {
  readonly modelName: string;
  readonly modelVersion: number;
  readonly experimentId: string | null;
  readonly arm: string | null;
  readonly createdAt: string;
  /** The logged input (JSON text of an object). */
  readonly input: string;
  readonly decision: string;
  readonly probability: number;
  /** The logged output (JSON text): tells an answer the unknown-species guard made. */
  readonly output: string;
}

/**
 * A logged input as named values (e.g. a parsed mushroom in schema order): the object
 * `{ [names[j]]: values[j] }` with the null values left out. The roll-up counts it as it would count
 * that object's JSON text, without parsing the text.
 */
export interface InputFeatures {
  readonly names: readonly string[];
  readonly values: readonly (string | number | null)[];
}

/** The key of one input value. */
export function valueKey(v: unknown): string {
  if (typeof v === 'string') return `=${v}`;
  if (typeof v === 'number' && Number.isFinite(v)) {
    const s = String(v);
    // at most 4 digits and a point or sign: already 4 significant digits (the common, two-decimal case)
    return s.length <= 5 && !s.includes('e') ? `#${s}` : `#${Number(v.toPrecision(NUMERIC_DIGITS))}`;
  }
  if (typeof v === 'boolean') return `=${v}`;
  return MISSING_VALUE;
}

/** The hour of an ISO-8601 UTC timestamp (`…T14:37:12.345Z` → `…T14:00:00.000Z`). */
export function hourBucket(createdAt: string): string {
  return `${createdAt.slice(0, 13)}:00:00.000Z`;
}

/** Most value keys remembered per feature of a names array (see {@link keysOf}). */
const KEY_CACHE = 4096;

/** Per feature of a names array: its roll-up name, and the keys of the values seen (up to {@link KEY_CACHE}). */
interface FeatureKeys {
  readonly names: readonly string[];
  readonly keys: Map<string | number, string>[];
}

const featureKeys = new WeakMap<readonly string[], FeatureKeys>();

/** The roll-up names and value-key caches of a names array, made on first use and kept while it lives. */
function keysOf(names: readonly string[]): FeatureKeys {
  let k = featureKeys.get(names);
  if (k === undefined) {
    k = {
      names: names.map((n) => (n.length > MAX_KEY_CHARS ? n.slice(0, MAX_KEY_CHARS) : n)),
      keys: names.map(() => new Map()),
    };
    featureKeys.set(names, k);
  }
  return k;
}

/** The roll-up key of value `v` of feature j, remembered while the feature's cache has room. */
function cachedKey(k: FeatureKeys, j: number, v: string | number): string {
  const cache = k.keys[j];
  let key = cache.get(v);
  if (key === undefined) {
    key = valueKey(v).slice(0, MAX_KEY_CHARS);
    if (cache.size < KEY_CACHE) cache.set(v, key);
  }
  return key;
}

/** One group's counts: feature → value key → rows. */
type GroupCounts = Map<string, Map<string, number>>;

/** What the rows of one group share (the roll-up's key columns before feature and value). */
interface Group {
  readonly model: string;
  readonly version: number;
  readonly experiment: string;
  readonly arm: string;
  readonly bucket: string;
  readonly counts: GroupCounts;
}

function bump(counts: GroupCounts, feature: string, value: string, by = 1): void {
  let m = counts.get(feature);
  if (m === undefined) {
    m = new Map();
    counts.set(feature, m);
  }
  m.set(value, (m.get(value) ?? 0) + by);
}

/** A count a pending row may hold: a positive safe integer. */
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;

/** Byte order of keys (the table's binary collation): every writer upserts counter rows in it. */
export const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One count row, in the column order of {@link MONITOR_COUNT_COLUMNS}. */
export type CountRow = [string, number, string, string, string, string, string, number];

/**
 * Counts by roll-up key, added to as rows are counted; `rows()` gives the table's rows. Rows are
 * grouped by model, version, experiment, arm and hour first (a batch is usually one group), then by
 * feature and value: short keys, a few map lookups per value (about 3 µs a row of 20 features here).
 */
export class FeatureCounts {
  readonly #groups = new Map<string, Group>();
  #last: { key: string; group: Group } | null = null;

  /** True while nothing is counted (every group counts at least its rows' answers). */
  get empty(): boolean {
    return this.#groups.size === 0;
  }

  #group(row: Omit<CountedRow, 'input'>): GroupCounts {
    return this.#groupOf(
      row.modelName,
      row.modelVersion,
      row.experimentId ?? '',
      row.arm ?? '',
      hourBucket(row.createdAt),
    );
  }

  #groupOf(model: string, version: number, experiment: string, arm: string, bucket: string): GroupCounts {
    const key = `${model}\u0000${version}\u0000${experiment}\u0000${arm}\u0000${bucket}`;
    if (this.#last?.key === key) return this.#last.group.counts;
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { model, version, experiment, arm, bucket, counts: new Map() };
      this.#groups.set(key, group);
    }
    this.#last = { key, group };
    return group.counts;
  }

  /**
   * The counts as one pending row of the MySQL log (`monitor_count_pending`, format 2): per group its
   * key columns, then its counts by feature and value —
   * `{"v":2,"g":[[model, version, experiment, arm, bucket, {"<feature>": {"<value>": n}}]]}`. About a
   * sixth of the size of format 1 (an array of {@link CountRow}s, which repeats the group and feature in
   * every row), and {@link addPending} sums it without building a key per value: a fold of 100
   * commits of 16 varied predictions parses and sums in about a fifth of format 1's time.
   */
  pendingJson(): string {
    // built as text: the objects JSON.stringify would need cost more than the text (a commit's
    // counts, every commit of the durable log); JSON.parse of it gives what they would
    let out = '{"v":2,"g":[';
    let first = true;
    for (const g of this.#groups.values()) {
      out += `${first ? '' : ','}[${JSON.stringify(g.model)},${g.version},${JSON.stringify(g.experiment)},${JSON.stringify(g.arm)},${JSON.stringify(g.bucket)},{`;
      first = false;
      let firstFeature = true;
      for (const [feature, values] of g.counts) {
        out += `${firstFeature ? '' : ','}${JSON.stringify(feature)}:{`;
        firstFeature = false;
        let firstValue = true;
        for (const [value, n] of values) {
          out += `${firstValue ? '' : ','}${JSON.stringify(value)}:${n}`;
          firstValue = false;
        }
        out += '}';
      }
      out += '}]';
    }
    return `${out}]}`;
  }

  /**
   * Adds the counts of a parsed pending row: format 2 ({@link pendingJson}) or format 1 (an array of
   * {@link CountRow}s, what earlier versions wrote). False, with nothing guaranteed about what was
   * added, when it is neither.
   */
  addPending(parsed: unknown): boolean {
    if (Array.isArray(parsed)) {
      for (const c of parsed) {
        if (!Array.isArray(c) || c.length !== 8 || !Number.isSafeInteger(c[1]) || !isCount(c[7]))
          return false;
        if (![0, 2, 3, 4, 5, 6].every((i) => typeof c[i] === 'string')) return false;
        bump(this.#groupOf(c[0], c[1], c[2], c[3], c[4]), c[5], c[6], c[7]);
      }
      return true;
    }
    const row = parsed as { v?: unknown; g?: unknown } | null;
    if (typeof row !== 'object' || row === null || row.v !== 2 || !Array.isArray(row.g)) return false;
    for (const g of row.g as unknown[]) {
      if (!Array.isArray(g) || g.length !== 6) return false;
      const [model, version, experiment, arm, bucket, features] = g as unknown[];
      if (typeof model !== 'string' || typeof version !== 'number' || !Number.isSafeInteger(version))
        return false;
      if (typeof experiment !== 'string') return false;
      if (typeof arm !== 'string' || typeof bucket !== 'string') return false;
      if (typeof features !== 'object' || features === null || Array.isArray(features)) return false;
      const counts = this.#groupOf(model, version, experiment, arm, bucket);
      for (const [feature, values] of Object.entries(features)) {
        if (typeof values !== 'object' || values === null || Array.isArray(values)) return false;
        for (const [value, n] of Object.entries(values)) {
          if (!isCount(n)) return false;
          bump(counts, feature, value, n);
        }
      }
    }
    return true;
  }

  /**
   * Counts one logged prediction whose input is given as named values (`row.input` is not read): the
   * same counts as {@link add} of the row with the input's JSON text, in a fraction of the time.
   */
  addFeatures(row: Omit<CountedRow, 'input'>, input: InputFeatures, noveltyMarker: string): void {
    const counts = this.#group(row);
    const k = keysOf(input.names);
    const { values } = input;
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (v === null) continue;
      bump(counts, k.names[j], cachedKey(k, j, v));
    }
    this.#addAnswer(counts, row, noveltyMarker);
  }

  /** Counts one logged prediction (an input that is not a JSON object counts only its answer). */
  add(row: CountedRow, noveltyMarker: string): void {
    const counts = this.#group(row);
    let input: unknown = null;
    try {
      input = JSON.parse(row.input);
    } catch {
      input = null; // the log stores what was received; the roll-up skips what it cannot read
    }
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
      const record = input as Record<string, unknown>;
      for (const feature in record) {
        bump(
          counts,
          feature.length > MAX_KEY_CHARS ? feature.slice(0, MAX_KEY_CHARS) : feature,
          valueKey(record[feature]).slice(0, MAX_KEY_CHARS),
        );
      }
    }
    this.#addAnswer(counts, row, noveltyMarker);
  }

  /** Counts the answer of one logged prediction: its outcome and its probability. */
  #addAnswer(counts: GroupCounts, row: Omit<CountedRow, 'input'>, noveltyMarker: string): void {
    const novel = row.decision === 'uncertain' && row.output.includes(noveltyMarker);
    bump(counts, OUTCOME_FEATURE, novel ? 'novel' : row.decision);
    const p = Number.isFinite(row.probability)
      ? Math.round(Math.min(1, Math.max(0, row.probability)) * 100)
      : -1;
    bump(counts, PROBABILITY_FEATURE, p < 0 ? MISSING_VALUE : `${row.decision}|${p}`);
  }

  /** Counts one labelled prediction's `@label` and `@calibration`, as the feedback transaction does. */
  addLabel(row: CountedRow, label: string): void {
    const counts = this.#group(row);
    bump(counts, LABEL_FEATURE, `${row.decision}|${label}`);
    bump(counts, CALIBRATION_FEATURE, `${hundredth(row.probability)}|${label}`);
  }

  /**
   * The counts as table values, in the column order of {@link MONITOR_COUNT_COLUMNS}, sorted by key:
   * writers upsert in one order, so concurrent transactions (server replicas on MariaDB) wait for
   * each other's counter rows instead of deadlocking.
   */
  *rows(): IterableIterator<CountRow> {
    for (const gk of [...this.#groups.keys()].sort(byKey)) {
      const g = this.#groups.get(gk) as Group;
      for (const feature of [...g.counts.keys()].sort(byKey)) {
        const values = g.counts.get(feature) as Map<string, number>;
        for (const value of [...values.keys()].sort(byKey)) {
          yield [g.model, g.version, g.experiment, g.arm, g.bucket, feature, value, values.get(value) ?? 0];
        }
      }
    }
  }
}

/** The columns of `monitor_counts`, in the order {@link FeatureCounts.rows} gives them. */
export const MONITOR_COUNT_COLUMNS = [
  'model_name',
  'model_version',
  'experiment_id',
  'arm',
  'bucket',
  'feature',
  'value',
  'n',
] as const;

/** Count rows per upsert statement (8 values each: 4,000 bound values, under SQLite's limit). */
export const COUNTS_PER_UPSERT = 500;

/** The upsert adding `rows` count rows to `monitor_counts`, for SQLite or MySQL/MariaDB. */
export function upsertCountsSql(rows: number, dialect: 'sqlite' | 'mysql'): string {
  const tuple = `(${MONITOR_COUNT_COLUMNS.map(() => '?').join(',')})`;
  const head = `insert into monitor_counts (${MONITOR_COUNT_COLUMNS.join(',')}) values ${new Array<string>(rows).fill(tuple).join(',')}`;
  return dialect === 'mysql'
    ? `${head} on duplicate key update n = n + values(n)`
    : `${head} on conflict (model_name, model_version, bucket, experiment_id, arm, feature, value) do update set n = n + excluded.n`;
}

/** The bound values of the upserts of `counts`, statement by statement. */
export function upsertBatches(counts: FeatureCounts): Array<{ rows: number; params: (string | number)[] }> {
  const out: Array<{ rows: number; params: (string | number)[] }> = [];
  let params: (string | number)[] = [];
  let rows = 0;
  for (const r of counts.rows()) {
    params.push(...r);
    if (++rows === COUNTS_PER_UPSERT) {
      out.push({ rows, params });
      params = [];
      rows = 0;
    }
  }
  if (rows > 0) out.push({ rows, params });
  return out;
}

/** The pseudo-feature of labelled predictions: value `<decision>|<true label>` (`edible|p` is a false edible). */
export const LABEL_FEATURE = '@label';

/**
 * The pseudo-feature of labelled predictions' calibration: value `<hundredth>|<true label>`, the
 * probability of poisonous floored to hundredths (0…99; 1.0 counts as 99) — what a window's expected
 * calibration error needs.
 */
export const CALIBRATION_FEATURE = '@calibration';

/** The hundredth a probability falls in (0…99), as the SQL of {@link labelCountsSql} computes it. */
export function hundredth(p: number): number {
  return Number.isFinite(p) ? Math.min(99, Math.max(0, Math.trunc(p * 100))) : 0;
}

/**
 * The statement adding `sign` (+1, or -1 when a label is replaced) to the `@label` and `@calibration`
 * counts of each prediction among `ids` with the true label given as the first parameter, then the
 * ids: run in the transaction that sets or replaces `predictions.true_label`, so the labelled counts
 * always equal a recount of the labelled log. Parameters: label, ...ids.
 */
export function labelCountsSql(dialect: 'sqlite' | 'mysql', ids: number, sign: 1 | -1): string {
  const mysql = dialect === 'mysql';
  const bucket = mysql
    ? "concat(substr(p.created_at, 1, 13), ':00:00.000Z')"
    : "substr(p.created_at, 1, 13) || ':00:00.000Z'";
  const bin = mysql
    ? 'cast(least(99, greatest(0, floor(p.probability * 100))) as signed)'
    : 'min(99, max(0, cast(p.probability * 100 as integer)))';
  const cat = (...parts: string[]) => (mysql ? `concat(${parts.join(', ')})` : parts.join(' || '));
  const value = `case when f.feature = '${LABEL_FEATURE}' then ${cat('p.decision', "'|'", 'l.label')} else ${cat(bin, "'|'", 'l.label')} end`;
  const select =
    `select p.model_name, p.model_version, coalesce(p.experiment_id, ''), coalesce(p.arm, ''), ${bucket}, f.feature, ${value}, ${sign} ` +
    `from (select ? as label) l cross join predictions p ` +
    `cross join (select '${LABEL_FEATURE}' as feature union all select '${CALIBRATION_FEATURE}') f ` +
    `where p.id in (${new Array<string>(ids).fill('?').join(',')})`;
  return mysql
    ? `insert into monitor_counts (${MONITOR_COUNT_COLUMNS.join(',')}) ${select} on duplicate key update n = n + values(n)`
    : `insert into monitor_counts (${MONITOR_COUNT_COLUMNS.join(',')}) ${select} on conflict (model_name, model_version, bucket, experiment_id, arm, feature, value) do update set n = n + excluded.n`;
}
