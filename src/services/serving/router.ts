/**
 * Which loaded version answers a request, and which others score it in shadow.
 */
import { type ModelSet, notLoaded } from './model-set.js';
import type { ModelSelector, PredictionLogRow, ServedModel } from './serving-types.js';

/** What a router knows of a request when it chooses. */
export interface RouteContext {
  /**
   * The unit of assignment: the client (its `X-Client-Id`, API key id or address); null when the
   * request names none (then a router assigns per request).
   */
  readonly unit: string | null;
  readonly kind: PredictionLogRow['requestKind'];
}

/** A version chosen for a request, and what chose it. */
export interface ArmChoice {
  readonly model: ServedModel;
  /** The experiment arm that chose this version; null when no experiment is running. */
  readonly arm: string | null;
  /** The experiment the arm belongs to; null when no experiment is running. */
  readonly experimentId: string | null;
}

/** The versions of one request: one answers, the shadows score a copy and are never returned. */
export interface Route {
  readonly answer: ArmChoice;
  readonly shadows: readonly ArmChoice[];
}

/**
 * Chooses, per request, the version that answers and the versions that score in shadow. `route` is
 * called for every request: it must be synchronous and cheap (no I/O, no allocation on the common
 * path), and throws SP_ERR_NOT_READY when the version it chooses is not loaded.
 */
export interface Router {
  /** The versions this router may choose: the server keeps them loaded in its model set. */
  selectors(): readonly ModelSelector[];
  route(context: RouteContext): Route;
  /**
   * Optional: starts following what the router routes by (e.g. the running experiment); called by
   * the serving service once its model set is started.
   */
  start?(): Promise<void>;
  /** Optional: stops following (called by the serving service's stop). */
  stop?(): void;
  /** Optional: the experiment routed by now (null: none), for the serving status. */
  plan?(): RoutedExperiment | null;
}

/** The experiment a router routes by, as the serving status reports it. */
export interface RoutedExperiment {
  readonly experimentId: string;
  readonly assignment: 'request' | 'client';
  readonly arms: readonly {
    readonly name: string;
    readonly version: number;
    readonly role: 'control' | 'challenger' | 'shadow';
    readonly weight: number;
  }[];
}

const PRODUCTION: ModelSelector = { kind: 'production' };

/** Every request is answered by the Production version, with no shadow (no experiment running). */
export class ProductionRouter implements Router {
  readonly #models: ModelSet;
  #model: ServedModel | null = null;
  #route: Route | null = null;

  constructor(models: ModelSet) {
    this.#models = models;
  }

  selectors(): readonly ModelSelector[] {
    return [PRODUCTION];
  }

  route(_context: RouteContext): Route {
    const model = this.#models.get(PRODUCTION);
    if (model === null) throw notLoaded(this.#models.modelName, PRODUCTION);
    // one route object per loaded model: nothing allocated per request
    if (model !== this.#model || this.#route === null) {
      this.#model = model;
      this.#route = { answer: { model, arm: null, experimentId: null }, shadows: [] };
    }
    return this.#route;
  }
}
