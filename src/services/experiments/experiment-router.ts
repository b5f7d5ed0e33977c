/**
 * The serving router of A/B experiments: follows the running experiment of the served model and
 * routes each request to an arm by the deterministic assignment of its unit.
 */
import type { ExperimentArm, ExperimentRecord } from '../../storage/index.js';
import { Follower } from '../serving/follower.js';
import { type ModelSet, notLoaded } from '../serving/model-set.js';
import type { ArmChoice, Route, RouteContext, RoutedExperiment, Router } from '../serving/router.js';
import type { ModelSelector } from '../serving/serving-types.js';
import { ArmRanges, experimentSeed, unitPoint } from './assignment.js';

/** The running experiment of a model, or null (e.g. `storage.experiments.running`). */
export type RunningExperimentSource = (modelName: string) => Promise<ExperimentRecord | null>;

/** Options of an {@link ExperimentRouter}. */
export interface ExperimentRouterOptions {
  /** Where the running experiment is read (polled, and re-read on change events). */
  readonly source: RunningExperimentSource;
  /** Poll interval (ms, default 1000). */
  readonly pollMs?: number;
  /** Announces that a model's experiments may have changed (from any process); returns unsubscribe. */
  readonly onChange?: (listener: (modelName: string) => void) => () => void;
  /** Why a plan could not be read or switched to (the current plan keeps routing). */
  readonly onError?: (error: unknown) => void;
  /** The point in [0, 1) of a request assigned on its own (default Math.random). */
  readonly random?: () => number;
}

const PRODUCTION: ModelSelector = { kind: 'production' };
const versionSelector = (version: number): ModelSelector => ({ kind: 'version', version });
const keyOf = (version: number): string => `version:${version}`;

/** A running experiment made ready to route: one prebuilt route per traffic arm. */
interface Plan {
  readonly record: ExperimentRecord;
  readonly signature: string;
  readonly seed: number;
  readonly perClient: boolean;
  readonly traffic: readonly ExperimentArm[];
  readonly shadowArms: readonly ExperimentArm[];
  readonly ranges: ArmRanges;
  /** One route per traffic arm; null while an arm's version is not loaded (Production answers). */
  routes: Route[] | null;
}

/** What decides a plan: a change of any of these is a new plan. */
const signatureOf = (r: ExperimentRecord): string =>
  `${r.id}|${r.assignment}|${r.arms.map((a) => `${a.name}:${a.version}:${a.role}:${a.weight}`).join(',')}`;

const versionsOf = (r: ExperimentRecord | null): Set<number> => new Set(r?.arms.map((a) => a.version) ?? []);

/**
 * Routes by the model's running experiment: the unit's arm (control or a challenger, by weight)
 * answers, every shadow arm scores a copy. Without a running experiment (none, paused, stopped) it
 * answers with Production, as {@link ProductionRouter}.
 *
 * The plan is re-read every second and on change events; the versions of a new plan are loaded into
 * the model set first (`want`), and the router switches to the plan only once all are loaded, so a
 * switch never answers 503. Versions no plan needs any more are released. Assignment: per client
 * (the request's unit: `X-Client-Id`, else its API key id) by {@link unitPoint}, the same in every
 * process; per request (or a request with no unit) by a fresh random point, which is what hashing a
 * fresh random unit gives, without making one.
 */
