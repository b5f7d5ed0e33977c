import type { ErrorObject, ValidateFunction } from 'ajv';
import { type TSchema, Type } from 'typebox';
import { type DatasetSchema, describeAllowed, type FeatureSpec } from '../../../data/index.js';
import type { FieldProblem } from '../../../services/index.js';
import { cut, describeValue, type ProblemPart, problemOf } from '../validation/problems.js';
import type { SchemaCompilers } from '../validation/schema-compilers.js';

/** A mushroom as sent: feature name → code, number or null. */
export type MushroomInput = Record<string, string | number | null>;

/** Key of the feature list in `allowed` (for unknown fields). */
export const FIELDS_KEY = '(fields)';

/**
 * The JSON Schema of one mushroom of `schema`, the one source of its OpenAPI text, its validation and
 * its type: an object keyed by feature name, every feature optional; numeric features a number (in
 * the plausible range) or null; nominal features one of the codes or null. Codes are
 * case-insensitive: the enum lists each code in lower and upper case (the server stores it
 * lower-cased); `""` is accepted as missing, as in the data files. No other field is allowed.
 */
export function mushroomSchema(schema: DatasetSchema): TSchema {
  const properties: Record<string, unknown> = {};
  for (const f of schema.features) {
    if (f.kind === 'numeric') {
      properties[f.name] = {
        type: ['number', 'null'],
        ...(f.range ? { minimum: f.range.min, maximum: f.range.max } : {}),
        description: `${describeAllowed(f)}; null or absent = missing`,
      };
    } else {
      const codes = Object.keys(f.codes ?? {});
      const upper = codes.map((c) => c.toUpperCase()).filter((c) => !codes.includes(c));
      properties[f.name] = {
        type: ['string', 'null'],
        enum: [...codes, ...upper, '', null],
        description: `${describeAllowed(f)} (upper case accepted); null, "" or absent = missing`,
      };
    }
  }
  return Type.Unsafe<MushroomInput>({
    type: 'object',
    properties,
    additionalProperties: false,
    description: `One mushroom of the ${schema.name} schema, keyed by feature name (missing features allowed; codes case-insensitive).`,
  });
}

/** Most fields of an object checked for every problem (beyond, only the first one is reported). */
const DETAILED_MAX_KEYS = 64;

/** Problems of one mushroom: at most `max` listed, the rest counted. */
export interface MushroomProblems {
  readonly problems: FieldProblem[];
  readonly more: number;
}

/**
 * Checks mushrooms against {@link mushroomSchema}, compiled once: `check` is the first-error test
 * (the same function Fastify uses for a route whose body is this schema); `problems` reports every
 * problem of a rejected mushroom with messages naming the field, the value and — for codes — the
 * allowed ones (given once per field by {@link allowedFor}, not in each message).
 */
export class MushroomValidator {
  readonly schema: TSchema;
  readonly check: ValidateFunction;
  private readonly detailed: ValidateFunction;
  private readonly features: Map<string, FeatureSpec>;

  constructor(
    readonly dataset: DatasetSchema,
    compilers: SchemaCompilers,
  ) {
    this.schema = mushroomSchema(dataset);
    this.check = compilers.compileBody(this.schema);
    this.detailed = compilers.compileDetailed(this.schema);
    this.features = new Map(dataset.features.map((f) => [f.name, f]));
  }

  /**
   * The problems of a mushroom `check` rejected: every problem of an object of up to 64 fields, the
   * first one otherwise (never one per field of a huge object). `prefix` names where it sits
   * (e.g. `records[3]`).
   */
  problems(
    input: unknown,
    opts: { prefix?: string; max?: number; part?: ProblemPart } = {},
  ): MushroomProblems {
    const prefix = opts.prefix ?? '';
    const part = opts.part ?? 'body';
    const max = opts.max ?? 20;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return {
        problems: [
          {
            in: part,
            field: prefix === '' ? '(body)' : prefix,
            problem: 'not_an_object',
            message: `a mushroom must be a JSON object keyed by feature name, got ${describeValue(input)}`,
          },
        ],
        more: 0,
      };
    }
    let keys = 0;
    for (const _ in input) if (++keys > DETAILED_MAX_KEYS) break;
    let errors: readonly ErrorObject[];
    if (keys > DETAILED_MAX_KEYS) {
      this.check(input);
      errors = this.check.errors ?? [];
    } else {
      this.detailed(input);
      errors = this.detailed.errors ?? [];
    }
    const seen = new Set<string>();
    const problems: FieldProblem[] = [];
    let more = keys > DETAILED_MAX_KEYS ? 1 : 0;
    for (const e of errors) {
      const p = this.problemOf(e, part, prefix);
      // one problem per field (a wrong type also fails the enum)
      if (seen.has(p.field)) continue;
      seen.add(p.field);
      if (problems.length < max) problems.push(p);
      else more++;
    }
    return { problems, more };
  }

  /**
   * Allowed values with their meaning, once per feature named in `problems` (by unknown code or
   * wrong type), and the feature list when a field is unknown.
   */
  allowedFor(problems: readonly FieldProblem[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of problems) {
      if (p.problem === 'unknown_field') {
        out[FIELDS_KEY] ??= this.dataset.features.map((f) => f.name).join(', ');
        continue;
      }
      const f = this.features.get(featureName(p.field));
      if (f !== undefined && !(f.name in out)) out[f.name] = describeAllowed(f);
    }
    return out;
  }

  /** A one-line message for problems: each problem, and the allowed values of each field once. */
  message(problems: readonly FieldProblem[], more: number): string {
    const allowed = this.allowedFor(problems);
    const told = new Set<string>();
    const parts = problems.slice(0, 10).map((p) => {
      const name = featureName(p.field);
      const f = this.features.get(name);
      if (f === undefined || told.has(name) || p.problem === 'unknown_field' || allowed[name] === undefined) {
        return p.message;
      }
      told.add(name);
      return `${p.message}; allowed: ${allowed[name]}`;
    });
    const rest = problems.length - parts.length + more;
    return `${parts.join('; ')}${rest > 0 ? `; and ${rest} more problem(s)` : ''}`;
  }

  private problemOf(e: ErrorObject, part: ProblemPart, prefix: string): FieldProblem {
    const p = problemOf(e, part, prefix);
    const key = e.instancePath.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
    const f = e.keyword === 'additionalProperties' ? undefined : this.features.get(key);
    if (f === undefined) return p;
    const v = e.data;
    switch (e.keyword) {
      case 'type':
        return {
          ...p,
          message:
            f.kind === 'numeric'
              ? `${p.field} must be a number or null, got ${describeValue(v)}`
              : `${p.field} must be a code (a one-letter string) or null, got ${describeValue(v)}`,
        };
      case 'enum':
        return { ...p, message: `${p.field}: unknown code '${cut(String(v))}'` };
      case 'minimum':
      case 'maximum':
        return {
          ...p,
          message: `${p.field} = ${String(v)} is outside the plausible range: ${describeAllowed(f)}`,
        };
      default:
        return p;
    }
  }
}

/** The feature a field names (`records[3].cap-shape` → `cap-shape`). */
function featureName(field: string): string {
  const dot = field.lastIndexOf('.');
  return dot < 0 ? field : field.slice(dot + 1);
}
