import type { CleanRecord, DatasetSchema } from '../../data/index.js';

const MISSING_CODE = 255;

/**
 * Valid rows kept in memory in columnar form while a file streams past: one byte per nominal value
 * (index into the schema's codes), one float64 per numeric value, plus index, line and label — about
 * 45 bytes per secondary row instead of the several hundred a record object costs. After the pass the
 * split is known and the rows are replayed for the profile and the encoders.
 */
export class CompactRows {
  private readonly codes: string[][];
  private readonly codeIndex: Map<string, number>[];
  private readonly numericCols: number[];
  private readonly nominalCols: number[];
  private nominal: Uint8Array;
  private numeric: Float64Array;
  private index: Int32Array;
  private line: Int32Array;
  private label: Uint8Array;
  private n = 0;
  private capacity = 0;

  constructor(private readonly schema: DatasetSchema) {
    this.codes = schema.features.map((f) => (f.kind === 'nominal' ? Object.keys(f.codes ?? {}) : []));
    this.codeIndex = this.codes.map((c) => new Map(c.map((code, k) => [code, k])));
    this.numericCols = [];
    this.nominalCols = [];
    schema.features.forEach((f, j) => {
      (f.kind === 'numeric' ? this.numericCols : this.nominalCols).push(j);
    });
    this.nominal = new Uint8Array(0);
    this.numeric = new Float64Array(0);
    this.index = new Int32Array(0);
    this.line = new Int32Array(0);
    this.label = new Uint8Array(0);
    this.grow(4096);
  }

  /** Number of rows stored. */
  get length(): number {
    return this.n;
  }

  /** Stores one valid record. */
  add(r: CleanRecord): void {
    if (this.n === this.capacity) this.grow(this.capacity * 2);
    const i = this.n++;
    const nn = this.nominalCols.length;
    for (let k = 0; k < nn; k++) {
      const j = this.nominalCols[k];
      const v = r.values[j];
      this.nominal[i * nn + k] =
        v === null ? MISSING_CODE : (this.codeIndex[j].get(v as string) ?? MISSING_CODE);
    }
    const nu = this.numericCols.length;
    for (let k = 0; k < nu; k++) {
      const v = r.values[this.numericCols[k]];
      this.numeric[i * nu + k] = v === null ? Number.NaN : (v as number);
    }
    this.index[i] = r.index;
    this.line[i] = r.line;
    this.label[i] = r.label;
  }

  /** Replays the stored rows as records, in insertion order. */
  *records(): Generator<CleanRecord> {
    const nn = this.nominalCols.length;
    const nu = this.numericCols.length;
    const width = this.schema.features.length;
    for (let i = 0; i < this.n; i++) {
      const values: (string | number | null)[] = new Array(width);
      for (let k = 0; k < nn; k++) {
        const j = this.nominalCols[k];
        const c = this.nominal[i * nn + k];
        values[j] = c === MISSING_CODE ? null : this.codes[j][c];
      }
      for (let k = 0; k < nu; k++) {
        const v = this.numeric[i * nu + k];
        values[this.numericCols[k]] = Number.isNaN(v) ? null : v;
      }
      yield { index: this.index[i], line: this.line[i], label: this.label[i] as 0 | 1, values };
    }
  }

  private grow(capacity: number): void {
    const nn = this.nominalCols.length;
    const nu = this.numericCols.length;
    const nominal = new Uint8Array(capacity * nn);
    nominal.set(this.nominal);
    const numeric = new Float64Array(capacity * nu);
    numeric.set(this.numeric);
    const index = new Int32Array(capacity);
    index.set(this.index);
    const line = new Int32Array(capacity);
    line.set(this.line);
    const label = new Uint8Array(capacity);
    label.set(this.label);
    this.nominal = nominal;
    this.numeric = numeric;
    this.index = index;
    this.line = line;
    this.label = label;
    this.capacity = capacity;
  }
}
