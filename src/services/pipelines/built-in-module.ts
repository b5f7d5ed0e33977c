import type { CatalogueModule } from './pipeline-catalogue.js';
import { retrainParamProblems, retrainPipeline } from './retrain-pipeline.js';
import { type BuiltInTaskDeps, builtInTasks } from './retrain-tasks.js';

/**
 * The built-in catalogue module: the `retrain` pipeline (its parameter defaults from `deps`) and the
 * task kinds `etl`, `train`, `select`, `register`, `gate`, `deploy`, `wait`.
 */
export function builtInModule(deps: BuiltInTaskDeps): CatalogueModule {
  return {
    source: 'built-in',
    module: {
      pipelines: [
        retrainPipeline({
          source: deps.defaultSource,
          modelName: deps.defaultModelName,
          deploy: deps.defaultDeploy,
        }),
      ],
      tasks: builtInTasks(deps),
    },
    paramChecks: { retrain: retrainParamProblems },
  };
}
