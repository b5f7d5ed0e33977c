import { Ajv, type Options } from 'ajv';

/**
 * The one Ajv configuration of sporeprint's own JSON Schema checks (model files, policies), chosen once:
 * - `strict: true` — a schema with an unknown keyword or an ambiguous construct fails when it is
 *   compiled, so a typo in a schema cannot silently accept everything;
 * - `allErrors: false` — validation stops at the first fault (callers report one path, and a hostile
 *   document costs no more than its first fault);
 * - `coerceTypes: false`, `useDefaults: false`, `removeAdditional: false` — validating never changes
 *   the document: a model file is accepted exactly as written or refused.
 *
 * Exported so that other set-ups (e.g. the HTTP layer's) can start from the same options and say what
 * they change.
 */
export const AJV_OPTIONS: Readonly<Options> = Object.freeze({
  strict: true,
  allErrors: false,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
});

/**
 * A new Ajv instance with {@link AJV_OPTIONS}, `overrides` applied on top.
 *
 * @example
 * const validate = createAjv().compile(schema);
 * if (!validate(json)) console.log(validate.errors?.[0]?.instancePath);
 */
export function createAjv(overrides: Options = {}): Ajv {
  return new Ajv({ ...AJV_OPTIONS, ...overrides });
}
