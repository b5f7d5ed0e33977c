import { isSporeprintError, SporeprintError } from '../../core/index.js';
import type { FeatureValue } from '../../ml/index.js';
import type { JournalReplay } from './journal-replayer.js';
import { ModelSet, type ModelSetStatus, notLoaded } from './model-set.js';
import { type FieldProblem, parseMushroom } from './parse-mushroom.js';
import { PredictionLogger } from './prediction-logger.js';
import { predictOne, type RequestMeta, ScoredChunk } from './predictor.js';
import {
  type ArmChoice,
  ProductionRouter,
  type Route,
  type RoutedExperiment,
  type Router,
} from './router.js';
import type {
  BatchItem,
  BatchJournal,
  FeedbackSink,
  ModelSource,
  PredictionLogRow,
  PredictionLogSink,
  PredictionResult,
  ServedModel,
} from './serving-types.js';

const PRODUCTION = { kind: 'production' } as const;

/** Records of a batch predicted (and handed to the log) together. */
const BATCH_CHUNK = 1000;

/** Feedback on an unknown id waits up to this long while batch journal entries are pending (ms). */
const FEEDBACK_WAIT_MS = 2_000;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of one prediction call. */
export interface PredictOptions {
  readonly clientId?: string | null;
  /**
   * The unit the router assigns (an experiment's arm is sticky per unit): the client's
   * `X-Client-Id`, else its API key id; null: none (assigned per request). Defaults to `clientId`.
   */
  readonly unit?: string | null;
  readonly explain?: boolean;
  readonly kind?: PredictionLogRow['requestKind'];
  /**
   * Batches: the JSON text the records were read from, as received (the array, or an object holding
   * it as `records`): journaled as it is instead of serialising the records again.
   */
  readonly source?: string;
  /**
   * Batches: checks each record first; a record it returns problems for is reported with them and
   * not parsed (the HTTP API passes the check of its compiled mushroom JSON Schema).
   */
  readonly validate?: (input: unknown, index: number) => readonly FieldProblem[] | null;
}

/** Health of the serving side. */
export interface ServingStatus {
  readonly modelName: string;
  /** The version that answers requests without an experiment (Production). */
  readonly model: {
    readonly version: number;
    readonly artifactSha256: string;
    readonly loadedAt: string;
  } | null;
  readonly lastSwapError: string | null;
  readonly swaps: number;
  /** Every version held, by selector. */
  readonly models: ModelSetStatus;
  /** The running experiment requests are routed by (null: none, Production answers). */
  readonly experiment: RoutedExperiment | null;
}

/** What a {@link ServingService} is built from. */
export interface ServingDeps {
  readonly modelName: string;
  readonly models: ModelSource;
  readonly log: PredictionLogSink;
  readonly feedback: FeedbackSink;
  /** See {@link PredictionLogger}: large durable batches are answered once journaled. */
  readonly journal?: BatchJournal;
  readonly onLogError?: (error: unknown) => void;
  readonly onJournalReplay?: (replay: JournalReplay) => void;
  /** Chooses the version per request (default: always Production). */
  readonly router?: (models: ModelSet) => Router;
  /** Registry poll interval of the model set (ms, default 1000). */
  readonly pollMs?: number;
}

/**
 * The serving seam, put together: the {@link ModelSet} holds and hot-swaps the versions in use, the
 * {@link Router} chooses per request which one answers and which score in shadow, the predictor
 * scores, and the {@link PredictionLogger} logs every prediction with the version that answered and
 * the arm that chose it.
 */
export class ServingService {
  readonly models: ModelSet;
  readonly router: Router;
  readonly logger: PredictionLogger;
  readonly #d: ServingDeps;

  constructor(deps: ServingDeps) {
    this.#d = deps;
    this.models = new ModelSet({ modelName: deps.modelName, source: deps.models, pollMs: deps.pollMs });
    this.router = (deps.router ?? ((m) => new ProductionRouter(m)))(this.models);
    this.logger = new PredictionLogger(deps);
  }

  /**
   * Replays the journal entries left by processes that are gone, loads the versions the router needs
   * and follows registry changes.
   */
  async start(): Promise<void> {
    for (const s of this.router.selectors()) void this.models.want(s);
    await this.logger.start();
    await this.models.start();
    await this.router.start?.();
  }

