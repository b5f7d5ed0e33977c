/**
 * Fitted, serialisable preprocessing from clean records to a {@link Matrix}: one-hot + standardised
 * numerics for linear models, integer category codes + raw numerics for trees. Always fit on the
 * training split only.
 */
import { type Static, Type } from 'typebox';
import {
  createMatrix,
  discriminatedUnion,
  type FeatureInfo,
  type Matrix,
  modelFormatCheck,
  NotFittedError,
  SporeprintError,
  sparseMatrix,
} from '../core/index.js';
import type { DatasetSchema, SchemaName } from './schemas.js';
import type { CleanRecord } from './validate-row.js';

/** The name of the one-hot level that stands for a missing value. */
export const MISSING_LEVEL = '<missing>';

/** The format version written by the encoders' `toJSON()`. */
export const ENCODER_FORMAT_VERSION = 1;

type Value = string | number | null;

/*
 * The encoder JSON schemas. Unknown properties are allowed (and ignored); every number must also be
 * finite, as the shared check (modelFormatCheck) refuses NaN and ±Infinity.
 */
const featureName = Type.String({ minLength: 1 });
const schemaName = Type.Enum(['secondary', 'classic'] satisfies SchemaName[]);
const linearJson = Type.Object({
  formatVersion: Type.Literal(ENCODER_FORMAT_VERSION),
  kind: Type.Literal('linear-encoder'),
  schema: schemaName,
  features: Type.Array(
    discriminatedUnion('kind', [
      Type.Object({
        name: featureName,
        kind: Type.Literal('numeric'),
        mean: Type.Number(),
        std: Type.Number({ exclusiveMinimum: 0 }),
      }),
      Type.Object({
        name: featureName,
        kind: Type.Literal('nominal'),
        categories: Type.Array(Type.String()),
        missingLevel: Type.Boolean(),
      }),
    ]),
    { minItems: 1 },
  ),
});
const treeJson = Type.Object({
  formatVersion: Type.Literal(ENCODER_FORMAT_VERSION),
  kind: Type.Literal('tree-encoder'),
  schema: schemaName,
  features: Type.Array(
    discriminatedUnion('kind', [
      Type.Object({ name: featureName, kind: Type.Literal('numeric') }),
      Type.Object({
        name: featureName,
        kind: Type.Literal('nominal'),
        categories: Type.Array(Type.String()),
      }),
    ]),
    { minItems: 1 },
  ),
});

/** The JSON form of a fitted {@link LinearEncoder}. */
export type LinearEncoderJson = Static<typeof linearJson>;
/** The JSON form of a fitted {@link TreeEncoder}. */
export type TreeEncoderJson = Static<typeof treeJson>;

const checkLinearJson = modelFormatCheck(linearJson, 'linear encoder');
const checkTreeJson = modelFormatCheck(treeJson, 'tree encoder');

function duplicateCategories(name: string): SporeprintError {
  return new SporeprintError('SP_ERR_MODEL_FORMAT', `encoder JSON lists a category of '${name}' twice`);
}

/** Single-character ASCII categories are looked up by char code in a 128-entry table (no hashing). */
const ASCII = 128;

/**
 * Sorted distinct non-missing categories of each nominal feature (`nominal[j]`), and whether a missing
 * value was seen, in one row-major pass. Single-character ASCII strings (the usual category codes) are
 * recorded in a flat seen-table instead of a Set; the result equals collecting `String(v)` in a Set.
 */
