import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { timestamp } from '../db/column-values.js';
import { guard, isUniqueViolation } from '../db/database-error.js';
import { type DatabaseContext, writeTransaction } from '../db/write-transaction.js';
import type { ApiKeysTable } from './api-key-tables.js';
import {
  API_KEY_ROLES,
  type ApiKeyInput,
  type ApiKeyRecord,
  type ApiKeyRepository,
  type ApiKeyRole,
  type CreatedApiKey,
} from './api-key-types.js';

/** `sp_` + 32 bytes in base64url (43 characters, no padding). */
const SECRET = /^sp_[A-Za-z0-9_-]{43}$/;
const KEY_ID = /^key_[0-9a-f]{8}$/;
/** `lastUsedAt` is refreshed at most this often, so verification stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;
const ID_ATTEMPTS = 5;

/** SHA-256 hex digest of an API key secret: the only form in which secrets are stored. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function keyFromRow(row: Omit<Selectable<ApiKeysTable>, 'key_hash'>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as ApiKeyRole,
    createdAt: new Date(row.created_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
  };
}

const PUBLIC_COLUMNS = ['id', 'name', 'role', 'created_at', 'revoked_at', 'last_used_at'] as const;

/**
 * The {@link ApiKeyRepository} over Kysely, for SQLite and MySQL/MariaDB alike.
 *
 * A key is looked up by the SHA-256 of the presented secret (unique index), then the stored digest is
 * compared with `crypto.timingSafeEqual`. The index lookup's timing can only reveal facts about
 * digests, from which no secret can be derived; secrets have 256 bits of entropy, so plain SHA-256
 * (not a slow password hash) is the right tool.
 */
export class KyselyApiKeyRepository implements ApiKeyRepository {
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
  }

  async create(input: ApiKeyInput): Promise<CreatedApiKey> {
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 255) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        'An API key name must be non-empty (at most 255 characters)',
      );
    }
    if (!API_KEY_ROLES.includes(input.role)) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `API key role "${String(input.role)}" is invalid: expected one of ${API_KEY_ROLES.join(', ')}`,
      );
    }
    const secret = `sp_${randomBytes(32).toString('base64url')}`;
    const createdAt = timestamp(undefined);
    for (let attempt = 1; ; attempt++) {
      const id = `key_${randomBytes(4).toString('hex')}`;
      const row = {
        id,
        name: input.name,
        key_hash: hashApiKeySecret(secret),
        role: input.role,
        created_at: createdAt,
        revoked_at: null,
        last_used_at: null,
      };
      try {
        await writeTransaction(this.#ctx, `Creating API key ${input.name}`, async (trx) => {
          await trx.insertInto('api_keys').values(row).execute();
        });
        return { ...keyFromRow(row), secret };
      } catch (e) {
        // A 32-bit id may collide with an existing one: draw another.
        const taken = isUniqueViolation(e) || isUniqueViolation((e as Error).cause);
        if (!taken || attempt >= ID_ATTEMPTS) throw e;
      }
    }
  }

  async verify(secret: string): Promise<ApiKeyRecord | null> {
    if (typeof secret !== 'string' || !SECRET.test(secret)) return null;
    const digest = hashApiKeySecret(secret);
    const row = await guard('Verifying an API key', () =>
      this.#ctx.db.selectFrom('api_keys').selectAll().where('key_hash', '=', digest).executeTakeFirst(),
    );
    if (row === undefined) return null;
    const stored = Buffer.from(row.key_hash, 'hex');
    const given = Buffer.from(digest, 'hex');
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
    if (row.revoked_at !== null) return null;
    const now = new Date();
    const lastUsed = row.last_used_at === null ? null : new Date(row.last_used_at);
    if (lastUsed !== null && now.getTime() - lastUsed.getTime() < LAST_USED_RESOLUTION_MS) {
      return keyFromRow(row);
    }
    const at = timestamp(now);
    const stale = timestamp(new Date(now.getTime() - LAST_USED_RESOLUTION_MS));
    await writeTransaction(this.#ctx, `Recording use of API key ${row.id}`, async (trx) => {
      // Conditional, so that concurrent verifications (from any process) write at most once a minute.
      await trx
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', row.id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
        .execute();
    });
    return keyFromRow({ ...row, last_used_at: at });
  }

  list(): Promise<ApiKeyRecord[]> {
    return guard('Listing API keys', async () => {
      const rows = await this.#ctx.db
        .selectFrom('api_keys')
        .select(PUBLIC_COLUMNS)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(keyFromRow);
    });
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    if (typeof id !== 'string' || !KEY_ID.test(id)) {
      throw new SporeprintError('SP_ERR_NOT_FOUND', `API key ${String(id)} does not exist`, { keyId: id });
    }
    return writeTransaction(this.#ctx, `Revoking API key ${id}`, async (trx) => {
      const row = await trx
        .selectFrom('api_keys')
        .select(PUBLIC_COLUMNS)
        .where('id', '=', id)
        .$if(this.#ctx.dialect === 'mysql', (q) => q.forUpdate())
        .executeTakeFirst();
      if (row === undefined) {
        throw new SporeprintError('SP_ERR_NOT_FOUND', `API key ${id} does not exist`, { keyId: id });
      }
      if (row.revoked_at !== null) return keyFromRow(row);
      const revokedAt = timestamp(undefined);
      await trx.updateTable('api_keys').set({ revoked_at: revokedAt }).where('id', '=', id).execute();
      return keyFromRow({ ...row, revoked_at: revokedAt });
    });
  }
}
