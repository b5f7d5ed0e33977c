/**
 * What the dashboard needs of the server: the dataset reads, the Overview with its live feed, and
 * where the built dashboard lies (dist/web beside the compiled code, whether the server runs from src/
 * through tsx or from dist/).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { SporeprintError } from '../core/index.js';
import type { DatasetsHttpApi, HttpDeps, OverviewHttpApi } from '../interfaces/http/index.js';
import {
  type AlertService,
  EtlService,
  type ExperimentService,
  OverviewFeed,
  OverviewService,
  type RegistryService,
} from '../services/index.js';
import type { Storage } from '../storage/index.js';

/** The built dashboard: `<package root>/dist/web` (src/main/ and dist/main/ both lie two levels down). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Dataset versions for the datasets routes. */
export function datasetsHttpApi(storage: Storage, config: Config): DatasetsHttpApi {
  const etl = new EtlService(storage.datasets, {
    invalidThreshold: config.etl.invalidThreshold,
    seed: config.etl.seed,
    speciesFile: join(resolve(config.dataDir), 'primary_data.csv'),
  });
  return {
    list: (page) => storage.datasets.listVersions(page),
    show: (id) => etl.show(id),
    async quarantine(id, page) {
      const version =
        id === 'latest' ? await storage.datasets.latestVersion() : await storage.datasets.findVersion(id);
      if (version === undefined) {
        throw new SporeprintError('SP_ERR_NOT_FOUND', `no dataset version '${id}'`);
      }
      const [total, entries] = await Promise.all([
        storage.datasets.countQuarantine(version.sourceId),
        storage.datasets.readQuarantine(version.sourceId, page),
      ]);
      return { total, entries };
    },
  };
}

/** The Overview over the server's services, read every second while a dashboard listens. */
export function overviewHttpApi(storage: Storage, services: OverviewSources): OverviewHttpApi {
  const service = new OverviewService({
    registry: services.registry,
    predictions: storage.predictions,
    experiments: services.experiments,
    alerts: services.alerts,
    pipelines: storage.pipelines,
  });
  return { read: () => service.read(), feed: new OverviewFeed(() => service.read()) };
}

/** The server's services the Overview reads. */
interface OverviewSources {
  readonly registry: RegistryService;
  readonly experiments: ExperimentService;
  readonly alerts: AlertService;
}

/** The dashboard's part of the HTTP deps: dataset reads, the Overview and the built dashboard's folder. */
export function dashboardHttpDeps(
  storage: Storage,
  config: Config,
  services: OverviewSources,
  opts: { readonly dashboardDir?: string | null },
): Pick<HttpDeps, 'datasets' | 'overview' | 'dashboardDir'> {
  return {
    datasets: datasetsHttpApi(storage, config),
    overview: overviewHttpApi(storage, services),
    dashboardDir: opts.dashboardDir === undefined ? DASHBOARD_DIR : opts.dashboardDir,
  };
}