  /** Stops following registry changes and the journal. */
  stop(): void {
    this.router.stop?.();
    this.models.stop();
    this.logger.stop();
  }

  /** See {@link PredictionLogger.replayJournal}. */
  replayJournal(opts: { readonly all?: boolean } = {}): Promise<JournalReplay> {
    return this.logger.replayJournal(opts);
  }

  /** See {@link PredictionLogger.drain}: call it after `stop`, before closing the log. */
  drain(): Promise<void> {
    return this.logger.drain();
  }

  /** Re-reads the registry now (see {@link ModelSet.refresh}). */
  reload(): Promise<void> {
    return this.models.refresh();
  }

  /** Called after each swap of the Production version (for metrics and tests). */
  onSwap(listener: (m: ServedModel) => void): () => void {
    return this.models.onSwap((key, m) => {
      if (key === 'production' && m !== null) listener(m);
    });
  }

  /** Answered predictions whose log rows are not handed to the log yet (add to its queue depth). */
  get pendingLogRows(): number {
    return this.logger.pendingRows;
  }

  /** True when the version that answers requests without an experiment is loaded. */
  get ready(): boolean {
    return this.models.get({ kind: 'production' }) !== null;
  }

  /** What is being served. */
  status(): ServingStatus {
    const models = this.models.status();
    const prod = models.selectors.find((s) => s.selector === 'production');
    const current = this.models.get({ kind: 'production' });
    return {
      modelName: this.#d.modelName,
      model:
        current === null
          ? null
          : {
              version: current.version,
              artifactSha256: current.artifactSha256,
              loadedAt: prod?.loadedAt ?? '',
            },
      lastSwapError: prod?.lastError ?? null,
      swaps: models.swaps,
      models,
      experiment: this.router.plan?.() ?? null,
    };
  }

