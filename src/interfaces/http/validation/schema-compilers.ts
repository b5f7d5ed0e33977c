import { Ajv, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

/** The part of a request a schema checks. */
type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

const BASE: Options = {
  // the request is checked, never changed: unknown properties are errors, not silently dropped
  removeAdditional: false,
  useDefaults: false,
  // stop at the first error: a body of 600,000 unknown keys gives one error, not 600,000 (the
  // mushroom's detailed report runs a separate all-errors check, on at most a few dozen keys)
  allErrors: false,
  // the schema and the offending value ride on each error (references, no copies): messages name the
  // value and the allowed codes
  verbose: true,
  strict: true,
  // `type: ['string', 'null']`: what OpenAPI 3.1 and the mushroom schema use for optional values
  allowUnionTypes: true,
  // OpenAPI annotations TypeBox and the routes put on schemas
  keywords: ['example'],
  // `format` is not used for validation here (uuid, date-time are documented shapes only)
  validateFormats: false,
};

/**
 * The Ajv instances of one app: bodies are checked as sent (no coercion); path parameters, query
 * strings and headers are text, so their values are coerced to the schema's type (`"3"` → 3). One
 * instance per part, each caching what it compiled: the same schema object compiles once, so a
 * route's body check and a per-record check of the same mushroom schema are the same function.
 */
export class SchemaCompilers {
  private readonly body: Ajv;
  private readonly text: Ajv;
  private readonly detailed: Ajv;
  private readonly cache = new WeakMap<object, ValidateFunction>();
  private readonly detailedCache = new WeakMap<object, ValidateFunction>();

  constructor(shared: readonly Record<string, unknown>[] = []) {
    this.body = new Ajv({ ...BASE, coerceTypes: false });
    this.text = new Ajv({ ...BASE, coerceTypes: true });
    // every error of one (small) object: only for the detailed report of a rejected mushroom
    this.detailed = new Ajv({ ...BASE, coerceTypes: false, allErrors: true });
    for (const s of shared) {
      this.body.addSchema(s);
      this.text.addSchema(s);
      this.detailed.addSchema(s);
    }
  }

  /** The first-error check of a body schema (cached by schema object). */
  compileBody(schema: object): ValidateFunction {
    let v = this.cache.get(schema);
    if (v === undefined) {
      v = this.body.compile(schema);
      this.cache.set(schema, v);
    }
    return v;
  }

  /** The all-errors check of a schema: call it only on values of bounded size. */
  compileDetailed(schema: object): ValidateFunction {
    let v = this.detailedCache.get(schema);
    if (v === undefined) {
      v = this.detailed.compile(schema);
      this.detailedCache.set(schema, v);
    }
    return v;
  }

  /** Fastify's validator compiler over these instances. */
  readonly fastify: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
    const part = httpPart as HttpPart | undefined;
    if (part === 'body' || part === undefined) return this.compileBody(schema as object);
    return this.text.compile(schema as object);
  };
}