export class ExperimentRouter implements Router {
  readonly #models: ModelSet;
  readonly #o: ExperimentRouterOptions;
  readonly #random: () => number;
  #plan: Plan | null = null;
  #production: { model: ArmChoice['model']; route: Route } | null = null;
  /** The versions this router asked the model set to hold. */
  readonly #wanted = new Set<number>();
  readonly #follower = new Follower(async () => {
    try {
      await this.#refreshOnce();
    } catch (e) {
      this.#o.onError?.(e);
    }
  });
  #unswap: (() => void) | null = null;

  constructor(models: ModelSet, options: ExperimentRouterOptions) {
    this.#models = models;
    this.#o = options;
    this.#random = options.random ?? Math.random;
  }

  selectors(): readonly ModelSelector[] {
    return [PRODUCTION];
  }

  route(context: RouteContext): Route {
    const plan = this.#plan;
    if (plan === null || plan.routes === null) return this.#productionRoute();
    const u = plan.perClient && context.unit !== null ? unitPoint(plan.seed, context.unit) : this.#random();
    return plan.routes[plan.ranges.pick(u)];
  }

  /** The experiment routed by now (null: Production answers everything). */
  plan(): RoutedExperiment | null {
    const p = this.#plan;
    if (p === null || p.routes === null) return null;
    return { experimentId: p.record.id, assignment: p.record.assignment, arms: p.record.arms };
  }

  /** Reads the running experiment, then follows it: change events and a poll. */
  async start(): Promise<void> {
    this.#unswap ??= this.#models.onSwap((key) => this.#onSwap(key));
    const { onChange } = this.#o;
    this.#follower.follow(
      this.#o.pollMs ?? 1000,
      onChange &&
        ((wake) =>
          onChange((name) => {
            if (name === this.#models.modelName) wake();
          })),
    );
    await this.refresh();
  }

  /** Stops following (the current plan keeps routing). */
  stop(): void {
    this.#follower.stop();
    this.#unswap?.();
    this.#unswap = null;
  }

  /**
   * Re-reads the running experiment and switches to it once its versions are loaded. Concurrent
   * calls coalesce into one more pass; never rejects (failures go to `onError`, the plan held keeps
   * routing).
   */
  refresh(): Promise<void> {
    return this.#follower.refresh();
  }

  async #refreshOnce(): Promise<void> {
    const read = await this.#o.source(this.#models.modelName);
    const target = read !== null && read.status === 'running' ? read : null;
    const signature = target === null ? null : signatureOf(target);
    if (signature === (this.#plan?.signature ?? null)) return;
    if (target === null) {
      this.#plan = null;
      this.#releaseAllBut(new Set());
      return;
    }
    const next = makePlan(target, signature as string);
    const versions = versionsOf(target);
    for (const v of versions) this.#wanted.add(v);
    await Promise.all([...versions].map((v) => this.#models.want(versionSelector(v))));
    const missing = [...versions].filter((v) => this.#models.get(versionSelector(v)) === null);
    if (missing.length > 0) {
      // the held plan keeps routing; the model set retries on its poll, this router on its own
      throw new Error(
        `experiment '${target.id}': version(s) ${missing.join(', ')} of '${this.#models.modelName}' not loaded yet; still routing by the previous plan`,
      );
    }
    next.routes = this.#routesOf(next);
    this.#plan = next;
    this.#releaseAllBut(versions);
  }

  /** Releases the versions this router wanted that `keep` does not hold. */
  #releaseAllBut(keep: Set<number>): void {
    for (const v of [...this.#wanted]) {
      if (keep.has(v)) continue;
      this.#wanted.delete(v);
      this.#models.release(versionSelector(v));
    }
  }

  /** The routes of a plan from the loaded models; null when a traffic arm's version is not loaded. */
  #routesOf(plan: Plan): Route[] | null {
    const experimentId = plan.record.id;
    const shadows: ArmChoice[] = [];
    for (const arm of plan.shadowArms) {
      const model = this.#models.get(versionSelector(arm.version));
      if (model !== null) shadows.push({ model, arm: arm.name, experimentId });
    }
    const routes: Route[] = [];
    for (const arm of plan.traffic) {
      const model = this.#models.get(versionSelector(arm.version));
      if (model === null) return null;
      routes.push({ answer: { model, arm: arm.name, experimentId }, shadows });
    }
    return routes;
  }

  /** A version of the plan was swapped (or emptied): its routes are rebuilt. */
  #onSwap(key: string): void {
    const plan = this.#plan;
    if (plan === null || !plan.record.arms.some((a) => keyOf(a.version) === key)) return;
    plan.routes = this.#routesOf(plan);
  }

  #productionRoute(): Route {
    const model = this.#models.get(PRODUCTION);
    if (model === null) throw notLoaded(this.#models.modelName, PRODUCTION);
    if (this.#production === null || this.#production.model !== model) {
      this.#production = {
        model,
        route: { answer: { model, arm: null, experimentId: null }, shadows: [] },
      };
    }
    return this.#production.route;
  }
}

/** The plan of a running experiment (routes built once its versions are loaded). */
function makePlan(record: ExperimentRecord, signature: string): Plan {
  const traffic = record.arms.filter((a) => a.role !== 'shadow' && a.weight > 0);
  const shadowArms = record.arms.filter((a) => a.role === 'shadow');
  if (traffic.length === 0) {
    throw new Error(`experiment '${record.id}' has no arm with a positive weight to answer requests`);
  }
  return {
    record,
    signature,
    seed: experimentSeed(record.id),
    perClient: record.assignment === 'client',
    traffic,
    shadowArms,
    ranges: new ArmRanges(traffic.map((a) => a.weight)),
    routes: null,
  };
}
