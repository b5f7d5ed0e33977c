/**
 * The versions of one registered model that a server holds in memory: loaded, SHA-256 verified and
 * swapped atomically when the registry changes.
 */
import { SporeprintError } from '../../core/index.js';
import { Follower } from './follower.js';
import type { ModelSelector, ModelSource, ServedModel } from './serving-types.js';

/** How often the registry is read for changes when no event arrives (ms). */
const DEFAULT_POLL_MS = 1000;

/** A stable text key of a selector: `production`, `alias:<name>` or `version:<n>`. */
export function selectorKey(selector: ModelSelector): string {
  switch (selector.kind) {
    case 'production':
      return 'production';
    case 'alias':
      return `alias:${selector.alias}`;
    case 'version':
      return `version:${selector.version}`;
  }
}

/** What one selector of a {@link ModelSet} holds now. */
export interface SelectorStatus {
  readonly selector: string;
  readonly version: number | null;
  readonly artifactSha256: string | null;
  readonly loadedAt: string | null;
  /** Why the last refresh could not load what the selector names (the held version still serves). */
  readonly lastError: string | null;
}

/** What a {@link ModelSet} holds: one entry per selector in use, and the swaps so far. */
export interface ModelSetStatus {
  readonly modelName: string;
  readonly selectors: readonly SelectorStatus[];
  /** Distinct versions loaded in memory (a version named by two selectors is held once). */
  readonly versionsLoaded: number;
  readonly swaps: number;
}

/** Options of a {@link ModelSet}. */
export interface ModelSetOptions {
  /** The registered model whose versions are held. */
  readonly modelName: string;
  readonly source: ModelSource;
  /** Registry poll interval (ms), in addition to change events; default 1000. */
  readonly pollMs?: number;
}

interface Binding {
  readonly selector: ModelSelector;
  model: ServedModel | null;
  loadedAt: Date | null;
  error: string | null;
}

/**
 * Holds the versions a server needs — its Production version, aliases, explicit versions (the arms
 * of an experiment) — by selector, with one cache: a version named by several selectors is loaded
 * once. {@link refresh} resolves every selector against the registry and swaps in the versions that
 * changed, loading and verifying a new artifact before the swap, so a request never sees a
 * half-loaded model and in-flight requests finish on the model they started with. A version no
 * selector names any more leaves the cache. When the registry says a selector names nothing (no
 * Production any more: it was archived), the selector is emptied and requests for it get
 * SP_ERR_NOT_READY; when the registry cannot be read or an artifact fails to load, the held version
 * keeps serving and the error is reported in {@link status}.
 *
 * {@link start} follows the registry: change events from any process (through the source) and a
 * poll every second.
 */
export class ModelSet {
  readonly #name: string;
  readonly #source: ModelSource;
  readonly #pollMs: number;
  readonly #bindings = new Map<string, Binding>();
  readonly #swapListeners = new Set<(key: string, model: ServedModel | null) => void>();
  #swaps = 0;
  readonly #follower = new Follower(async () => {
    for (const [key, binding] of [...this.#bindings]) await this.#refreshOne(key, binding);
  });

  constructor(options: ModelSetOptions) {
    this.#name = options.modelName;
    this.#source = options.source;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** The registered model whose versions are held. */
  get modelName(): string {
    return this.#name;
  }

  /**
   * Asks the set to hold what `selector` names (loaded on the next {@link refresh}, which this
   * starts); idempotent.
   */
  want(selector: ModelSelector): Promise<void> {
    const key = selectorKey(selector);
    if (!this.#bindings.has(key)) {
      this.#bindings.set(key, { selector, model: null, loadedAt: null, error: null });
    }
    return this.refresh();
  }

  /** No longer holds `selector`; its version leaves memory unless another selector names it. */
  release(selector: ModelSelector): void {
    this.#bindings.delete(selectorKey(selector));
  }

  /** The model `selector` names, or null when it is not loaded (unknown, none, or still loading). */
  get(selector: ModelSelector): ServedModel | null {
    return this.#bindings.get(selectorKey(selector))?.model ?? null;
  }

  /** The model of a binding key (see {@link selectorKey}), or null. */
  getByKey(key: string): ServedModel | null {
    return this.#bindings.get(key)?.model ?? null;
  }

  /** Called after each swap of a selector's model (null: the selector names nothing any more). */
  onSwap(listener: (key: string, model: ServedModel | null) => void): () => void {
    this.#swapListeners.add(listener);
    return () => this.#swapListeners.delete(listener);
  }

  /** Follows the registry (events and a poll) and loads every wanted selector. */
  async start(): Promise<void> {
    this.#follower.follow(this.#pollMs, (wake) =>
      this.#source.onChange((name) => {
        if (name === this.#name) wake();
      }),
    );
    await this.refresh();
  }

  /** Stops following the registry (the held models stay). */
  stop(): void {
    this.#follower.stop();
  }

  /**
   * Resolves every selector against the registry and swaps in what changed. Concurrent calls
   * coalesce into one more pass; never rejects (failures are kept per selector, see {@link status}).
   */
  refresh(): Promise<void> {
    return this.#follower.refresh();
  }

  /** What each selector holds. */
  status(): ModelSetStatus {
    const versions = new Set<number>();
    const selectors: SelectorStatus[] = [];
    for (const [key, b] of this.#bindings) {
      if (b.model !== null) versions.add(b.model.version);
      selectors.push({
        selector: key,
        version: b.model?.version ?? null,
        artifactSha256: b.model?.artifactSha256 ?? null,
        loadedAt: b.loadedAt?.toISOString() ?? null,
        lastError: b.error,
      });
    }
    return { modelName: this.#name, selectors, versionsLoaded: versions.size, swaps: this.#swaps };
  }

  async #refreshOne(key: string, binding: Binding): Promise<void> {
    try {
      const ref = await this.#source.resolve(this.#name, binding.selector);
      const held = binding.model;
      if (ref === null) {
        binding.error = null;
        if (held !== null) this.#swap(key, binding, null);
        return;
      }
      if (held !== null && held.version === ref.version && held.artifactSha256 === ref.artifactSha256) {
        binding.error = null;
        return;
      }
      const next =
        this.#cached(ref.version, ref.artifactSha256) ?? (await this.#source.load(this.#name, ref));
      if (this.#bindings.get(key) !== binding) return; // released meanwhile
      binding.error = null;
      this.#swap(key, binding, next);
    } catch (e) {
      // keep serving the verified model held; report why the swap failed
      binding.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** A loaded model of that version and artifact held by any selector (the one cache). */
  #cached(version: number, sha: string): ServedModel | null {
    for (const b of this.#bindings.values()) {
      if (b.model !== null && b.model.version === version && b.model.artifactSha256 === sha) return b.model;
    }
    return null;
  }

  #swap(key: string, binding: Binding, next: ServedModel | null): void {
    binding.model = next;
    binding.loadedAt = next === null ? null : new Date();
    this.#swaps++;
    for (const l of this.#swapListeners) l(key, next);
  }
}

/** SP_ERR_NOT_READY for a selector that holds no model. */
export function notLoaded(modelName: string, selector: ModelSelector): SporeprintError {
  const what =
    selector.kind === 'production'
      ? `no Production model of '${modelName}' is loaded: train and promote one (sporeprint train --register; sporeprint models promote)`
      : selector.kind === 'alias'
        ? `alias '${selector.alias}' of '${modelName}' names no loaded version`
        : `version ${selector.version} of '${modelName}' is not loaded`;
  return new SporeprintError('SP_ERR_NOT_READY', what);
}
