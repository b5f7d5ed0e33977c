/**
 * The registry service's dependencies over storage as the server, the CLI and the monitoring-check
 * thread build them from config: the repositories, the artifact store the config names (files under
 * `<varDir>/artifacts`, or the database), the event bus given and the quality gate.
 */
import type { Config } from '../config/index.js';
import type { RegistryServiceDeps } from '../services/index.js';
import type { RegistryEventBus, Storage } from '../storage/index.js';
import { configuredArtifactStore } from './package-info.js';

export function registryServiceDeps(
  storage: Storage,
  config: Config,
  events: RegistryEventBus,
): RegistryServiceDeps {
  return {
    runs: storage.runs,
    registry: storage.registry,
    artifacts: configuredArtifactStore(storage, config),
    datasets: storage.datasets,
    events,
    gate: config.gate,
  };
}