function categoriesOfAll(
  records: readonly CleanRecord[],
  nominal: readonly boolean[],
): { categories: string[]; sawMissing: boolean }[] {
  const m = nominal.length;
  const seen = new Uint8Array(m * ASCII);
  const sawMissing = new Uint8Array(m);
  const others: (Set<string> | null)[] = new Array<Set<string> | null>(m).fill(null);
  const cols: number[] = [];
  for (let j = 0; j < m; j++) if (nominal[j]) cols.push(j);
  const nc = cols.length;
  for (let i = 0; i < records.length; i++) {
    const values = records[i].values;
    for (let t = 0; t < nc; t++) {
      const j = cols[t];
      const v = values[j];
      if (v === null) {
        sawMissing[j] = 1;
        continue;
      }
      if (typeof v === 'string' && v.length === 1) {
        const code = v.charCodeAt(0);
        if (code < ASCII) {
          seen[j * ASCII + code] = 1;
          continue;
        }
      }
      let set = others[j];
      if (set === null) {
        set = new Set<string>();
        others[j] = set;
      }
      set.add(String(v));
    }
  }
  const out: { categories: string[]; sawMissing: boolean }[] = [];
  for (let j = 0; j < m; j++) {
    const set = others[j] ?? new Set<string>();
    if (nominal[j]) {
      for (let code = 0; code < ASCII; code++) if (seen[j * ASCII + code]) set.add(String.fromCharCode(code));
    }
    out.push({ categories: [...set].sort(), sawMissing: sawMissing[j] === 1 });
  }
  return out;
}

/**
 * Per-column category → code lookup: single-character ASCII strings through a flat table
 * (`table[j·128 + charCode]`, −1 = not a category), anything else through the column's Map.
 */
class CodeLookup {
  private readonly table: Int32Array;
  private readonly maps: readonly Map<string, number>[];

  constructor(maps: readonly Map<string, number>[]) {
    this.maps = maps;
    this.table = new Int32Array(maps.length * ASCII).fill(-1);
    maps.forEach((index, j) => {
      for (const [c, k] of index)
        if (c.length === 1 && c.charCodeAt(0) < ASCII) this.table[j * ASCII + c.charCodeAt(0)] = k;
    });
  }

  /** The code of value `v` (not null) in column `j`, or −1 when it is not a fitted category. */
  code(j: number, v: string | number): number {
    if (typeof v === 'string' && v.length === 1) {
      const c = v.charCodeAt(0);
      if (c < ASCII) return this.table[j * ASCII + c];
    }
    return this.maps[j].get(v as string) ?? -1;
  }
}

function checkFitInput(records: readonly CleanRecord[], schema: DatasetSchema, what: string): void {
  if (records.length === 0)
    throw new SporeprintError('SP_ERR_BAD_DATA', `${what}.fit needs at least one record`);
  const n = schema.features.length;
  for (const r of records) {
    if (r.values.length !== n) {
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        `${what}.fit: record ${r.index} has ${r.values.length} values, the ${schema.name} schema has ${n}`,
      );
    }
  }
}

interface LinearColumn {
  readonly name: string;
  readonly numeric: boolean;
  readonly offset: number;
  readonly mean: number;
  readonly std: number;
  readonly categories: readonly string[];
  readonly missingLevel: boolean;
  /** category → column offset relative to `offset`. */
  readonly index: Map<string, number>;
}

/**
 * One-hot encoding of nominal features (missing is its own level `feature=<missing>` when seen at
 * fit; categories unseen at fit encode as all zeros) and standardisation of numerics with the train
 * mean and population std (missing numerics become 0, i.e. mean-imputed).
 *
 * @example
 * const enc = new LinearEncoder().fit(train, SECONDARY_SCHEMA);
 * const X = enc.transform(test);
 */
export class LinearEncoder {
  private schemaName: SchemaName | null = null;
  private columns: LinearColumn[] | null = null;
  private total = 0;
  /** One row's entries, for {@link encodeInto} (one per feature at most). */
  private scratch = { at: new Int32Array(0), vals: new Float64Array(0) };
  private lookup: CodeLookup | null = null;

