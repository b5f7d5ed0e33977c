/**
 * The model registry as the source of served models: versions resolved and loaded through the
 * registry service, changes announced by its event bus (Redis across processes when configured).
 */
import { isSporeprintError } from '../../core/index.js';
import type { RegistryEventBus, RegistryService, VersionSelector } from '../registry/index.js';
import type { ModelSelector, ModelSource } from './serving-types.js';

const registrySelector = (s: ModelSelector): VersionSelector =>
  s.kind === 'production' ? 'production' : s.kind === 'alias' ? s.alias : s.version;

/**
 * A {@link ModelSource} over the registry: `resolve` reads which version a selector names (a
 * selector naming nothing — no Production, unknown alias or version — is null), `load` reads the
 * artifact and verifies its SHA-256, and registry events on `bus` (from any process, over Redis)
 * announce changes. The model set also polls, so a lost event only delays a swap.
 */
export function registryModelSource(registry: RegistryService, bus: RegistryEventBus): ModelSource {
  return {
    async resolve(name, selector) {
      try {
        const v = await registry.resolve(name, registrySelector(selector));
        return { version: v.version, artifactSha256: v.artifactSha256 };
      } catch (e) {
        if (isSporeprintError(e) && (e.code === 'SP_ERR_NOT_FOUND' || e.code === 'SP_ERR_REGISTRY_STATE'))
          return null;
        throw e;
      }
    },
    async load(name, ref) {
      const m = await registry.loadPipeline(name, ref.version);
      return {
        name,
        version: m.version.version,
        artifactSha256: m.version.artifactSha256,
        pipeline: m.pipeline,
      };
    },
    onChange(listener) {
      let unsubscribe: (() => Promise<void>) | null = null;
      let stopped = false;
      void bus
        .subscribe((m) => listener(m.model))
        .then(
          (u) => {
            if (stopped) void u();
            else unsubscribe = u;
          },
          () => {},
        );
      return () => {
        stopped = true;
        void unsubscribe?.();
      };
    },
  };
}
