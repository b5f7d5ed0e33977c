import { Type } from 'typebox';

/** The query string of a route that takes no query parameters: any is a 422, not silently ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false });
