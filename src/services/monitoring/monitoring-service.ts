/**
 * Monitoring of a served model over its prediction log: data drift per feature against the version's
 * reference profile (Evidently's default tests, src/stats/drift), prediction drift (outcome shares
 * against the test split's), and performance from the labels that arrived — all from the log's
 * roll-up (storage/monitoring), so a window of a million predictions costs a few thousand counts.
 */
import { SporeprintError } from '../../core/index.js';
import type { ArmSection, MonitoringReport, ReportAlert } from '../../reports/index.js';
import {
  type Calibrator,
  datasetDrift,
  estimatePerformance,
  type FeatureSample,
  featureDrift,
  IsotonicCalibrator,
} from '../../stats/index.js';
import {
  CALIBRATION_FEATURE,
  type CountFilter,
  type DatasetRepository,
  type ExperimentRepository,
  LABEL_FEATURE,
  type MonitoringRepository,
  OUTCOME_FEATURE,
  PROBABILITY_FEATURE,
} from '../../storage/index.js';
import type { RegistryService } from '../registry/index.js';
import { labelledFigures } from './labelled-figures.js';
import { buildMonitoringReport } from './monitoring-report.js';
import type {
  DriftReport,
  DriftSettings,
  EstimatedFigures,
  FeatureDrift,
  MonitorQuery,
  MonitorWindow,
  PerformanceReport,
  WindowFigures,
} from './monitoring-types.js';
import { buildReferenceProfile, type ReferenceProfile } from './reference-profile.js';
import {
  byFeature,
  outcomeShares,
  presentRows,
  sampleOf,
  type WindowCounts,
  windowRows,
} from './window-samples.js';

export interface MonitoringServiceDeps {
  readonly monitoring: MonitoringRepository;
  readonly datasets: DatasetRepository;
  readonly registry: Pick<RegistryService, 'resolve' | 'loadPipeline'>;
  /**
   * Experiments, to check a query's experiment and arm (unknown: `SP_ERR_NOT_FOUND`; another model's
   * experiment or an arm it does not have: `SP_ERR_BAD_PARAM`); absent: not checked.
   */
  readonly experiments?: Pick<ExperimentRepository, 'get'>;
  readonly now?: () => Date;
}

/** Parsed profiles kept per service (a profile never changes once stored: one per model version). */
const PROFILES_KEPT = 16;

/** A version's profile, parsed once, with what each check derives from it. */
interface LoadedProfile {
  readonly profile: ReferenceProfile;
  /** The reference sample of each profiled feature. */
  readonly samples: ReadonlyMap<string, FeatureSample>;
  readonly calibrator: Calibrator | undefined;
}

/** What a window's drift and performance share: the profile, the roll-up filter and the window. */
interface WindowContext {
  readonly loaded: LoadedProfile;
  readonly filter: CountFilter;
  readonly window: MonitorWindow;
}

export class MonitoringService {
  readonly #d: MonitoringServiceDeps;
  readonly #building = new Map<string, Promise<ReferenceProfile>>();
  readonly #loaded = new Map<string, LoadedProfile>();

  constructor(deps: MonitoringServiceDeps) {
    this.#d = deps;
  }

  /**
   * Recounts the roll-up from the whole prediction log (predictions logged before it existed), in one
   * transaction: run it while no server writes.
   */
  rebuild(onProgress?: (rows: number) => void): Promise<{ predictions: number; counts: number }> {
    return this.#d.monitoring.rebuildCounts(onProgress);
  }

