import { isSporeprintError, SporeprintError } from '../../core/index.js';

/** The driver error code (`SQLITE_CONSTRAINT_PRIMARYKEY`, `ER_DUP_ENTRY`, `ECONNREFUSED`, …), if any. */
export function driverCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

/** True when `e` is a primary-key or unique-constraint violation on either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const code = driverCode(e);
  return (
    code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** True when `e` is a foreign-key violation (a row naming a parent that does not exist) on either dialect. */
export function isForeignKeyViolation(e: unknown): boolean {
  const code = driverCode(e);
  return (
    code === 'ER_NO_REFERENCED_ROW_2' ||
    code === 'ER_NO_REFERENCED_ROW' ||
    code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  );
}

/**
 * Wraps a driver error as `SP_ERR_DATABASE` naming the operation; sporeprint errors pass through
 * unchanged. The driver error stays reachable as `cause`.
 */
export function databaseError(operation: string, e: unknown): SporeprintError {
  if (isSporeprintError(e)) return e;
  const reason = e instanceof Error ? e.message : String(e);
  const code = driverCode(e);
  const err = new SporeprintError('SP_ERR_DATABASE', `${operation} failed: ${reason}`, {
    operation,
    ...(code === undefined ? {} : { driverCode: code }),
  });
  err.cause = e;
  return err;
}

/** Runs `fn`, turning any driver error into `SP_ERR_DATABASE` naming `operation`. */
export async function guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw databaseError(operation, e);
  }
}
