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
    const { path, reason } = describe(validate.errors?.[0], schema);
    throw new SporeprintError('SP_ERR_MODEL_FORMAT', `${what}: ${path || '/'} ${reason}`, { path });
  };
}

/**
 * The pointer and reason of Ajv's first error, in Ajv's wording, with the allowed value(s) of a
 * `const` or `enum` fault. A `discriminator` error (the tag is missing, not a string or names no member)
 * is reported as the same fault of a plain property would be: at the tag, as `required`, `type` or `enum`.
 */
function describe(e: ErrorObject | undefined, root: unknown): { path: string; reason: string } {
  if (e === undefined) return { path: '', reason: 'is invalid' };
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'const':
      return { path: e.instancePath, reason: `${e.message} ${JSON.stringify(p.allowedValue)}` };
    case 'enum':
      return { path: e.instancePath, reason: oneOf(p.allowedValues as unknown[]) };
    case 'discriminator': {
      const tag = p.tag as string;
      if (p.error === 'tag' && p.tagValue === undefined) {
        return { path: e.instancePath, reason: `must have required property '${tag}'` };
      }
      const path = `${e.instancePath}/${tag}`;
      if (p.error === 'tag') return { path, reason: 'must be string' };
      return { path, reason: oneOf(tagsAt(root, e.schemaPath, tag)) };
    }
    default:
      return { path: e.instancePath, reason: e.message ?? 'is invalid' };
  }
}

function oneOf(values: readonly unknown[]): string {
  return `must be equal to one of the allowed values: ${values.map((v) => JSON.stringify(v)).join(', ')}`;
}

/** The tag values of the `oneOf` members beside the `discriminator` that `schemaPath` points at. */
function tagsAt(root: unknown, schemaPath: string, tag: string): unknown[] {
  let node: unknown = root;
  for (const segment of schemaPath.split('/').slice(1, -1)) {
    node = (node as Record<string, unknown> | undefined)?.[
      segment.replaceAll('~1', '/').replaceAll('~0', '~')
    ];
  }
  const members = ((node as { oneOf?: unknown[] } | undefined)?.oneOf ?? []) as {
    properties?: Record<string, { const?: unknown }>;
  }[];
  return members.map((m) => m.properties?.[tag]?.const);
}
