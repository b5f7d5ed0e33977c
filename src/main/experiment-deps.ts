/**
 * The experiment service's dependencies as the server and the CLI build them: the experiments
 * repository, the registry (promotion through its quality gate), the per-arm metrics and shadow
 * disagreement in SQL, and the analysis.
 */
import { analyzeExperiment, type ExperimentServiceDeps, type RegistryService } from '../services/index.js';
import { experimentMetricsReader, type Storage } from '../storage/index.js';

export function experimentServiceDeps(
  storage: Storage,
  registry: RegistryService,
  extra: Pick<ExperimentServiceDeps, 'onChange'> = {},
): ExperimentServiceDeps {
  const reader = experimentMetricsReader(storage);
  return {
    experiments: storage.experiments,
    registry,
    metrics: (e) => reader.armMetrics(e),
    disagreement: (id, control, shadow) => reader.disagreement(id, control, shadow),
    analyze: analyzeExperiment,
    ...extra,
  };
}
