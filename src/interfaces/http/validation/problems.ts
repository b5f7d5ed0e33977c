import type { ErrorObject } from 'ajv';
import type { Problem } from '../schemas/error-envelope.js';

/** Most problems an error answer lists (the rest are counted in `more`). */
export const MAX_PROBLEMS = 20;
/** Values and unknown field names are cut to this many characters when echoed. */
const MAX_ECHO = 40;

/** Where a problem was found. */
export type ProblemPart = NonNullable<Problem['in']>;

/** `s` cut to `max` characters (with an ellipsis). */
export function cut(s: string, max = MAX_ECHO): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** How a value is named in a message: its JSON type, and its text when short. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `'${cut(v)}'`;
  return `${typeof v} ${cut(String(v))}`;
}

/** The value's text when it is a primitive (cut), for `problem.value`. */
export function echo(v: unknown): string | undefined {
  if (v === null || typeof v === 'object' || v === undefined) return undefined;
  return cut(String(v));
}

/** A JSON pointer (`/records/3/cap-shape`) as a field name (`records[3].cap-shape`). */
export function fieldOf(pointer: string, extra?: string): string {
  let out = '';
  const parts = pointer === '' ? [] : pointer.slice(1).split('/');
  if (extra !== undefined) parts.push(extra);
  for (const raw of parts) {
    const p = cut(raw.replace(/~1/g, '/').replace(/~0/g, '~'), 64);
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** The expected type(s) of a `type` error, in words. */
function typeWords(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => TYPE_WORDS[String(x)] ?? String(x)).join(' or ');
}

/**
 * One Ajv error (compiled with `verbose`) as a problem naming the field, what is wrong and the value.
 * `prefix` is prepended to the field (a record's place in a batch, say).
 */
export function problemOf(e: ErrorObject, part: ProblemPart, prefix = ''): Problem {
  const params = e.params as Record<string, unknown>;
  const join = (f: string): string => (prefix === '' ? f : f === '' ? prefix : `${prefix}.${f}`);
  const here = join(fieldOf(e.instancePath));
  const name = here === '' ? '(body)' : here;
  const value = echo(e.data);
  const base = { in: part, ...(value === undefined ? {} : { value }) };
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const field = join(fieldOf(e.instancePath, key));
      return { in: part, field, problem: 'unknown_field', message: `unknown field '${cut(key, 64)}'` };
    }
    case 'required': {
      const field = join(fieldOf(e.instancePath, String(params.missingProperty)));
      return { in: part, field, problem: 'missing', message: `${field} is required` };
    }
    case 'type':
      return {
        ...base,
        field: name,
        problem:
          e.instancePath === '' && prefix === '' && params.type === 'object' ? 'not_an_object' : 'wrong_type',
        message: `${name} must be ${typeWords(params.type)}, got ${describeValue(e.data)}`,
      };
    case 'enum':
    case 'const': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [params.allowedValue];
      const list = allowed.map((a) => (a === null ? 'null' : String(a)));
      return {
        ...base,
        field: name,
        problem: 'unknown_code',
        message: `${name}: ${describeValue(e.data)} is not allowed; allowed: ${cut(list.join(', '), 300)}`,
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        ...base,
        field: name,
        problem: 'out_of_range',
        message: `${name} must be ${String(params.comparison)} ${String(params.limit)}, got ${describeValue(e.data)}`,
      };
    case 'maxItems':
    case 'maxProperties':
      return {
        in: part,
        field: name,
        problem: 'too_many',
        message: `${name} holds at most ${String(params.limit)} ${e.keyword === 'maxItems' ? 'items' : 'fields'}${
          Array.isArray(e.data) ? `, got ${e.data.length}` : ''
        }`,
      };
    case 'minItems':
    case 'minProperties':
      return {
        in: part,
        field: name,
        problem: 'too_few',
        message: `${name} needs at least ${String(params.limit)} ${e.keyword === 'minItems' ? 'items' : 'fields'}`,
      };
    case 'maxLength':
      return {
        ...base,
        field: name,
        problem: 'too_long',
        message: `${name} is longer than ${String(params.limit)} characters${
          typeof e.data === 'string' ? ` (${e.data.length})` : ''
        }`,
      };
    case 'minLength':
      return {
        ...base,
        field: name,
        problem: 'too_short',
        message: `${name} needs at least ${String(params.limit)} character(s)`,
      };
    case 'pattern':
      return {
        ...base,
        field: name,
        problem: 'bad_format',
        message: `${name} must match ${String(params.pattern)}, got ${describeValue(e.data)}`,
      };
    default:
      return { ...base, field: name, problem: 'invalid', message: `${name} ${e.message ?? 'is invalid'}` };
  }
}

/** The first `max` problems (default {@link MAX_PROBLEMS}) and how many were left out. */
export function capped<T>(all: readonly T[], max = MAX_PROBLEMS): { list: T[]; more: number } {
  return all.length <= max
    ? { list: [...all], more: 0 }
    : { list: all.slice(0, max), more: all.length - max };
}