  /** Learns categories and numeric mean/std from the training records; returns `this`. */
  fit(records: readonly CleanRecord[], schema: DatasetSchema): this {
    checkFitInput(records, schema, 'LinearEncoder');
    const cats = categoriesOfAll(
      records,
      schema.features.map((f) => f.kind !== 'numeric'),
    );
    const features = schema.features.map((f, j): LinearEncoderJson['features'][number] => {
      if (f.kind === 'numeric') {
        let n = 0;
        let mean = 0;
        let m2 = 0;
        for (const r of records) {
          const v = r.values[j];
          if (typeof v !== 'number') continue;
          n++;
          const d = v - mean;
          mean += d / n;
          m2 += d * (v - mean);
        }
        const std = n > 0 ? Math.sqrt(m2 / n) : 0;
        return { name: f.name, kind: 'numeric', mean: n > 0 ? mean : 0, std: std > 0 ? std : 1 };
      }
      const { categories, sawMissing } = cats[j];
      return { name: f.name, kind: 'nominal', categories, missingLevel: sawMissing };
    });
    this.load({
      formatVersion: ENCODER_FORMAT_VERSION,
      kind: 'linear-encoder',
      schema: schema.name,
      features,
    });
    return this;
  }

  private load(json: LinearEncoderJson): void {
    let offset = 0;
    this.columns = json.features.map((f): LinearColumn => {
      if (f.kind === 'numeric') {
        const col = {
          name: f.name,
          numeric: true,
          offset,
          mean: f.mean,
          std: f.std,
          categories: [],
          missingLevel: false,
          index: new Map(),
        };
        offset += 1;
        return col;
      }
      const index = new Map<string, number>();
      f.categories.forEach((c, k) => {
        index.set(c, k);
      });
      if (index.size !== f.categories.length) throw duplicateCategories(f.name);
      const col = {
        name: f.name,
        numeric: false,
        offset,
        mean: 0,
        std: 1,
        categories: [...f.categories], // the encoder keeps no reference to the JSON it was loaded from
        missingLevel: f.missingLevel,
        index,
      };
      offset += f.categories.length + (f.missingLevel ? 1 : 0);
      return col;
    });
    this.total = offset;
    this.scratch = { at: new Int32Array(this.columns.length), vals: new Float64Array(this.columns.length) };
    this.lookup = new CodeLookup(this.columns.map((c) => c.index));
    this.schemaName = json.schema;
  }

  private fitted(): LinearColumn[] {
    if (this.columns === null) throw new NotFittedError('LinearEncoder');
    return this.columns;
  }

  /** Number of matrix columns. */
  get width(): number {
    this.fitted();
    return this.total;
  }

  /**
   * Encodes one row of values (schema feature order) into `out[offset … offset + width)`, without
   * allocating: the serving path.
   */
  encodeInto(values: readonly Value[], out: Float64Array, offset: number): void {
    this.fitted();
    out.fill(0, offset, offset + this.total);
    this.encodeZeroed(values, out, offset);
  }

  /** {@link encodeInto} into an already zeroed `out[offset … offset + width)`. */
  private encodeZeroed(values: readonly Value[], out: Float64Array, offset: number): void {
    const { at, vals } = this.scratch;
    const m = this.entries(values, at, vals, 0);
    for (let t = 0; t < m; t++) out[offset + at[t]] = vals[t];
  }

