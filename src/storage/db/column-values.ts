/**
 * How values are stored in columns, the same in every table (see `DatabaseSchema`): JSON as text,
 * timestamps as ISO-8601 UTC text, BLOBs as bytes.
 */
import { SporeprintError } from '../../core/index.js';

/** Serialises a JSON field, refusing values JSON cannot represent (undefined, functions). */
export function toJsonText(field: string, value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new SporeprintError('SP_ERR_BAD_DATA', `${field} is not JSON-serialisable`, { field });
  }
  return text;
}

/** Parses a JSON column written by {@link toJsonText}. */
export function fromJsonText(text: string): unknown {
  return JSON.parse(text);
}

/** ISO-8601 UTC text of a date (or now), the timestamp format of every table. */
export function timestamp(date: Date | undefined): string {
  return (date ?? new Date()).toISOString();
}

/** A `Uint8Array` view of a driver's BLOB value, copied so it owns its memory. */
export function toBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

/** A Buffer over the same memory as `bytes` (better-sqlite3 binds Buffers, not plain Uint8Arrays). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A limit between 1 and `max`, else `SP_ERR_BAD_PARAM`. */
export function checkLimit(limit: number, max: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `limit must be an integer from 1 to ${max}, not ${limit}`);
  }
  return limit;
}
