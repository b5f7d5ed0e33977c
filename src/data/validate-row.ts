/**
 * Validation and normalisation of one raw row against a dataset schema. Nothing is ever coerced or
 * fixed: a row is either clean or rejected with a reason per problem.
 */
import type { RawRow } from './parse-rows.js';
import { type DatasetSchema, describeAllowed, type FeatureSpec } from './schemas.js';

/** A validated, normalised row. */
export interface CleanRecord {
  readonly index: number;
  readonly line: number;
  /** 1 = poisonous (`p`), 0 = edible (`e`). */
  readonly label: 0 | 1;
  /** In schema feature order: nominal = lower-case code, numeric = number, missing = null. */
  readonly values: (string | number | null)[];
}

/** One problem found in a row. */
export interface RowIssue {
  readonly index: number;
  readonly line: number;
  /** The column at fault, or null for row-level problems (wrong field count). */
  readonly column: string | null;
  /** The raw cell value, or null for row-level problems. */
  readonly value: string | null;
  readonly reason: string;
}

/** The outcome of {@link validateRow}. */
export type RowResult = { ok: true; record: CleanRecord } | { ok: false; issues: RowIssue[] };

interface CompiledFeature {
  readonly spec: FeatureSpec;
  readonly numeric: boolean;
  /** Raw cell (exact, or trimmed lower-case) → interned code; nominal only. */
  readonly codes: Map<string, string>;
  readonly min: number;
  readonly max: number;
}

interface CompiledSchema {
  readonly features: CompiledFeature[];
  readonly missing: Set<string>;
  readonly fieldCount: number;
}

const compiledCache = new WeakMap<DatasetSchema, CompiledSchema>();

function compile(schema: DatasetSchema): CompiledSchema {
  let c = compiledCache.get(schema);
  if (c) return c;
  const features = schema.features.map((spec): CompiledFeature => {
    const codes = new Map<string, string>();
    for (const code of Object.keys(spec.codes ?? {})) {
      codes.set(code, code);
      codes.set(code.toUpperCase(), code);
    }
    return {
      spec,
      numeric: spec.kind === 'numeric',
      codes,
      min: spec.range?.min ?? Number.NEGATIVE_INFINITY,
      max: spec.range?.max ?? Number.POSITIVE_INFINITY,
    };
  });
  c = { features, missing: new Set(schema.missingMarkers), fieldCount: schema.features.length + 1 };
  compiledCache.set(schema, c);
  return c;
}

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** `17.wrz`, `16.cze`, `3-Mar`, `17 Sep`, `Mar-03`, `Sep.17`: a day/month pair with a month name. */
const DATE_NAME_RE = /^(?:\d{1,2}[\s./-]?\p{L}{3,}\.?|\p{L}{3,}\.?[\s./-]?\d{1,4})$/u;
/** `2021-03-17`, `17.03.2021`, `3/17/21`: a numeric date. */
const DATE_NUM_RE =
  /^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;

/** Explains why a numeric cell is not a number; never proposes a fixed value. */
function explainNotANumber(column: string, raw: string): string {
  const v = raw.trim();
  if (DATE_NAME_RE.test(v) || DATE_NUM_RE.test(v)) {
    return `${column} '${raw}' is not a number — looks like a number a spreadsheet turned into a date (e.g. 17.09 shown as 17.wrz or 17-Sep)`;
  }
  if (/^[+-]?\d+,\d+$/.test(v)) {
    return `${column} '${raw}' is not a number — uses a comma as the decimal separator`;
  }
  return `${column} '${raw}' is not a number`;
}

function fmt(x: number): string {
  return String(x);
}

/**
 * Validates one raw row against a schema and normalises it: cells are trimmed, codes lower-cased,
 * missing markers become null, numbers are parsed and range-checked. All problems in a row are
 * reported, each with its column and a reason.
 *
 * @example
 * const r = validateRow({ index: 0, line: 2, fields }, SECONDARY_SCHEMA);
 * if (!r.ok) quarantine(r.issues);
 */
export function validateRow(row: RawRow, schema: DatasetSchema): RowResult {
  const c = compile(schema);
  const fields = row.fields;
  if (fields.length !== c.fieldCount) {
    const hint = fields.length < c.fieldCount ? ' — truncated line?' : ' — extra delimiter in a value?';
    return {
      ok: false,
      issues: [
        {
          index: row.index,
          line: row.line,
          column: null,
          value: null,
          reason: `expected ${c.fieldCount} fields, found ${fields.length}${hint}`,
        },
      ],
    };
  }
  let issues: RowIssue[] | null = null;
  const rawClass = fields[0];
  let label: 0 | 1 = 0;
  const cls = rawClass === 'p' || rawClass === 'e' ? rawClass : rawClass.trim().toLowerCase();
  if (cls === 'p') label = 1;
  else if (cls !== 'e') {
    issues = [];
    issues.push({
      index: row.index,
      line: row.line,
      column: 'class',
      value: rawClass,
      reason:
        cls === ''
          ? 'class is missing; allowed: e = edible, p = poisonous'
          : `class '${rawClass}' is not allowed; allowed: e = edible, p = poisonous`,
    });
  }
  const n = c.features.length;
  const values = new Array<string | number | null>(n);
  for (let j = 0; j < n; j++) {
    const f = c.features[j];
    const raw = fields[j + 1];
    if (f.numeric) {
      const s = c.missing.has(raw) ? raw : raw.trim();
      if (c.missing.has(s)) {
        values[j] = null;
        continue;
      }
      const x = NUMBER_RE.test(s) ? Number(s) : Number.NaN;
      let reason: string | null = null;
      if (Number.isNaN(x)) reason = explainNotANumber(f.spec.name, raw);
      else if (x < f.min || x > f.max) {
        const unit = f.spec.unit ? ` ${f.spec.unit}` : '';
        reason = `${f.spec.name} ${fmt(x)}${unit} is outside the plausible range ${fmt(f.min)}–${fmt(f.max)}${unit}`;
      }
      if (reason !== null) {
        issues ??= [];
        issues.push({ index: row.index, line: row.line, column: f.spec.name, value: raw, reason });
      }
      values[j] = x;
    } else {
      let code = f.codes.get(raw);
      if (code === undefined) {
        const s = raw.trim();
        if (c.missing.has(s)) {
          values[j] = null;
          continue;
        }
        code = f.codes.get(s.toLowerCase());
        if (code === undefined) {
          issues ??= [];
          issues.push({
            index: row.index,
            line: row.line,
            column: f.spec.name,
            value: raw,
            reason: `unknown code '${raw}' for ${f.spec.name}; allowed: ${describeAllowed(f.spec)}`,
          });
          values[j] = null;
          continue;
        }
      }
      values[j] = code;
    }
  }
  if (issues !== null) return { ok: false, issues };
  return { ok: true, record: { index: row.index, line: row.line, label, values } };
}

/**
 * A string key of a record's label and values, equal for exact duplicate rows (for grouping and
 * duplicate detection; {@link DuplicateCounter} hashes instead of storing keys).
 */
export function rowKey(record: CleanRecord): string {
  let k = record.label === 1 ? 'p' : 'e';
  const v = record.values;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    k += x === null ? '\u001f\u0000' : `\u001f${x}`;
  }
  return k;
}
