import { type DatasetSchema, describeAllowed } from '../../data/index.js';
import type { FeatureValue } from '../../ml/index.js';

/** One problem with one field of a submitted mushroom. */
export interface FieldProblem {
  readonly field: string;
  /** `unknown_field`, `wrong_type`, `unknown_code`, `out_of_range`. */
  readonly problem: 'unknown_field' | 'wrong_type' | 'unknown_code' | 'out_of_range' | 'not_an_object';
  readonly message: string;
  /** Allowed values with their meaning, e.g. `x = convex, f = flat`. */
  readonly allowed?: string;
}

/** The result of {@link parseMushroom}. */
export type ParsedMushroom =
  | { readonly ok: true; readonly values: FeatureValue[] }
  | { readonly ok: false; readonly problems: FieldProblem[] };

interface CompiledSchema {
  readonly index: Map<string, number>;
  readonly codeSets: (Set<string> | null)[];
  /** `"name":` of each feature, JSON-quoted. */
  readonly keys: string[];
  /** Nominal features: `"name":"code"` of each code. */
  readonly pairs: (Map<string, string> | null)[];
}
const compiled = new WeakMap<DatasetSchema, CompiledSchema>();

function compile(schema: DatasetSchema): CompiledSchema {
  let c = compiled.get(schema);
  if (c === undefined) {
    c = {
      index: new Map(schema.features.map((f, j) => [f.name, j])),
      codeSets: schema.features.map((f) =>
        f.kind === 'nominal' ? new Set(Object.keys(f.codes ?? {})) : null,
      ),
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
    };
    compiled.set(schema, c);
  }
  return c;
}

/**
 * Turns a mushroom submitted as an object keyed by feature name into values in schema order.
 * Missing features (absent, `null` or `""`) are missing values; every problem is reported with the
 * field, what is wrong, and — for codes — the allowed values with their meaning. Codes are
 * case-insensitive (`X` = `x`); numbers may be JSON numbers or numeric strings.
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
  for (const key of Object.keys(input)) {
    const j = c.index.get(key);
    if (j === undefined) {
      problems.push({
        field: key,
        problem: 'unknown_field',
        message: `unknown field '${key}'; the ${schema.name} schema has: ${schema.features.map((f) => f.name).join(', ')}`,
      });
      continue;
    }
    const f = schema.features[j];
    const raw = (input as Record<string, unknown>)[key];
    if (raw === null || raw === undefined || raw === '') continue;
    if (f.kind === 'numeric') {
      const x =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim())
            ? Number(raw)
            : Number.NaN;
      if (typeof raw !== 'number' && typeof raw !== 'string') {
        problems.push({
          field: key,
          problem: 'wrong_type',
          message: `${key} must be a number (${describeAllowed(f)}), got ${typeof raw}`,
          allowed: describeAllowed(f),
        });
      } else if (!Number.isFinite(x)) {
        problems.push({
          field: key,
          problem: 'wrong_type',
          message: `${key} must be a number (${describeAllowed(f)}), got '${String(raw)}'`,
          allowed: describeAllowed(f),
        });
      } else if (f.range && (x < f.range.min || x > f.range.max)) {
        problems.push({
          field: key,
          problem: 'out_of_range',
          message: `${key} = ${x} is outside the plausible range: ${describeAllowed(f)}`,
          allowed: describeAllowed(f),
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
        message: `${key} must be a one-letter code string (${describeAllowed(f)}), got ${typeof raw}`,
        allowed: describeAllowed(f),
      });
      continue;
    }
    const code = raw.trim().toLowerCase();
    if (!c.codeSets[j]!.has(code)) {
      problems.push({
        field: key,
        problem: 'unknown_code',
        message: `${key}: unknown code '${raw}'; allowed: ${describeAllowed(f)}`,
        allowed: describeAllowed(f),
      });
      continue;
    }
    values[j] = code;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
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
    parts.push(
      typeof v === 'number'
        ? c.keys[j] + (Number.isFinite(v) ? String(v) : 'null')
        : (c.pairs[j]?.get(v) ?? c.keys[j] + JSON.stringify(v)),
    );
  }
  // one flat string (join), not a chain of concatenations
  return `{${parts.join(',')}}`;
}

const jsonParts: string[] = [];
