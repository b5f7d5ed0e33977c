import type { MigrationReport, MigrationStatus, Storage } from '../../storage/index.js';

/** Database administration for the CLI and API: migrations and health. */
export class DatabaseService {
  constructor(private readonly storage: Pick<Storage, 'migrate' | 'migrationStatus' | 'ping' | 'dialect'>) {}

  /** Which backend is in use. */
  get dialect(): 'sqlite' | 'mysql' {
    return this.storage.dialect;
  }

  /** Applies pending migrations; returns what ran. */
  migrate(): Promise<MigrationReport> {
    return this.storage.migrate();
  }

  /** Every known migration and when it ran (null = pending). */
  status(): Promise<MigrationStatus[]> {
    return this.storage.migrationStatus();
  }

  /** Resolves when the database answers. */
  ping(): Promise<void> {
    return this.storage.ping();
  }
}
