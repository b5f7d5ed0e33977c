import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SporeprintError } from '../../core/index.js';
import { timestamp, toBuffer, toBytes } from '../db/column-values.js';
import { guard, isUniqueViolation } from '../db/database-error.js';
import type { Storage } from '../db/open-storage.js';
import { storageContext } from '../db/storage-context.js';
import { type DatabaseContext, writeTransaction } from '../db/write-transaction.js';

/** Where a stored artifact went: its content hash and size. */
export interface StoredArtifact {
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * A content-addressed, immutable store of artifacts (model pipeline JSON, …), keyed by the SHA-256
 * of their bytes. Every load re-hashes what it read and refuses bytes that do not match.
 */
export interface ArtifactStore {
  /** `'file'` or `'database'`. */
  readonly kind: 'file' | 'database';
  /** The directory (file store) or redacted database URL (database store). */
  readonly location: string;
  /** Stores `bytes` under their SHA-256; idempotent (storing the same bytes again changes nothing). */
  put(bytes: Uint8Array): Promise<StoredArtifact>;
  /**
   * The bytes stored under `sha256`, verified. Rejects with `SP_ERR_NOT_FOUND` when absent and
   * `SP_ERR_ARTIFACT_CORRUPT`, naming the file or database row, when the bytes do not hash to
   * `sha256`. A malformed hash rejects with `SP_ERR_BAD_PARAM`.
   */
  get(sha256: string): Promise<Uint8Array>;
  /** Whether an artifact is stored under `sha256` (not verified). */
  has(sha256: string): Promise<boolean>;
  /** Where the artifact lives: a file path, or a table row of a database. */
  describe(sha256: string): string;
}

/** Configuration of {@link openArtifactStore}: files under a directory, or the `artifacts` table. */
export type ArtifactStoreConfig =
  | { readonly kind: 'file'; readonly dir: string }
  | { readonly kind: 'database' };

const SHA256 = /^[0-9a-f]{64}$/;

function checkHash(sha256: string): void {
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `"${String(sha256)}" is not a sha256 hex digest (64 lower-case hex characters)`,
    );
  }
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function notFound(sha256: string, where: string): SporeprintError {
  return new SporeprintError('SP_ERR_NOT_FOUND', `Artifact ${sha256} does not exist (${where})`, {
    sha256,
    location: where,
  });
}

function verified(sha256: string, bytes: Uint8Array, where: string): Uint8Array {
  const actual = sha256Of(bytes);
  if (actual !== sha256) {
    throw new SporeprintError(
      'SP_ERR_ARTIFACT_CORRUPT',
      `Artifact ${where} is corrupt or was tampered with: its ${bytes.byteLength} bytes hash to ${actual}, ` +
        `not ${sha256}; refusing to load it`,
      { sha256, actual, location: where },
    );
  }
  return bytes;
}

/**
 * Opens an artifact store: `{ kind: 'file', dir }` keeps each artifact in `<dir>/<aa>/<sha256>`
 * (written atomically through a temporary file and a rename, then made read-only);
 * `{ kind: 'database' }` keeps them in the `artifacts` table of `storage` (LONGBLOB on MariaDB).
 *
 * @example
 * const store = openArtifactStore(storage, { kind: 'file', dir: 'var/artifacts' });
 * const { sha256 } = await store.put(new TextEncoder().encode(JSON.stringify(pipeline)));
 * const bytes = await store.get(sha256); // verified against sha256
 */
export function openArtifactStore(storage: Storage, config: ArtifactStoreConfig): ArtifactStore {
  if (config.kind === 'file') {
    if (typeof config.dir !== 'string' || config.dir === '') {
      throw new SporeprintError('SP_ERR_CONFIG', 'The file artifact store needs a directory');
    }
    return new FileArtifactStore(resolve(config.dir));
  }
  if (config.kind === 'database') return new DatabaseArtifactStore(storageContext(storage));
  throw new SporeprintError(
    'SP_ERR_CONFIG',
    `Unknown artifact store kind "${String((config as { kind: unknown }).kind)}" (expected file or database)`,
  );
}