  /** The stored profile of a version, built (and stored) on first use. */
  async profile(modelName: string, version: number | string = 'production'): Promise<ReferenceProfile> {
    return (await this.#load(modelName, version)).profile;
  }

  /**
   * The profile of a version with its reference samples and calibrator, parsed once per version (a
   * stored profile never changes: the first one stored wins) and kept for the next checks.
   */
  async #load(modelName: string, version: number | string): Promise<LoadedProfile> {
    const v = await this.#d.registry.resolve(modelName, version);
    const key = `${modelName}\u0000${v.version}`;
    const kept = this.#loaded.get(key);
    if (kept !== undefined) return kept;
    const stored = await this.#d.monitoring.getProfile(modelName, v.version);
    const profile =
      stored === undefined
        ? await this.#build(modelName, v, key)
        : (JSON.parse(stored.profile) as ReferenceProfile);
    const loaded: LoadedProfile = {
      profile,
      samples: new Map(
        Object.entries(profile.features).map(([name, f]) => [name, sampleOf(f.kind, f.counts)]),
      ),
      calibrator:
        profile.calibration.calibrator === null
          ? undefined
          : IsotonicCalibrator.fromJSON(profile.calibration.calibrator),
    };
    if (this.#loaded.size >= PROFILES_KEPT) this.#loaded.delete(this.#loaded.keys().next().value as string);
    this.#loaded.set(key, loaded);
    return loaded;
  }

  /** Builds and stores a version's profile (once at a time per version within this service). */
  #build(
    modelName: string,
    v: { readonly version: number; readonly datasetId: string },
    key: string,
  ): Promise<ReferenceProfile> {
    let building = this.#building.get(key);
    if (building === undefined) {
      building = (async () => {
        const loaded = await this.#d.registry.loadPipeline(modelName, v.version);
        const profile = await buildReferenceProfile(this.#d.datasets, {
          name: modelName,
          version: v.version,
          datasetId: v.datasetId,
          pipeline: loaded.pipeline,
        });
        const kept = await this.#d.monitoring.putProfile(modelName, v.version, JSON.stringify(profile));
        return JSON.parse(kept.profile) as ReferenceProfile;
      })().finally(() => this.#building.delete(key));
      this.#building.set(key, building);
    }
    return building;
  }

