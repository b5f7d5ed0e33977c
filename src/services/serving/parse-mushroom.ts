import { type DatasetSchema, describeAllowed } from '../../data/index.js';
import type { FeatureValue } from '../../ml/index.js';

/** What can be wrong with one field of a request (the `problem` of a {@link FieldProblem}). */
export const FIELD_PROBLEM_KINDS = [
  'unknown_field',
  'wrong_type',
  'unknown_code',
  'out_of_range',
  'not_an_object',
  'missing',
  'too_many',
  'too_few',
  'too_long',
  'too_short',
  'bad_format',
  'invalid',
] as const;

/**
 * One problem with one field of a submitted mushroom (or request). Messages name the field and the
 * value, never the whole list of allowed codes: an answer gives those once per field.
 */
export interface FieldProblem {
  readonly field: string;
  readonly problem: (typeof FIELD_PROBLEM_KINDS)[number];
  readonly message: string;
  /** Where in the request: body (default), query, params or headers. */
  readonly in?: 'body' | 'query' | 'params' | 'headers';
  /** The value sent, cut to 40 characters. */
  readonly value?: string;
  /** The record it belongs to, in requests of many records. */
  readonly record?: number;
}

/** The result of {@link parseMushroom}. */
export type ParsedMushroom =
  | { readonly ok: true; readonly values: FeatureValue[] }
  | { readonly ok: false; readonly problems: FieldProblem[] };

interface CompiledSchema {
  /** The feature names, in schema order (one array per schema). */
  readonly names: readonly string[];
  readonly index: Map<string, number>;
  readonly codeSets: (Set<string> | null)[];
  /** Nominal features: 1 at the char code of each one-character ASCII code (the common case's test). */
  readonly oneCharCodes: (Uint8Array | null)[];
  /** `"name":` of each feature, JSON-quoted. */
  readonly keys: string[];
  /** Nominal features: `"name":"code"` of each code. */
  readonly pairs: (Map<string, string> | null)[];
  /** Nominal features: `"name":"code"` of each one-character ASCII code, by char code. */
  readonly pairsByChar: (string[] | null)[];
  /** Numeric features: `"name":value` of values seen (at most {@link NUMBER_CACHE} each). */
  readonly numberPairs: Map<number, string>[];
}

/** Most `"name":value` texts remembered per numeric feature (measurements repeat; String(x) is slow). */
const NUMBER_CACHE = 4096;

/** The schema's one-character ASCII codes of a nominal feature. */
const oneCharCodesOf = (f: DatasetSchema['features'][number]): string[] =>
  Object.keys(f.codes ?? {}).filter((code) => code.length === 1 && code.charCodeAt(0) < 128);
const compiled = new WeakMap<DatasetSchema, CompiledSchema>();

function compile(schema: DatasetSchema): CompiledSchema {
  let c = compiled.get(schema);
  if (c === undefined) {
    c = {
      names: schema.features.map((f) => f.name),
      index: new Map(schema.features.map((f, j) => [f.name, j])),
      codeSets: schema.features.map((f) =>
        f.kind === 'nominal' ? new Set(Object.keys(f.codes ?? {})) : null,
      ),
      oneCharCodes: schema.features.map((f) => {
        if (f.kind !== 'nominal') return null;
        const table = new Uint8Array(128);
        for (const code of oneCharCodesOf(f)) table[code.charCodeAt(0)] = 1;
        return table;
      }),
      keys: schema.features.map((f) => `${JSON.stringify(f.name)}:`),
      pairs: schema.features.map((f) =>
        f.kind === 'nominal'
          ? new Map(
              Object.keys(f.codes ?? {}).map((code) => [
                code,
                `${JSON.stringify(f.name)}:${JSON.stringify(code)}`,
              ]),
            )
          : null,
      ),
      pairsByChar: schema.features.map((f) => {
        if (f.kind !== 'nominal') return null;
        const table = new Array<string>(128).fill('');
        for (const code of oneCharCodesOf(f)) {
          table[code.charCodeAt(0)] = `${JSON.stringify(f.name)}:${JSON.stringify(code)}`;
        }
        return table;
      }),
      numberPairs: schema.features.map(() => new Map<number, string>()),
    };
    compiled.set(schema, c);
  }
  return c;
}

/** `s` cut to 40 characters, for echoing a value. */
const cut = (s: string): string => (s.length <= 40 ? s : `${s.slice(0, 40)}…`);

