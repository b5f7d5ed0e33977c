import type { DatabaseService, EtlService, RunsService, TrainingService } from '../../services/index.js';

/** The services a CLI command may use; opened lazily so `--help` never touches the database. */
export interface CliServices {
  readonly etl: EtlService;
  readonly database: DatabaseService;
  readonly training: TrainingService;
  readonly runs: RunsService;
  close(): Promise<void>;
}

/** What the composition root hands the CLI: how to open services, and where to write. */
export interface CliContext {
  openServices(): Promise<CliServices>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  /** The repository root's bundled data folder (for defaults such as `npm start`'s source). */
  readonly dataDir: string;
  /** Show progress bars (off in CI and when stderr is not a terminal). */
  readonly progress: boolean;
}
