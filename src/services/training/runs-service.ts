import { SporeprintError } from '../../core/index.js';
import type { RunRecord, RunRepository } from '../../storage/index.js';

/** Read access to recorded training runs. */
export class RunsService {
  constructor(private readonly runs: RunRepository) {}

  /** Runs, newest first. */
  list(opts: { datasetId?: string; limit?: number } = {}): Promise<RunRecord[]> {
    return this.runs.list(opts);
  }

  /** One run; SP_ERR_NOT_FOUND when unknown. */
  async get(id: string): Promise<RunRecord> {
    const run = await this.runs.get(id);
    if (run === undefined)
      throw new SporeprintError('SP_ERR_NOT_FOUND', `no run '${id}' (see \`sporeprint runs list\`)`);
    return run;
  }
}