/**
 * Turns a mushroom submitted as an object keyed by feature name into values in schema order:
 * codes lower-cased (`X` = `x`, padding trimmed), numbers as numbers (numeric strings too, as CSV
 * cells and journal entries hold them), missing features (absent, `null` or `""`) as null. The HTTP
 * API checks requests against the mushroom's JSON Schema before they get here (with messages that
 * name the allowed codes); this conversion still refuses what it cannot convert — an unknown field
 * or code, a wrong type, a number out of range — with one short problem per field (at most 20), so
 * a caller that skips the schema gets problems, never a wrong prediction.
 */
export function parseMushroom(input: unknown, schema: DatasetSchema): ParsedMushroom {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      problems: [
        {
          field: '(body)',
          problem: 'not_an_object',
          message: 'a mushroom must be a JSON object keyed by feature name',
        },
      ],
    };
  }
  const c = compile(schema);
  const values: FeatureValue[] = new Array(schema.features.length).fill(null);
  const problems: FieldProblem[] = [];
  for (const key in input) {
    if (problems.length >= 20) break;
    const j = c.index.get(key);
    if (j === undefined) {
      problems.push({ field: cut(key), problem: 'unknown_field', message: `unknown field '${cut(key)}'` });
      continue;
    }
    const f = schema.features[j];
    const raw = (input as Record<string, unknown>)[key];
    // the common cases first: a lower-case one-letter code, a number in range
    if (typeof raw === 'string') {
      const table = c.oneCharCodes[j];
      const ch = raw.charCodeAt(0);
      if (raw.length === 1 && table !== null && ch < 128 && table[ch] === 1) {
        values[j] = raw;
        continue;
      }
    } else if (typeof raw === 'number' && f.kind === 'numeric' && Number.isFinite(raw)) {
      if (f.range === undefined || (raw >= f.range.min && raw <= f.range.max)) {
        values[j] = raw;
        continue;
      }
    }
    if (raw === null || raw === undefined || raw === '') continue;
    if (f.kind === 'numeric') {
      const x =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim())
            ? Number(raw)
            : Number.NaN;
      if (!Number.isFinite(x)) {
        problems.push({
          field: key,
          problem: 'wrong_type',
          message: `${key} must be a number, got ${typeof raw === 'string' ? `'${cut(raw)}'` : typeof raw}`,
        });
      } else if (f.range && (x < f.range.min || x > f.range.max)) {
        problems.push({
          field: key,
          problem: 'out_of_range',
          message: `${key} = ${x} is outside the plausible range: ${describeAllowed(f)}`,
        });
      } else {
        values[j] = x;
      }
      continue;
    }
    if (typeof raw !== 'string') {
      problems.push({
        field: key,
        problem: 'wrong_type',
        message: `${key} must be a one-letter code string, got ${typeof raw}`,
      });
      continue;
    }
    const code = raw.trim().toLowerCase();
    if (!c.codeSets[j]!.has(code)) {
      problems.push({
        field: key,
        problem: 'unknown_code',
        message: `${key}: unknown code '${cut(raw)}'`,
        value: cut(raw),
      });
      continue;
    }
    values[j] = code;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

/**
 * The feature names of `schema` in schema order, as the values of {@link parseMushroom} are: the same
 * array on every call for one schema.
 */
export function featureNames(schema: DatasetSchema): readonly string[] {
  return compile(schema).names;
}

/**
 * The JSON text of a parsed mushroom (values from {@link parseMushroom}, schema order): an object
 * keyed by feature name with codes lower-cased, numbers as numbers and missing features left out —
 * what the prediction log stores as the input. Built directly (the values are validated codes and
 * finite numbers), several times faster than `JSON.stringify` of the request object.
 */
export function mushroomJson(values: readonly FeatureValue[], schema: DatasetSchema): string {
  const c = compile(schema);
  const parts = jsonParts;
  parts.length = 0;
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    if (v === null) continue;
    if (typeof v === 'number') parts.push(numberPair(c, j, v));
    else {
      const byChar = v.length === 1 ? c.pairsByChar[j]?.[v.charCodeAt(0)] : undefined;
      parts.push(byChar || (c.pairs[j]?.get(v) ?? c.keys[j] + JSON.stringify(v)));
    }
  }
  // one flat string (join), not a chain of concatenations
  return `{${parts.join(',')}}`;
}

const jsonParts: string[] = [];

/** `"name":value` of numeric feature j, remembered while its cache has room. */
function numberPair(c: CompiledSchema, j: number, v: number): string {
  const cache = c.numberPairs[j];
  let text = cache.get(v);
  if (text === undefined) {
    text = c.keys[j] + (Number.isFinite(v) ? String(v) : 'null');
    if (cache.size < NUMBER_CACHE) cache.set(v, text);
  }
  return text;
}
