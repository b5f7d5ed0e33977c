/**
 * A streaming dataset profile: rows per class and split, missing share per column, category counts
 * and numeric summaries (Welford mean/std, reservoir-sampled percentiles), as plain JSON.
 */
import { Rng } from '../core/index.js';
import type { DatasetSchema, SchemaName } from './schemas.js';
import { SPLIT_NAMES, type SplitCode } from './splits.js';
import type { CleanRecord } from './validate-row.js';

/** Counts per class. */
export interface ClassCounts {
  e: number;
  p: number;
}

/** Summary of a numeric column. */
export interface NumericSummary {
  /** Non-missing values. */
  count: number;
  missing: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (n − 1), as pandas `describe`; null below two values. */
  std: number | null;
  /** Approximate percentiles from a fixed-size seeded reservoir sample (exact up to its size). */
  p5: number | null;
  p50: number | null;
  p95: number | null;
}

/** Profile of one column. */
export interface ColumnProfile {
  name: string;
  kind: 'nominal' | 'numeric';
  missing: number;
  /** missing / rows (0 when there are no rows). */
  missingShare: number;
  /** Count per code, sorted by code (nominal only). */
  categories?: Record<string, number>;
  numeric?: NumericSummary;
}

/** A JSON-serialisable profile of a dataset version. */
export interface DatasetProfile {
  schema: SchemaName;
  rows: number;
  classes: ClassCounts;
  splits: { train: number; validation: number; test: number };
  classBySplit: { train: ClassCounts; validation: ClassCounts; test: ClassCounts };
  columns: ColumnProfile[];
}

/** Options of {@link ProfileBuilder}. */
export interface ProfileOptions {
  /** Reservoir size per numeric column (default 4096). */
  readonly reservoirSize?: number;
  /** Seed of the reservoir sampling (default 1). */
  readonly seed?: number;
}

class NumericAccumulator {
  count = 0;
  missing = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  mean = 0;
  m2 = 0;
  readonly reservoir: Float64Array;
  filled = 0;

  constructor(size: number) {
    this.reservoir = new Float64Array(size);
  }

  add(x: number, rng: Rng): void {
    this.count++;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const d = x - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (x - this.mean);
    if (this.filled < this.reservoir.length) this.reservoir[this.filled++] = x;
    else {
      const j = rng.int(this.count);
      if (j < this.reservoir.length) this.reservoir[j] = x;
    }
  }

  summary(): NumericSummary {
    const sorted = this.reservoir.slice(0, this.filled).sort();
    const q = (p: number): number | null => {
      if (sorted.length === 0) return null;
      const pos = p * (sorted.length - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(lo + 1, sorted.length - 1);
      return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    };
    const has = this.count > 0;
    return {
      count: this.count,
      missing: this.missing,
      min: has ? this.min : null,
      max: has ? this.max : null,
      mean: has ? this.mean : null,
      std: this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : null,
      p5: q(0.05),
      p50: q(0.5),
      p95: q(0.95),
    };
  }
}

/**
 * Builds a {@link DatasetProfile} from a stream of clean records and their split codes.
 *
 * @example
 * const pb = new ProfileBuilder(SECONDARY_SCHEMA);
 * records.forEach((r, i) => pb.add(r, split[i] as SplitCode));
 * const profile = pb.build();
 */
export class ProfileBuilder {
  private readonly schema: DatasetSchema;
  private readonly rng: Rng;
  private rows = 0;
  private readonly classBySplit = new Int32Array(6); // split * 2 + label
  private readonly missing: Int32Array;
  private readonly categories: (Map<string, number> | null)[];
  private readonly numerics: (NumericAccumulator | null)[];

  constructor(schema: DatasetSchema, options: ProfileOptions = {}) {
    this.schema = schema;
    this.rng = new Rng(options.seed ?? 1);
    const size = Math.max(1, options.reservoirSize ?? 4096);
    this.missing = new Int32Array(schema.features.length);
    this.categories = schema.features.map((f) => (f.kind === 'nominal' ? new Map<string, number>() : null));
    this.numerics = schema.features.map((f) => (f.kind === 'numeric' ? new NumericAccumulator(size) : null));
  }

  /** Adds one clean record that went to split `split` (0 train, 1 validation, 2 test). */
  add(record: CleanRecord, split: SplitCode): void {
    this.rows++;
    this.classBySplit[split * 2 + record.label]++;
    const v = record.values;
    for (let j = 0; j < this.missing.length; j++) {
      const x = v[j];
      const num = this.numerics[j];
      if (x === null || x === undefined) {
        this.missing[j]++;
        if (num) num.missing++;
        continue;
      }
      if (num) num.add(x as number, this.rng);
      else {
        const cats = this.categories[j] as Map<string, number>;
        const key = x as string;
        cats.set(key, (cats.get(key) ?? 0) + 1);
      }
    }
  }

  /** The profile so far, as a plain JSON-serialisable object. */
  build(): DatasetProfile {
    const cbs = this.classBySplit;
    const counts = (s: number): ClassCounts => ({ e: cbs[s * 2], p: cbs[s * 2 + 1] });
    const columns = this.schema.features.map((f, j): ColumnProfile => {
      const col: ColumnProfile = {
        name: f.name,
        kind: f.kind,
        missing: this.missing[j],
        missingShare: this.rows > 0 ? this.missing[j] / this.rows : 0,
      };
      const cats = this.categories[j];
      if (cats) {
        const sorted: Record<string, number> = {};
        for (const k of [...cats.keys()].sort()) sorted[k] = cats.get(k) as number;
        col.categories = sorted;
      }
      const num = this.numerics[j];
      if (num) col.numeric = num.summary();
      return col;
    });
    const [train, validation, test] = [0, 1, 2].map(counts);
    return {
      schema: this.schema.name,
      rows: this.rows,
      classes: { e: cbs[0] + cbs[2] + cbs[4], p: cbs[1] + cbs[3] + cbs[5] },
      splits: {
        [SPLIT_NAMES[0]]: train.e + train.p,
        [SPLIT_NAMES[1]]: validation.e + validation.p,
        [SPLIT_NAMES[2]]: test.e + test.p,
      } as DatasetProfile['splits'],
      classBySplit: { train, validation, test },
      columns,
    };
  }
}
