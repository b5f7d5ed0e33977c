import type { DatasetSchema } from '../../data/index.js';

/** JSON Schema of one mushroom (for OpenAPI): every feature optional, codes with their meanings. */
export function mushroomJsonSchema(schema: DatasetSchema): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of schema.features) {
    if (f.kind === 'numeric') {
      properties[f.name] = {
        type: ['number', 'null'],
        ...(f.range ? { minimum: f.range.min, maximum: f.range.max } : {}),
        description: `${f.name}${f.unit ? ` in ${f.unit}` : ''}; null or absent = missing`,
      };
    } else {
      const codes = f.codes ?? {};
      properties[f.name] = {
        type: ['string', 'null'],
        enum: [...Object.keys(codes), null],
        description: Object.entries(codes)
          .map(([c, m]) => `${c} = ${m}`)
          .join(', '),
      };
    }
  }
  return {
    type: 'object',
    properties,
    additionalProperties: false,
    description: `One mushroom of the ${schema.name} schema, keyed by feature name (missing features allowed).`,
  };
}

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

export const predictionSchema = {
  type: 'object',
  properties: {
    predictionId: { type: 'string' },
    decision: { type: 'string', enum: ['edible', 'poisonous', 'uncertain'] },
    probability: { type: 'number', description: 'P(poisonous)' },
    model: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'integer' } } },
    arm: { type: ['string', 'null'] },
    warnings: { type: 'array', items: { type: 'string' } },
    novelty: {
      type: ['number', 'null'],
      description: 'distance from the training data (unknown-species guard)',
    },
    reason: { type: ['string', 'null'], description: 'why the answer is "uncertain"' },
    explanation: {
      type: 'object',
      properties: {
        base: { type: 'number' },
        contributions: {
          type: 'array',
          items: {
            type: 'object',
            properties: { feature: { type: 'string' }, value: {}, contribution: { type: 'number' } },
          },
        },
      },
    },
  },
  required: ['predictionId', 'decision', 'probability', 'model', 'arm', 'warnings'],
} as const;