  /** The version that answers requests without an experiment (Production), or SP_ERR_NOT_READY. */
  model(): ServedModel {
    const m = this.models.get(PRODUCTION);
    if (m === null) throw notLoaded(this.#d.modelName, PRODUCTION);
    return m;
  }

  /**
   * The loaded model of `version` (the one that answered a request, e.g. an experiment's arm), or
   * null when no selector holds it.
   */
  loaded(version: number): ServedModel | null {
    const production = this.models.get(PRODUCTION);
    if (production?.version === version) return production;
    return this.models.get({ kind: 'version', version });
  }

  /**
   * Classifies one mushroom (an object keyed by feature name) with the version the router chooses;
   * the versions in shadow score it too, after the answer. Invalid input throws SP_ERR_VALIDATION
   * with the field problems in `details.problems`.
   */
  async predict(input: unknown, opts: PredictOptions = {}): Promise<PredictionResult> {
    const meta = metaOf(opts, 'single');
    const route = this.router.route({ unit: unitOf(opts, meta), kind: meta.kind });
    const parsed = parseMushroom(input, route.answer.model.pipeline.schema);
    if (!parsed.ok) {
      throw new SporeprintError('SP_ERR_VALIDATION', parsed.problems.map((p) => p.message).join('; '), {
        problems: parsed.problems,
      });
    }
    const { result, row } = predictOne(route.answer, parsed.values, input, meta, { explain: opts.explain });
    if (route.shadows.length > 0) this.#shadowOne(route, parsed.values, input, meta, result.predictionId);
    await this.logger.logOne(row);
    return result;
  }

  /**
   * Classifies many mushrooms; invalid ones are reported per item without failing the rest. Resolves
   * once the batch is durable (see {@link classifyBatch}).
   */
  async predictBatch(inputs: readonly unknown[], opts: PredictOptions = {}): Promise<BatchItem[]> {
    const { items, durable } = await this.classifyBatch(inputs, opts);
    await durable;
    return items;
  }

  /**
   * {@link predictBatch} in two steps: resolves as soon as every item is answered, with the items,
   * their JSON text (`itemsJson`, `JSON.stringify(items)`), and `durable`, which resolves once the
   * batch is durable (rejects when it could not be made so; see {@link BatchLog} for how). The caller
   * may prepare its response meanwhile but must not send it before `durable` resolves. The valid
   * records are scored together by the pipeline's batch path, in chunks of 1,000, one turn of the
   * event loop each; one route serves the whole request.
   */
  async classifyBatch(
    inputs: readonly unknown[],
    opts: PredictOptions = {},
  ): Promise<{ items: BatchItem[]; itemsJson: string; durable: Promise<void> }> {
    const meta = metaOf(opts, 'batch');
    const route = this.router.route({ unit: unitOf(opts, meta), kind: meta.kind });
    const schema = route.answer.model.pipeline.schema;
    const out = new Array<BatchItem>(inputs.length);
    const log = this.logger.batch(inputs.length, meta);
    for (let start = 0; start < inputs.length; start += BATCH_CHUNK) {
      if (start > 0) await yieldToEventLoop();
      const end = Math.min(start + BATCH_CHUNK, inputs.length);
      const values: FeatureValue[][] = [];
      const at: number[] = [];
      for (let i = start; i < end; i++) {
        const rejected = opts.validate?.(inputs[i], i);
        if (rejected) {
          out[i] = { index: i, ok: false, problems: rejected };
          continue;
        }
        const parsed = parseMushroom(inputs[i], schema);
        if (parsed.ok) {
          values.push(parsed.values);
          at.push(i);
        } else out[i] = { index: i, ok: false, problems: parsed.problems };
      }
      if (values.length === 0) continue;
      const chunk = new ScoredChunk(route.answer, values);
      chunk.answerInto(out, at);
      log.add(chunk, start);
      for (const shadow of route.shadows) {
        if (sameSchema(shadow, route)) log.addShadow(new ScoredChunk(shadow, values), chunk.ids);
      }
    }
    const itemsJson = JSON.stringify(out);
    const durable = log.finish(() => opts.source ?? JSON.stringify(inputs), itemsJson);
    return { items: out, itemsJson, durable };
  }

  /**
   * Records the true class of a logged prediction (idempotent; a different label is a conflict unless
   * `replace`). A prediction of a batch whose rows are still being written (see
   * {@link classifyBatch}) is waited for, up to 2 s.
   */
  async feedback(
    predictionId: string,
    trueLabel: 'e' | 'p',
    source?: string,
    replace?: boolean,
  ): Promise<'created' | 'unchanged' | 'replaced'> {
    const record = () => this.#d.feedback.record({ predictionId, trueLabel, source, replace });
    const deadline = Date.now() + FEEDBACK_WAIT_MS;
    let waitedHere = false;
    for (;;) {
      try {
        return await record();
      } catch (e) {
        if (!isSporeprintError(e) || e.code !== 'SP_ERR_NOT_FOUND') throw e;
        if (!waitedHere && this.logger.busy) {
          // the batches this process answered and is still logging
          waitedHere = true;
          await this.logger.settled();
          continue;
        }
        // another process's batch, journaled and still being written
        const journal = this.logger.journal;
        if (journal === undefined || Date.now() >= deadline || (await journal.entries.count()) === 0) throw e;
        await sleep(50);
      }
    }
  }

  /** Scores one mushroom with each shadow version and logs it after the answer; never throws. */
  #shadowOne(
    route: Route,
    values: FeatureValue[],
    input: unknown,
    meta: RequestMeta,
    answered: string,
  ): void {
    const rows: PredictionLogRow[] = [];
    for (const shadow of route.shadows) {
      if (!sameSchema(shadow, route)) continue;
      try {
        rows.push(predictOne(shadow, values, input, meta, { shadowOf: answered }).row);
      } catch (e) {
        this.#d.onLogError?.(
          new Error(`shadow version ${shadow.model.version} failed: ${(e as Error).message}`),
        );
      }
    }
    this.logger.logShadows(rows);
  }
}

/** A shadow scores the parsed values of the answer only when both read the same dataset schema. */
const sameSchema = (shadow: ArmChoice, route: Route): boolean =>
  shadow.model.pipeline.schema.name === route.answer.model.pipeline.schema.name;

/** The unit the router assigns: `opts.unit` when given (null: none, per request), else the client. */
const unitOf = (opts: PredictOptions, meta: RequestMeta): string | null =>
  opts.unit === undefined ? meta.clientId : opts.unit;

const metaOf = (opts: PredictOptions, kind: PredictionLogRow['requestKind']): RequestMeta => ({
  clientId: opts.clientId ?? null,
  kind: opts.kind ?? kind,
});
