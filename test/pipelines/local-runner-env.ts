/** The conformance environment of the local runner: a service over a fresh database, in this process. */
import { createLocalRunner } from '../../src/pipeline/index.js';
import { PipelineCatalogue, type PipelineModule, PipelineService } from '../../src/services/index.js';
import { openStorage } from '../../src/storage/index.js';
import { FIXTURE_MODULE, type RunnerEnv } from './pipeline-runner.conformance.js';

/** A local-runner environment on the database at `url`. */
export async function localRunnerEnv(url: string): Promise<RunnerEnv> {
  const storage = await openStorage(url);
  const module = (await import(FIXTURE_MODULE)) as PipelineModule;
  const catalogue = new PipelineCatalogue([{ source: FIXTURE_MODULE, module }]);
  let service: PipelineService | undefined;
  const runner = createLocalRunner({
    handler: (job, signal) => (service as PipelineService).executeTask(job, signal),
    concurrency: 2,
  });
  service = new PipelineService({
    repo: storage.pipelines,
    catalogue,
    runtime: { runner, executor: 'local', owner: 'test-host:1:local' },
    heartbeatMs: 200,
  });
  const built = service;
  return {
    service: built,
    repo: storage.pipelines,
    executor: 'local',
    async close() {
      await runner.close(1000);
      await built.close();
      await storage.close();
    },
  };
}
