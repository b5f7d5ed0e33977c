import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { discriminatedUnion, modelFormatCheck } from '../index.js';

/** Expects `json` refused with SP_ERR_MODEL_FORMAT, this message and `details.path`. */
function expectRefused(json: unknown, message: string, path: string): void {
  expect(() => check(json)).toThrow(
    expect.objectContaining({ code: 'SP_ERR_MODEL_FORMAT', message, details: { path } }),
  );
}

const feature = discriminatedUnion('kind', [
  Type.Object({ kind: Type.Literal('numeric'), std: Type.Number({ exclusiveMinimum: 0 }) }),
  Type.Object(
    { kind: Type.Literal('nominal'), categories: Type.Array(Type.String()) },
    { additionalProperties: false },
  ),
]);
const check = modelFormatCheck(
  Type.Object({ features: Type.Array(feature, { minItems: 1 }) }),
  'test document',
);

describe('modelFormatCheck with a TypeBox schema', () => {
  it('returns the document itself, typed by the schema', () => {
    const json = { features: [{ kind: 'numeric', std: 1 }] };
    const out = check(json);
    expect(out).toBe(json);
    const std: number | undefined = out.features[0].kind === 'numeric' ? out.features[0].std : undefined;
    expect(std).toBe(1);
  });

  it('reports a fault inside the member the tag names, not in the first member', () => {
    expectRefused(
      { features: [{ kind: 'numeric', std: 1 }, { kind: 'nominal' }] },
      "test document: /features/1 must have required property 'categories'",
      '/features/1',
    );
    expectRefused(
      { features: [{ kind: 'nominal', categories: [], std: 1 }] },
      'test document: /features/0 must NOT have additional properties',
      '/features/0',
    );
  });

  it('reports an unknown, missing or non-string tag at the tag', () => {
    expectRefused(
      { features: [{ kind: 'ordinal', categories: [] }] },
      'test document: /features/0/kind must be equal to one of the allowed values: "numeric", "nominal"',
      '/features/0/kind',
    );
    expectRefused(
      { features: [{ categories: [] }] },
      "test document: /features/0 must have required property 'kind'",
      '/features/0',
    );
    expectRefused(
      { features: [{ kind: 3 }] },
      'test document: /features/0/kind must be string',
      '/features/0/kind',
    );
  });

  it('names the allowed value of a constant and the allowed values of an enum', () => {
    const versioned = modelFormatCheck(
      Type.Object({ formatVersion: Type.Literal(1), schema: Type.Enum(['secondary', 'classic']) }),
      'versioned',
    );
    expect(() => versioned({ formatVersion: 2, schema: 'classic' })).toThrow(
      'versioned: /formatVersion must be equal to constant 1',
    );
    expect(() => versioned({ formatVersion: 1, schema: 'tertiary' })).toThrow(
      'versioned: /schema must be equal to one of the allowed values: "secondary", "classic"',
    );
  });

  it('refuses NaN and infinities, which an in-memory document may hold', () => {
    for (const std of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expectRefused(
        { features: [{ kind: 'numeric', std }] },
        'test document: /features/0/std must be number',
        '/features/0/std',
      );
    }
  });
});
