import { type Static, type TObject, type TUnsafe, Type } from 'typebox';

/**
 * A TypeBox schema for "one of these objects, chosen by the string property `tag`": JSON Schema's
 * `oneOf` with the OpenAPI `discriminator` keyword, which {@link modelFormatCheck} understands. Each
 * member must declare `tag` as a required literal. A fault is reported inside the member the document's
 * tag names (`/features/1 must have required property 'categories'`); an unknown tag is reported at
 * the tag. (`Type.Union`'s `anyOf` would report the first member's fault instead.)
 *
 * @example
 * const feature = discriminatedUnion('kind', [
 *   Type.Object({ kind: Type.Literal('numeric'), name: Type.String() }),
 *   Type.Object({ kind: Type.Literal('nominal'), categories: Type.Array(Type.String()) }),
 * ]);
 */
export function discriminatedUnion<const T extends readonly TObject[]>(
  tag: string,
  members: T,
): TUnsafe<Static<T[number]>> {
  return Type.Unsafe<Static<T[number]>>({
    type: 'object',
    oneOf: members,
    discriminator: { propertyName: tag },
  });
}