  /** Checks a query before any work: its window, and its experiment and arm when given. */
  async #check(q: MonitorQuery): Promise<void> {
    checkQuery(q);
    if (q.experimentId === undefined || this.#d.experiments === undefined) return;
    const e = await this.#d.experiments.get(q.experimentId);
    if (e.modelName !== q.modelName) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `experiment ${e.id} is on model ${e.modelName}, not ${q.modelName}`,
      );
    }
    if (q.arm !== undefined && !e.arms.some((a) => a.name === q.arm)) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `arm ${q.arm} is not an arm of experiment ${e.id} (arms: ${e.arms.map((a) => a.name).join(', ')})`,
      );
    }
  }

  async #window(q: MonitorQuery, version: number): Promise<{ filter: CountFilter; window: MonitorWindow }> {
    const to = q.to ?? this.#d.now?.() ?? new Date();
    let from = q.from;
    const base = { modelName: q.modelName, modelVersion: version, experimentId: q.experimentId, arm: q.arm };
    if (q.last !== undefined) {
      const hours = await this.#d.monitoring.countsByHour({ ...base, to }, [OUTCOME_FEATURE]);
      const perHour = new Map<string, number>();
      for (const h of hours) perHour.set(h.bucket, (perHour.get(h.bucket) ?? 0) + h.n);
      let n = 0;
      for (const hour of [...perHour.keys()].sort().reverse()) {
        n += perHour.get(hour) ?? 0;
        from = new Date(hour);
        if (n >= q.last) break;
      }
    }
    const filter: CountFilter = { ...base, from, to };
    return { filter, window: { from: from?.toISOString() ?? null, to: to.toISOString(), rows: 0 } };
  }

  /** What a window's figures start from: the query checked, the version's profile, the window. */
  async #context(q: MonitorQuery): Promise<WindowContext> {
    await this.#check(q);
    const loaded = await this.#load(q.modelName, q.version ?? 'production');
    return { loaded, ...(await this.#window(q, loaded.profile.modelVersion)) };
  }

  /** Data and prediction drift of a window against the version's reference. */
  async drift(q: MonitorQuery, settings: DriftSettings = {}): Promise<DriftReport> {
    return (await this.#drift(q, settings, await this.#context(q))).report;
  }

  /**
   * Drift and performance of one window (what a monitoring check computes): the profile is read and
   * the window fixed once for both.
   */
  async figures(q: MonitorQuery, settings: DriftSettings = {}): Promise<WindowFigures> {
    const ctx = await this.#context(q);
    const { report: drift } = await this.#drift(q, settings, ctx);
    return { drift, performance: await this.#performance(q, ctx) };
  }

  async #drift(
    q: MonitorQuery,
    settings: DriftSettings,
    { loaded, filter, window }: WindowContext,
  ): Promise<{ report: DriftReport; counts: WindowCounts; profile: ReferenceProfile }> {
    const { profile } = loaded;
    const counts = byFeature(await this.#d.monitoring.counts(filter));
    const rows = windowRows(counts);
    const features = [...loaded.samples].map(([name, reference]): FeatureDrift => {
      const current = sampleOf(reference.kind, counts.get(name) ?? new Map(), rows);
      if (presentRows(current) === 0) {
        return {
          feature: name,
          status: 'no data',
          reason: rows === 0 ? 'no predictions in the window' : 'missing in every prediction of the window',
        };
      }
      const options = { ...settings.all, ...settings.features?.[name] };
      try {
        return { feature: name, status: 'tested', ...featureDrift(reference, current, options) };
      } catch (e) {
        // a test that does not suit the feature (ks on a categorical one): say which feature
        if (e instanceof SporeprintError) {
          throw new SporeprintError(e.code, `Feature ${name}: ${e.message}`, { feature: name });
        }
        throw e;
      }
    });
    const tested = features.filter((f) => f.status === 'tested');
    const report: DriftReport = {
      model: q.modelName,
      version: profile.modelVersion,
      window: { ...window, rows },
      reference: { rows: profile.rows, datasetId: profile.datasetId, split: 'train' },
      features,
      dataset: tested.length === 0 ? null : datasetDrift(tested, settings.share ?? 0.5),
      prediction: predictionDrift(profile, counts, rows),
    };
    return { report, counts, profile };
  }

  /**
   * The whole monitoring report of a window (src/reports' `MonitoringReport`: render it with
   * `renderMonitoringReport`, or serve it as JSON): verdict, drift, distributions, performance, alerts.
   */
  async report(
    q: MonitorQuery,
    options: {
      readonly settings?: DriftSettings;
      readonly alerts?: readonly ReportAlert[];
      readonly description?: string;
      /** A running experiment of the model: each arm gets its own drift and performance section. */
      readonly experiment?: {
        readonly id: string;
        readonly arms: readonly { name: string; version: number }[];
      };
    } = {},
  ): Promise<MonitoringReport> {
    const build = async (query: MonitorQuery, alerts: readonly ReportAlert[]) => {
      const ctx = await this.#context(query);
      const { report: drift, counts, profile } = await this.#drift(query, options.settings ?? {}, ctx);
      const performance = await this.#performance(query, ctx);
      return buildMonitoringReport({
        drift,
        performance,
        profile,
        counts,
        alerts,
        generatedAt: this.#d.now?.() ?? new Date(),
        description: options.description,
      });
    };
    const whole = await build(q, options.alerts ?? []);
    const e = options.experiment;
    if (e === undefined || e.arms.length === 0) return whole;
    const arms: ArmSection[] = [];
    for (const arm of e.arms) {
      const r = await build(
        {
          ...q,
          version: arm.version,
          experimentId: e.id,
          arm: arm.name,
          last: undefined,
          from: q.from ?? (whole.window.from === null ? undefined : new Date(whole.window.from)),
        },
        [],
      );
      arms.push({
        experiment: e.id,
        arm: arm.name,
        modelVersion: arm.version,
        rows: r.window.rows,
        summary: r.summary,
        dataDrift: r.dataDrift,
        predictionDrift: r.predictionDrift,
        performance: r.performance,
      });
    }
    return { ...whole, arms };
  }

  /** Performance of the window: from the labels that arrived, and estimated (CBPE), overall and per hour. */
  async performance(q: MonitorQuery): Promise<PerformanceReport> {
    return this.#performance(q, await this.#context(q));
  }

  async #performance(q: MonitorQuery, { loaded, filter, window }: WindowContext): Promise<PerformanceReport> {
    const { profile, calibrator } = loaded;
    const hourly = await this.#d.monitoring.countsByHour(filter, [
      OUTCOME_FEATURE,
      LABEL_FEATURE,
      PROBABILITY_FEATURE,
      CALIBRATION_FEATURE,
    ]);
    const perHour = new Map<string, HourCounts>();
    const all: HourCounts = { rows: 0, cells: {}, probabilities: {}, calibration: {} };
    for (const c of hourly) {
      let h = perHour.get(c.bucket);
      if (h === undefined) {
        h = { rows: 0, cells: {}, probabilities: {}, calibration: {} };
        perHour.set(c.bucket, h);
      }
      for (const into of [h, all]) {
        if (c.feature === OUTCOME_FEATURE) into.rows += c.n;
        else {
          const target =
            c.feature === LABEL_FEATURE
              ? into.cells
              : c.feature === CALIBRATION_FEATURE
                ? into.calibration
                : into.probabilities;
          target[c.value] = (target[c.value] ?? 0) + c.n;
        }
      }
    }
    return {
      model: q.modelName,
      version: profile.modelVersion,
      window: { ...window, rows: all.rows },
      labelled: labelledFigures(all.cells, all.calibration),
      estimated: estimatedFigures(all.probabilities, calibrator),
      hours: [...perHour].map(([hour, h]) => ({
        hour,
        rows: h.rows,
        labelled: labelledFigures(h.cells, h.calibration),
        estimated: estimatedFigures(h.probabilities, calibrator),
      })),
      reference: profile.outcomes.figures,
      calibration: {
        calibrated: profile.calibration.calibrated,
        eceBefore: profile.calibration.eceBefore,
        eceAfter: profile.calibration.eceAfter,
      },
    };
  }
}