  /**
   * The non-zero entries of one row (schema-order values), columns ascending, written at `m` of
   * `at`/`vals` (room for one per feature); returns the new end. The one encoding rule, for rows one
   * at a time ({@link encodeInto}) and whole matrices ({@link transform}) alike.
   */
  private entries(values: readonly Value[], at: Int32Array, vals: Float64Array, m: number): number {
    const cols = this.fitted();
    const lookup = this.lookup as CodeLookup;
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j];
      const v = values[j];
      if (c.numeric) {
        const x = typeof v === 'number' && !Number.isNaN(v) ? (v - c.mean) / c.std : 0;
        if (x !== 0) {
          at[m] = c.offset;
          vals[m++] = x;
        }
      } else if (v === null || v === undefined) {
        if (c.missingLevel) {
          at[m] = c.offset + c.categories.length;
          vals[m++] = 1;
        }
      } else {
        const k = lookup.code(j, v);
        if (k >= 0) {
          at[m] = c.offset + k;
          vals[m++] = 1;
        }
      }
    }
    return m;
  }

  /**
   * Encodes records into a new matrix (rows in record order), made from its non-zero entries (at most
   * one per feature and row): learners that read sparse rows never build the dense array, which for
   * one-hot columns is mostly zeros (see {@link sparseMatrix}).
   */
  transform(records: readonly CleanRecord[]): Matrix {
    const w = this.width;
    const f = this.fitted().length;
    const n = records.length;
    const ptr = new Int32Array(n + 1);
    const at = new Int32Array(n * f);
    const vals = new Float64Array(n * f);
    let m = 0;
    for (let i = 0; i < n; i++) {
      m = this.entries(records[i].values, at, vals, m);
      ptr[i + 1] = m;
    }
    return sparseMatrix(n, w, { ptr, cols: at.subarray(0, m), vals: vals.subarray(0, m) });
  }

  /** Column descriptions: numerics by name, one-hot columns as `feature=code`; all numeric. */
  featureInfo(): FeatureInfo[] {
    const out: FeatureInfo[] = [];
    for (const c of this.fitted()) {
      if (c.numeric) out.push({ name: c.name, kind: 'numeric' });
      else {
        for (const cat of c.categories) out.push({ name: `${c.name}=${cat}`, kind: 'numeric' });
        if (c.missingLevel) out.push({ name: `${c.name}=${MISSING_LEVEL}`, kind: 'numeric' });
      }
    }
    return out;
  }

  /** The fitted state as versioned JSON. */
  toJSON(): LinearEncoderJson {
    const cols = this.fitted();
    return {
      formatVersion: ENCODER_FORMAT_VERSION,
      kind: 'linear-encoder',
      schema: this.schemaName as SchemaName,
      features: cols.map((c) =>
        c.numeric
          ? { name: c.name, kind: 'numeric' as const, mean: c.mean, std: c.std }
          : {
              name: c.name,
              kind: 'nominal' as const,
              categories: [...c.categories],
              missingLevel: c.missingLevel,
            },
      ),
    };
  }

  /**
   * Restores a fitted encoder from {@link LinearEncoder.toJSON} output.
   * @throws SporeprintError `SP_ERR_MODEL_FORMAT` when the JSON does not match the format.
   */
  static fromJSON(json: unknown): LinearEncoder {
    const enc = new LinearEncoder();
    enc.load(checkLinearJson(json));
    return enc;
  }
}

interface TreeColumn {
  readonly name: string;
  readonly numeric: boolean;
  readonly categories: readonly string[];
  readonly index: Map<string, number>;
}

/**
 * Integer category codes for nominal features (assigned in sorted order of the training categories;
 * missing and unseen categories → NaN) and raw numerics (missing → NaN), for tree learners.
 *
 * @example
 * const enc = new TreeEncoder().fit(train, SECONDARY_SCHEMA);
 * const X = enc.transform(train); // enc.featureInfo() tells the learner which columns are categorical
 */
export class TreeEncoder {
  private schemaName: SchemaName | null = null;
  private columns: TreeColumn[] | null = null;
  private lookup: CodeLookup | null = null;

  /** Learns the categories of each nominal feature from the training records; returns `this`. */
  fit(records: readonly CleanRecord[], schema: DatasetSchema): this {
    checkFitInput(records, schema, 'TreeEncoder');
    const cats = categoriesOfAll(
      records,
      schema.features.map((f) => f.kind !== 'numeric'),
    );
    const features = schema.features.map((f, j): TreeEncoderJson['features'][number] =>
      f.kind === 'numeric'
        ? { name: f.name, kind: 'numeric' }
        : { name: f.name, kind: 'nominal', categories: cats[j].categories },
    );
    this.load({ formatVersion: ENCODER_FORMAT_VERSION, kind: 'tree-encoder', schema: schema.name, features });
    return this;
  }

