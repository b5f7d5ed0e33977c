import { describe, expect, it } from 'vitest';
import { AJV_OPTIONS, createAjv } from '../index.js';

const schema = {
  type: 'object',
  required: ['n'],
  properties: { n: { type: 'integer', default: 3 }, s: { type: 'string', default: 'x' } },
  additionalProperties: false,
} as const;

describe('createAjv: the one Ajv set-up', () => {
  it('refuses a schema with an unknown keyword when compiling it (strict)', () => {
    expect(() => createAjv().compile({ type: 'object', propertiez: {} })).toThrow(/unknown keyword/);
  });

  it('never changes the document: no coercion, no defaults, no removal of extra properties', () => {
    const validate = createAjv().compile(schema);
    const asText = { n: '1' };
    expect(validate(asText)).toBe(false);
    expect(asText).toEqual({ n: '1' });
    const partial = { n: 1 };
    expect(validate(partial)).toBe(true);
    expect(partial).toEqual({ n: 1 });
    const extra = { n: 1, more: true };
    expect(validate(extra)).toBe(false);
    expect(extra).toEqual({ n: 1, more: true });
  });

  it('stops at the first fault', () => {
    const validate = createAjv().compile(schema);
    expect(validate({ n: 'a', s: 2 })).toBe(false);
    expect(validate.errors).toHaveLength(1);
  });

  it('exports its options, frozen, and applies overrides on top', () => {
    expect(AJV_OPTIONS).toMatchObject({
      strict: true,
      allErrors: false,
      coerceTypes: false,
      useDefaults: false,
    });
    expect(Object.isFrozen(AJV_OPTIONS)).toBe(true);
    const validate = createAjv({ allErrors: true }).compile(schema);
    expect(validate({ n: 'a', s: 2 })).toBe(false);
    expect(validate.errors).toHaveLength(2);
  });
});
