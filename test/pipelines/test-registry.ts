import { type GateConfig, RegistryService } from '../../src/services/index.js';
import { type ArtifactStore, createInProcessEventBus, type Storage } from '../../src/storage/index.js';

/** A registry over `storage` with in-process events, as the pipeline tests use it. */
export function testRegistry(storage: Storage, artifacts: ArtifactStore, gate: GateConfig): RegistryService {
  return new RegistryService({
    runs: storage.runs,
    registry: storage.registry,
    artifacts,
    datasets: storage.datasets,
    events: createInProcessEventBus(),
    gate,
  });
}