  private load(json: TreeEncoderJson): void {
    this.columns = json.features.map((f): TreeColumn => {
      // a copy: the encoder keeps no reference to the JSON it was loaded from
      const categories = f.kind === 'nominal' ? [...f.categories] : [];
      const index = new Map<string, number>();
      categories.forEach((c, k) => {
        index.set(c, k);
      });
      if (index.size !== categories.length) throw duplicateCategories(f.name);
      return { name: f.name, numeric: f.kind === 'numeric', categories, index };
    });
    this.lookup = new CodeLookup(this.columns.map((c) => c.index));
    this.schemaName = json.schema;
  }

  private fitted(): TreeColumn[] {
    if (this.columns === null) throw new NotFittedError('TreeEncoder');
    return this.columns;
  }

  /** Number of matrix columns (one per feature). */
  get width(): number {
    return this.fitted().length;
  }

  /** Encodes one row of values into `out[offset … offset + width)` without allocating. */
  encodeInto(values: readonly Value[], out: Float64Array, offset: number): void {
    const cols = this.fitted();
    const lookup = this.lookup as CodeLookup;
    for (let j = 0; j < cols.length; j++) {
      const v = values[j];
      if (cols[j].numeric) out[offset + j] = typeof v === 'number' ? v : Number.NaN;
      else if (v === null || v === undefined) out[offset + j] = Number.NaN;
      else {
        const k = lookup.code(j, v);
        out[offset + j] = k >= 0 ? k : Number.NaN;
      }
    }
  }

  /** Encodes records into a new matrix (rows in record order). */
  transform(records: readonly CleanRecord[]): Matrix {
    const cols = this.fitted();
    const w = cols.length;
    const m = createMatrix(records.length, w);
    const out = m.data;
    const numeric = new Uint8Array(w);
    for (let j = 0; j < w; j++) numeric[j] = cols[j].numeric ? 1 : 0;
    const lookup = this.lookup as CodeLookup;
    for (let i = 0, off = 0; i < records.length; i++, off += w) {
      const values = records[i].values;
      for (let j = 0; j < w; j++) {
        const v = values[j];
        if (numeric[j] === 1) out[off + j] = typeof v === 'number' ? v : Number.NaN;
        else if (v === null || v === undefined) out[off + j] = Number.NaN;
        else {
          const k = lookup.code(j, v);
          out[off + j] = k >= 0 ? k : Number.NaN;
        }
      }
    }
    return m;
  }

  /** Column descriptions: `categorical` with a category count for nominal features. */
  featureInfo(): FeatureInfo[] {
    return this.fitted().map((c) =>
      c.numeric
        ? { name: c.name, kind: 'numeric' }
        : { name: c.name, kind: 'categorical', categories: c.categories.length },
    );
  }

  /** The categories of a nominal feature in code order (code k ↔ `categories[k]`). */
  categoriesOf(feature: string): readonly string[] {
    const c = this.fitted().find((x) => x.name === feature);
    if (!c) throw new SporeprintError('SP_ERR_BAD_PARAM', `TreeEncoder has no feature '${feature}'`);
    return c.categories;
  }

  /** The fitted state as versioned JSON. */
  toJSON(): TreeEncoderJson {
    return {
      formatVersion: ENCODER_FORMAT_VERSION,
      kind: 'tree-encoder',
      schema: this.schemaName as SchemaName,
      features: this.fitted().map((c) =>
        c.numeric
          ? { name: c.name, kind: 'numeric' as const }
          : { name: c.name, kind: 'nominal' as const, categories: [...c.categories] },
      ),
    };
  }

  /**
   * Restores a fitted encoder from {@link TreeEncoder.toJSON} output.
   * @throws SporeprintError `SP_ERR_MODEL_FORMAT` when the JSON does not match the format.
   */
  static fromJSON(json: unknown): TreeEncoder {
    const enc = new TreeEncoder();
    enc.load(checkTreeJson(json));
    return enc;
  }
}

/** The labels of records as a typed array (1 = poisonous, 0 = edible). */
export function labelsOf(records: readonly CleanRecord[]): Uint8Array {
  const y = new Uint8Array(records.length);
  for (let i = 0; i < records.length; i++) y[i] = records[i].label;
  return y;
}
