import type { JsonValue, ParamSpec } from './pipeline-types.js';
import { show } from './show-value.js';

type ParamValue = string | number | boolean;

const PARAM_TYPES = new Set(['string', 'number', 'boolean']);

/** The problems of the parameter declarations of a spec (type, default, enum). */
export function paramSpecProblems(params: unknown): string[] {
  if (params === undefined) return [];
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    return [`params must be an object of parameter specs, got ${show(params)}`];
  }
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(params as Record<string, unknown>)) {
    if (spec === null || typeof spec !== 'object') {
      problems.push(`parameter "${name}": spec must be an object, got ${show(spec)}`);
      continue;
    }
    const p = spec as ParamSpec;
    if (!PARAM_TYPES.has(p.type)) {
      problems.push(`parameter "${name}": type must be "string", "number" or "boolean", got ${show(p.type)}`);
      continue;
    }
    if (p.enum !== undefined) {
      if (p.type !== 'string')
        problems.push(`parameter "${name}": enum is only allowed on string parameters`);
      else if (!Array.isArray(p.enum) || p.enum.length === 0 || !p.enum.every((e) => typeof e === 'string')) {
        problems.push(`parameter "${name}": enum must be a non-empty list of strings, got ${show(p.enum)}`);
      }
    }
    if (p.default !== undefined) {
      const problem = valueProblem(name, p, p.default, 'default');
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

/**
 * The run's parameter values: given ones checked and coerced (`"3"` → 3 for numbers, `"true"` /
 * `"false"` for booleans, as the CLI passes them), defaults for the rest. Parameters without a
 * value (optional, no default) are left out.
 */
export function resolveParams(
  declared: Readonly<Record<string, ParamSpec>>,
  given: Readonly<Record<string, unknown>>,
  problems: string[],
): Record<string, ParamValue> {
  const values: Record<string, ParamValue> = {};
  const names = Object.keys(declared);
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(declared, name)) {
      const takes = names.length > 0 ? `it takes: ${names.join(', ')}` : 'it takes none';
      problems.push(`unknown parameter "${name}" (${takes})`);
    }
  }
  for (const name of names) {
    const spec = declared[name];
    if (!PARAM_TYPES.has(spec?.type)) continue; // reported by paramSpecProblems
    const value = given[name];
    if (value === undefined) {
      if (spec.default !== undefined) values[name] = spec.default;
      else if (spec.required) problems.push(`missing required parameter "${name}"`);
      continue;
    }
    const coerced = coerce(spec, value);
    const problem = valueProblem(name, spec, coerced, 'value');
    if (problem) problems.push(problem);
    else values[name] = coerced as ParamValue;
  }
  return values;
}

/**
 * A task's parameters with every `{ $param: name }` (at any depth) replaced by the run's value of
 * that parameter (null when the parameter is declared but has no value). References to undeclared
 * parameters are problems.
 */
export function resolveTaskParams(
  taskId: string,
  params: unknown,
  declared: Readonly<Record<string, ParamSpec>>,
  values: Readonly<Record<string, ParamValue>>,
  problems: string[],
): Record<string, JsonValue> {
  if (params === undefined) return {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    problems.push(`task "${taskId}": params must be an object, got ${show(params)}`);
    return {};
  }
  const walk = (v: unknown, path: string): JsonValue => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        problems.push(`task "${taskId}": param ${path} must be a finite number, got ${v}`);
      return v;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$param') {
        const ref = o.$param;
        if (typeof ref !== 'string' || !Object.hasOwn(declared, ref)) {
          problems.push(`task "${taskId}": param ${path} refers to undeclared parameter ${show(ref)}`);
          return null;
        }
        return values[ref] ?? null;
      }
      return Object.fromEntries(keys.map((k) => [k, walk(o[k], `${path}.${k}`)]));
    }
    problems.push(`task "${taskId}": param ${path} is not JSON (${typeof v})`);
    return null;
  };
  return Object.fromEntries(
    Object.entries(params as Record<string, unknown>).map(([k, v]) => [k, walk(v, `"${k}"`)]),
  );
}

function coerce(spec: ParamSpec, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (spec.type === 'number') {
    const n = value.trim() === '' ? Number.NaN : Number(value);
    return Number.isFinite(n) ? n : value;
  }
  if (spec.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function valueProblem(
  name: string,
  spec: ParamSpec,
  value: unknown,
  what: 'value' | 'default',
): string | null {
  const ok =
    spec.type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === spec.type;
  if (!ok) return `parameter "${name}" must be a ${spec.type}, got ${what} ${show(value)}`;
  if (spec.enum && Array.isArray(spec.enum) && !spec.enum.includes(value as string)) {
    return `parameter "${name}" must be one of ${spec.enum.map((e) => show(e)).join(', ')}, got ${what} ${show(value)}`;
  }
  return null;
}
