import type {
  ExperimentRecord,
  ModelVersionRecord,
  PipelineRunRecord,
  PipelineTaskRecord,
  PredictionRepository,
  RegisteredModelRecord,
} from '../../storage/index.js';
import type { AlertView } from '../monitoring/alerts/index.js';
import type {
  Overview,
  OverviewAlert,
  OverviewExperiment,
  OverviewFigures,
  OverviewMinute,
  OverviewModel,
  OverviewPipelineRun,
  OverviewPredictions,
} from './overview-types.js';

/** What the Overview reads; each source but the registry and the prediction log may be absent. */
export interface OverviewDeps {
  readonly registry: {
    list(): Promise<readonly RegisteredModelRecord[]>;
    version(name: string, version: number): Promise<ModelVersionRecord>;
  };
  readonly predictions: Pick<PredictionRepository, 'decisionsByMinute'>;
  readonly experiments?: {
    list(filter: { statuses: readonly ('running' | 'paused')[] }): Promise<readonly ExperimentRecord[]>;
  } | null;
  readonly alerts?: { list(): Promise<{ readonly alerts: readonly AlertView[] }> } | null;
  readonly pipelines?: {
    activeRuns(limit?: number): Promise<readonly PipelineRunRecord[]>;
    tasks(runId: string): Promise<readonly PipelineTaskRecord[]>;
  } | null;
  /** Default: the clock. */
  readonly now?: () => Date;
}

/** How far back the Overview counts predictions. */
export const OVERVIEW_WINDOW_MINUTES = 60;
/** Pipeline runs in progress the Overview lists at most. */
const MAX_RUNS = 20;

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const numberOr = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** The test-split figures a version was registered with (`metrics.test`), or null. */
export function testFigures(metrics: unknown): OverviewFigures | null {
  const t = (metrics as { test?: Record<string, unknown> } | null | undefined)?.test;
  if (t === undefined || t === null || typeof t !== 'object') return null;
  return {
    recall: numberOr(t.recall),
    falseEdible: numberOr(t.falseEdible),
    accuracy: numberOr(t.accuracy),
    n: numberOr(t.n),
  };
}

/**
 * Reads the Overview of the dashboard: each registered model with its Production version's figures,
 * running and paused experiments, pending and firing alerts, pipeline runs in progress and the last
 * hour of answered predictions per minute and decision. A source that fails leaves its part empty and
 * names the failure in `problems` (the rest is still shown).
 */
export class OverviewService {
  readonly #d: OverviewDeps;

  constructor(deps: OverviewDeps) {
    this.#d = deps;
  }

  /** The Overview now. */
  async read(): Promise<Overview> {
    const now = (this.#d.now ?? (() => new Date()))();
    const problems: string[] = [];
    const part = async <T>(name: string, read: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await read();
      } catch (e) {
        problems.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
        return fallback;
      }
    };
    const { experiments, alerts, pipelines } = this.#d;
    const [models, exps, alertParts, runs, predictions] = await Promise.all([
      part('models', () => this.#models(), []),
      experiments ? part('experiments', () => this.#experiments(), []) : null,
      alerts ? part('alerts', () => this.#alerts(), { firing: [], pending: [] }) : null,
      pipelines ? part('pipelines', () => this.#pipelines(), []) : null,
      part('predictions', () => this.#predictions(now), emptyPredictions(now)),
    ]);
    return {
      at: now.toISOString(),
      models,
      experiments: exps,
      alerts: alertParts,
      pipelines: runs,
      predictions,
      problems,
    };
  }

  async #models(): Promise<OverviewModel[]> {
    const list = await this.#d.registry.list();
    return Promise.all(
      list.map(async (m) => ({
        name: m.name,
        latestVersion: m.latestVersion,
        productionVersion: m.productionVersion,
        figures:
          m.productionVersion === null
            ? null
            : testFigures((await this.#d.registry.version(m.name, m.productionVersion)).metrics),
      })),
    );
  }

  async #experiments(): Promise<OverviewExperiment[]> {
    const list = (await this.#d.experiments?.list({ statuses: ['running', 'paused'] })) ?? [];
    return list.map((e) => ({
      id: e.id,
      modelName: e.modelName,
      status: e.status,
      description: e.description,
      arms: e.arms.map(({ name, version, role, weight }) => ({ name, version, role, weight })),
      startedAt: iso(e.startedAt),
      statusReason: e.statusReason,
    }));
  }

  async #alerts(): Promise<{ firing: OverviewAlert[]; pending: OverviewAlert[] }> {
    const { alerts } = (await this.#d.alerts?.list()) ?? { alerts: [] };
    const view = (a: AlertView): OverviewAlert => ({
      fingerprint: a.fingerprint,
      ruleName: a.ruleName,
      state: a.state,
      severity: a.labels.severity ?? 'warning',
      summary: a.annotations.summary ?? a.ruleName,
      value: a.value,
      since: (a.firedAt ?? a.activeAt).toISOString(),
      silencedBy: [...a.silencedBy],
    });
    return {
      firing: alerts.filter((a) => a.state === 'firing').map(view),
      pending: alerts.filter((a) => a.state === 'pending').map(view),
    };
  }

  async #pipelines(): Promise<OverviewPipelineRun[]> {
    const source = this.#d.pipelines;
    if (!source) return [];
    const runs = await source.activeRuns(MAX_RUNS);
    return Promise.all(
      runs.map(async (r) => {
        const tasks = await source.tasks(r.id);
        const count = (...states: string[]) => tasks.filter((t) => states.includes(t.state)).length;
        return {
          id: r.id,
          pipeline: r.pipeline,
          state: r.state,
          startedAt: iso(r.startedAt),
          tasks: {
            total: tasks.length,
            succeeded: count('succeeded'),
            running: count('running', 'queued', 'retrying'),
            failed: count('failed', 'upstream_failed'),
          },
          pausedReason: r.pausedReason,
        };
      }),
    );
  }

  async #predictions(now: Date): Promise<OverviewPredictions> {
    const since = new Date(now.getTime() - OVERVIEW_WINDOW_MINUTES * 60_000);
    const counts = await this.#d.predictions.decisionsByMinute({ since, until: now });
    const minutes = new Map<string, { edible: number; poisonous: number; uncertain: number }>();
    const decisions = { edible: 0, poisonous: 0, uncertain: 0 };
    for (const c of counts) {
      let m = minutes.get(c.minute);
      if (m === undefined) {
        m = { edible: 0, poisonous: 0, uncertain: 0 };
        minutes.set(c.minute, m);
      }
      m[c.decision] += c.n;
      decisions[c.decision] += c.n;
    }
    // the current minute and the four before it
    const recent = new Date(now.getTime() - 4 * 60_000).toISOString().slice(0, 16);
    let lastFive = 0;
    const list: OverviewMinute[] = [];
    for (const [minute, m] of minutes) {
      list.push({ minute, ...m });
      if (minute.slice(0, 16) >= recent) lastFive += m.edible + m.poisonous + m.uncertain;
    }
    return {
      from: since.toISOString(),
      to: now.toISOString(),
      total: decisions.edible + decisions.poisonous + decisions.uncertain,
      decisions,
      perMinute: lastFive / 5,
      minutes: list,
    };
  }
}

function emptyPredictions(now: Date): OverviewPredictions {
  return {
    from: new Date(now.getTime() - OVERVIEW_WINDOW_MINUTES * 60_000).toISOString(),
    to: now.toISOString(),
    total: 0,
    decisions: { edible: 0, poisonous: 0, uncertain: 0 },
    perMinute: 0,
    minutes: [],
  };
}
