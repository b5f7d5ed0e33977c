import type { Ajv, ValidateFunction } from 'ajv';
import { createAjv, SporeprintError } from '../core/index.js';

let ajv: Ajv | null = null;

/**
 * The check of a saved document (a model file, a decision policy) against its JSON Schema, compiled on
 * first use with the shared Ajv set-up ({@link createAjv}). It throws SP_ERR_MODEL_FORMAT with the
 * message `<what>: <pointer> <reason>` for the first fault, `details.path` its JSON pointer (`''` for
 * the document itself).
 *
 * @example
 * const check = modelFormatCheck(DECISION_TREE_SCHEMA, 'decision-tree model');
 * check(json); // throws on /tree/left/0 must be integer, …
 */
export function modelFormatCheck(schema: object, what: string): (json: unknown) => void {
  let validate: ValidateFunction | null = null;
  return (json) => {
    ajv ??= createAjv();
    validate ??= ajv.compile(schema);
    if (validate(json)) return;
    const e = validate.errors?.[0];
    const path = e?.instancePath ?? '';
    throw new SporeprintError(
      'SP_ERR_MODEL_FORMAT',
      `${what}: ${path || '/'} ${e?.message ?? 'is invalid'}`,
      {
        path,
      },
    );
  };
}
