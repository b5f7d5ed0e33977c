import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { ERROR_ENVELOPE_ID } from '../schemas/error-envelope.js';

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/**
 * Fastify's serializer factory (fast-json-stringify) with one serializer for every error answer: a
 * route declares each error status it can answer as a reference to the ErrorEnvelope schema, and all
 * of them, on every route, share the one compiled serializer instead of one compilation per route and
 * status (about 300 of them, a second of start-up).
 */
export const sharedEnvelopeSerializers: SerializerFactory = (externalSchemas, options) => {
  const build = SerializerSelector()(externalSchemas, options);
  let envelope: ReturnType<typeof build> | undefined;
  return (route) => {
    const schema = route.schema as { $ref?: unknown } | undefined;
    if (schema?.$ref === ERROR_ENVELOPE_ID) {
      envelope ??= build(route);
      return envelope;
    }
    return build(route);
  };
};
