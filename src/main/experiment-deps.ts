/**
 * The experiment service's dependencies as the server and the CLI build them: the experiments
 * repository, the registry (promotion through its quality gate), the per-arm metrics and shadow
 * disagreement in SQL (concurrent readers of one experiment share each query), and the analysis.
 */
import {
  analyzeExperiment,
  type ExperimentServiceDeps,
  type RegistryService,
  singleFlight,
} from '../services/index.js';
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
    // concurrent readers of one experiment share its queries (up to a second each over a large log)
    metrics: singleFlight(
      (e) => `${e.id}\u0000${JSON.stringify(e.arms)}\u0000${e.assignment}`,
      (e) => reader.armMetrics(e),
    ),
    disagreement: singleFlight(
      (id, control, shadow) => `${id}\u0000${control}\u0000${shadow}`,
      (id, control, shadow) => reader.disagreement(id, control, shadow),
    ),
    analyze: analyzeExperiment,
    ...extra,
  };
}