class FileArtifactStore implements ArtifactStore {
  readonly kind = 'file';
  readonly location: string;

  constructor(dir: string) {
    this.location = dir;
  }

  describe(sha256: string): string {
    checkHash(sha256);
    return join(this.location, sha256.slice(0, 2), sha256);
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = sha256Of(bytes);
    const path = this.describe(sha256);
    const existing = await readFile(path).catch(() => undefined);
    if (existing !== undefined && sha256Of(existing) === sha256) return { sha256, bytes: bytes.byteLength };
    // Absent, or a damaged copy: write a fresh one beside it and swap it in atomically.
    const dir = join(this.location, sha256.slice(0, 2));
    const tmp = join(dir, `.${sha256}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(tmp, 0o444);
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      const err = new SporeprintError(
        'SP_ERR_INTERNAL',
        `Writing artifact ${path} failed: ${e instanceof Error ? e.message : String(e)}`,
        { sha256, location: path },
      );
      err.cause = e;
      throw err;
    }
    return { sha256, bytes: bytes.byteLength };
  }

  async get(sha256: string): Promise<Uint8Array> {
    const path = this.describe(sha256);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(sha256, path);
      const err = new SporeprintError(
        'SP_ERR_INTERNAL',
        `Reading artifact ${path} failed: ${e instanceof Error ? e.message : String(e)}`,
        { sha256, location: path },
      );
      err.cause = e;
      throw err;
    }
    return verified(sha256, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  }

  async has(sha256: string): Promise<boolean> {
    const path = this.describe(sha256);
    try {
      const handle = await open(path, 'r');
      await handle.close();
      return true;
    } catch {
      return false;
    }
  }
}

class DatabaseArtifactStore implements ArtifactStore {
  readonly kind = 'database';
  readonly location: string;
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
    this.location = ctx.display;
  }

  describe(sha256: string): string {
    checkHash(sha256);
    return `artifacts row sha256=${sha256} in ${this.#ctx.display}`;
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = sha256Of(bytes);
    const where = this.describe(sha256);
    try {
      await writeTransaction(this.#ctx, `Storing artifact ${where}`, async (trx) => {
        const existing = await trx
          .selectFrom('artifacts')
          .select('bytes')
          .where('sha256', '=', sha256)
          .executeTakeFirst();
        if (existing !== undefined) {
          if (sha256Of(existing.bytes) === sha256) return;
          // A damaged row: replace its bytes with the right ones.
          await trx
            .updateTable('artifacts')
            .set({ bytes: toBuffer(bytes), size: bytes.byteLength })
            .where('sha256', '=', sha256)
            .execute();
          return;
        }
        await trx
          .insertInto('artifacts')
          .values({
            sha256,
            bytes: toBuffer(bytes),
            size: bytes.byteLength,
            created_at: timestamp(undefined),
          })
          .execute();
      });
    } catch (e) {
      // Stored concurrently by another writer: same key, same content.
      if (!isUniqueViolation((e as Error).cause)) throw e;
    }
    return { sha256, bytes: bytes.byteLength };
  }

  async get(sha256: string): Promise<Uint8Array> {
    const where = this.describe(sha256);
    const row = await guard(`Reading artifact ${where}`, () =>
      this.#ctx.db.selectFrom('artifacts').select('bytes').where('sha256', '=', sha256).executeTakeFirst(),
    );
    if (row === undefined) throw notFound(sha256, where);
    return verified(sha256, toBytes(row.bytes), where);
  }

  async has(sha256: string): Promise<boolean> {
    const where = this.describe(sha256);
    const row = await guard(`Looking up artifact ${where}`, () =>
      this.#ctx.db.selectFrom('artifacts').select('sha256').where('sha256', '=', sha256).executeTakeFirst(),
    );
    return row !== undefined;
  }
}