interface HourCounts {
  rows: number;
  cells: Record<string, number>;
  probabilities: Record<string, number>;
  calibration: Record<string, number>;
}

const DECISION_CODES: Readonly<Record<string, number>> = { edible: 0, poisonous: 1, uncertain: 2 };

/** CBPE over the roll-up's `<decision>|<hundredths>` counts (null when there is nothing to estimate). */
function estimatedFigures(
  counts: Readonly<Record<string, number>>,
  calibrator: Calibrator | undefined,
): EstimatedFigures | null {
  const p: number[] = [];
  const decisions: number[] = [];
  const weights: number[] = [];
  for (const [key, n] of Object.entries(counts)) {
    const [decision, hundredths] = key.split('|');
    const code = DECISION_CODES[decision];
    if (code === undefined || hundredths === undefined || n <= 0) continue;
    p.push(Number(hundredths) / 100);
    decisions.push(code);
    weights.push(n);
  }
  if (p.length === 0) return null;
  const e = estimatePerformance(p, { decisions, weights, calibrator });
  return {
    estimated: true,
    rows: e.rows,
    accuracy: e.accuracyAnswered,
    poisonousRecall: e.recall,
    falseEdible: e.falseEdible,
  };
}

function predictionDrift(
  profile: ReferenceProfile,
  counts: WindowCounts,
  rows: number,
): DriftReport['prediction'] {
  const current: Record<string, number> = {};
  for (const [k, n] of counts.get(OUTCOME_FEATURE) ?? []) current[k] = n;
  const reference = outcomeShares(profile.outcomes.counts);
  const shares = outcomeShares(current);
  const toSample = (c: Readonly<Record<string, number>>) =>
    sampleOf('categorical', Object.fromEntries(Object.entries(c).map(([k, n]) => [`=${k}`, n])));
  return {
    reference,
    current: shares,
    referenceRows: profile.outcomes.rows,
    drift: rows === 0 ? null : featureDrift(toSample(profile.outcomes.counts), toSample(current)),
    noveltyRise: rows === 0 ? 0 : shares.novel - reference.novel,
  };
}

function checkQuery(q: MonitorQuery): void {
  const bad = (message: string): never => {
    throw new SporeprintError('SP_ERR_BAD_PARAM', message);
  };
  for (const [name, d] of [
    ['from', q.from],
    ['to', q.to],
  ] as const) {
    if (d !== undefined && !(d instanceof Date && Number.isFinite(d.getTime())))
      bad(`${name} is not a valid time`);
  }
  if (q.from !== undefined && q.to !== undefined && q.from.getTime() >= q.to.getTime()) {
    bad(`from (${q.from.toISOString()}) must be before to (${q.to.toISOString()})`);
  }
  if (q.last !== undefined && !(Number.isSafeInteger(q.last) && q.last > 0)) {
    bad(`last must be a positive whole number of predictions, got ${String(q.last)}`);
  }
  if (q.last !== undefined && q.from !== undefined) bad('give either from or last, not both');
  if (q.arm !== undefined && q.experimentId === undefined) bad('arm needs experiment');
}
