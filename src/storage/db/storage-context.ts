import { SporeprintError } from '../../core/index.js';
import type { DatabaseContext } from './write-transaction.js';

/**
 * The database behind each open storage, for storage's own factories (e.g. the database artifact
 * store). Kept in a WeakMap so that the public `Storage` object exposes no connection.
 */
const contexts = new WeakMap<object, DatabaseContext>();

/** Records the database behind `storage`. */
export function attachContext(storage: object, ctx: DatabaseContext): void {
  contexts.set(storage, ctx);
}

/** The database behind `storage`; rejects objects that `openStorage` did not return. */
export function storageContext(storage: object): DatabaseContext {
  const ctx = contexts.get(storage);
  if (ctx === undefined) {
    throw new SporeprintError('SP_ERR_USAGE', 'Not a storage opened by openStorage()');
  }
  return ctx;
}
