import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Static, TSchema } from 'typebox';
import { createAjv } from './create-ajv.js';
import { SporeprintError } from './errors.js';

/**
 * The Ajv instance of every model-file check: {@link createAjv} plus `discriminator: true`, the keyword
 * that lets a `oneOf` pick its branch by a tag property (see {@link discriminatedUnion}) so that a fault
 * is reported inside the branch the document names, not in the first branch tried.
 */
let ajv: Ajv | null = null;

/**
 * The check of a saved document (a model file, an encoder, a decision policy) against its JSON Schema
 * (plain, or built with TypeBox), compiled on first use with the shared Ajv set-up ({@link createAjv}).
 * It returns the document itself (not a copy), typed as the schema's `Static` type, or throws
 * SP_ERR_MODEL_FORMAT with the message `<what>: <pointer> <reason>` for the first fault, `details.path`
 * its JSON pointer (`''` for the document itself). Numbers must be finite (Ajv's `strictNumbers`): an
 * in-memory document holding NaN or ±Infinity is refused, as JSON could not hold them.
 *
 * @example
 * const check = modelFormatCheck(DECISION_TREE_SCHEMA, 'decision-tree model');
 * check(json); // throws on /tree/left/0 must be integer, …
 */
export function modelFormatCheck<S extends TSchema>(schema: S, what: string): (json: unknown) => Static<S> {
  let validate: ValidateFunction | null = null;
  return (json) => {
    ajv ??= createAjv({ discriminator: true });
    validate ??= ajv.compile(schema);
    if (validate(json)) return json as Static<S>;
    const { path, reason } = describe(validate.errors?.[0]);
    throw new SporeprintError('SP_ERR_MODEL_FORMAT', `${what}: ${path || '/'} ${reason}`, { path });
  };
}

/**
 * The pointer and reason of Ajv's first error. A `discriminator` error (the tag is missing, not a string
 * or names no branch) is reported as Ajv reports the same fault of a plain property: at the tag itself,
 * with Ajv's `required` / `type` / `enum` wording.
 */
function describe(e: ErrorObject | undefined): { path: string; reason: string } {
  if (e === undefined) return { path: '', reason: 'is invalid' };
  if (e.keyword !== 'discriminator') return { path: e.instancePath, reason: e.message ?? 'is invalid' };
  const { error, tag, tagValue } = e.params as { error: string; tag: string; tagValue?: unknown };
  if (error === 'tag' && tagValue === undefined) {
    return { path: e.instancePath, reason: `must have required property '${tag}'` };
  }
  const reason = error === 'tag' ? 'must be string' : 'must be equal to one of the allowed values';
  return { path: `${e.instancePath}/${tag}`, reason };
}
