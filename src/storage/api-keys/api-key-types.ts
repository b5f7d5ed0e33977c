/** What an API key may do: `admin` (registry actions, key management) or `predict` (prediction endpoints). */
export type ApiKeyRole = 'admin' | 'predict';

/** The roles of {@link ApiKeyRole}, in a fixed order. */
export const API_KEY_ROLES: readonly ApiKeyRole[] = ['admin', 'predict'];

/** An API key as listed: never its secret nor its hash. */
export interface ApiKeyRecord {
  /** Public id, e.g. `key_ab12cd34`: safe to log and show. */
  readonly id: string;
  readonly name: string;
  readonly role: ApiKeyRole;
  readonly createdAt: Date;
  /** When it was revoked; a revoked key never verifies again. */
  readonly revokedAt: Date | null;
  /** Last successful verification, updated at most once a minute. */
  readonly lastUsedAt: Date | null;
}

/** A new key with its secret, returned once by {@link ApiKeyRepository.create}. */
export interface CreatedApiKey extends ApiKeyRecord {
  /** `sp_` + 32 random bytes in base64url (46 characters). Shown once: only its SHA-256 is stored. */
  readonly secret: string;
}

/** Input of {@link ApiKeyRepository.create}. */
export interface ApiKeyInput {
  /** What the key is for (at most 255 characters). */
  readonly name: string;
  readonly role: ApiKeyRole;
}

/** API keys, stored as SHA-256 digests of their secrets. */
export interface ApiKeyRepository {
  /** Creates a key and returns it with its secret, which cannot be read back later. */
  create(input: ApiKeyInput): Promise<CreatedApiKey>;
  /**
   * The key whose secret this is, or `null` when it is unknown, malformed or revoked. Hashes are
   * compared in constant time; `lastUsedAt` is refreshed when it is older than a minute.
   */
  verify(secret: string): Promise<ApiKeyRecord | null>;
  /** Every key, newest first, revoked ones included. */
  list(): Promise<ApiKeyRecord[]>;
  /**
   * Revokes a key (idempotent: a revoked key keeps its first revocation time) and returns it.
   * Rejects with `SP_ERR_NOT_FOUND` for an unknown id.
   */
  revoke(id: string): Promise<ApiKeyRecord>;
}
