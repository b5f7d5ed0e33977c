import { SporeprintError } from '../../core/index.js';
import type { FeatureValue, PipelinePrediction } from '../../ml/index.js';
import { mushroomJson, parseMushroom } from './parse-mushroom.js';
import type {
  BatchItem,
  FeedbackSink,
  ModelSource,
  PredictionLogChunk,
  PredictionLogRow,
  PredictionLogSink,
  PredictionResult,
  ServedModel,
} from './serving-types.js';
import { uuidv7, uuidv7Many } from './uuid-v7.js';

/** Records of a batch predicted (and handed to the log) together. */
const BATCH_CHUNK = 1000;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Options of one prediction call. */
export interface PredictOptions {
  readonly clientId?: string | null;
  readonly explain?: boolean;
  readonly kind?: PredictionLogRow['requestKind'];
}

/** Health of the serving side. */
export interface ServingStatus {
  readonly modelName: string;
  readonly model: {
    readonly version: number;
    readonly artifactSha256: string;
    readonly loadedAt: string;
  } | null;
  readonly lastSwapError: string | null;
  readonly swaps: number;
}

/**
 * Classifies mushrooms with the Production model and logs every prediction. The model is swapped
 * atomically when Production changes: the new artifact is loaded and verified first, so requests
 * never see a half-loaded model, and in-flight requests finish on the model they started with.
 */
export class ServingService {
  private current: ServedModel | null = null;
  private loadedAt: Date | null = null;
  private swapError: string | null = null;
  private swapCount = 0;
  private unsubscribe: (() => void) | null = null;
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  private readonly swapListeners = new Set<(m: ServedModel) => void>();
  /** Async log mode: batches answered whose rows are still being handed to the log. */
  private readonly deferred = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      readonly modelName: string;
      readonly models: ModelSource;
      readonly log: PredictionLogSink;
      readonly feedback: FeedbackSink;
      /** Told when the rows of a batch answered in async log mode could not be handed to the log. */
      readonly onLogError?: (error: unknown) => void;
    },
  ) {}

  /** Loads the Production model and follows registry changes. */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.models.onChange((name) => {
      if (name === this.deps.modelName) void this.reload();
    });
    await this.reload();
  }

  /** Stops following registry changes. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /**
   * Resolves once the rows of every batch already answered are in the log (async log mode hands them
   * over after the answer). Call it before closing the log.
   */
  async drain(): Promise<void> {
    while (this.deferred.size > 0) await Promise.allSettled([...this.deferred]);
  }

  /** Called after each successful swap (for metrics and tests). */
  onSwap(listener: (m: ServedModel) => void): () => void {
    this.swapListeners.add(listener);
    return () => this.swapListeners.delete(listener);
  }

  /** Re-reads Production; concurrent calls coalesce into one extra reload. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        try {
          const next = await this.deps.models.loadProduction(this.deps.modelName);
          if (
            next &&
            (this.current === null ||
              next.artifactSha256 !== this.current.artifactSha256 ||
              next.version !== this.current.version)
          ) {
            this.current = next;
            this.loadedAt = new Date();
            this.swapCount++;
            for (const l of this.swapListeners) l(next);
          }
          this.swapError = null;
        } catch (e) {
          // keep serving the verified model we have; report why the swap failed
          this.swapError = (e as Error).message;
        }
      } while (this.reloadAgain);
    })().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  /** True when a verified model is loaded. */
  get ready(): boolean {
    return this.current !== null;
  }

  /** What is being served. */
  status(): ServingStatus {
    return {
      modelName: this.deps.modelName,
      model: this.current
        ? {
            version: this.current.version,
            artifactSha256: this.current.artifactSha256,
            loadedAt: this.loadedAt!.toISOString(),
          }
        : null,
      lastSwapError: this.swapError,
      swaps: this.swapCount,
    };
  }

  /** The loaded model, or SP_ERR_NOT_READY. */
  model(): ServedModel {
    if (this.current === null) {
      throw new SporeprintError(
        'SP_ERR_NOT_READY',
        `no Production model of '${this.deps.modelName}' is loaded yet: train and promote one (sporeprint train --register; sporeprint models promote)`,
      );
    }
    return this.current;
  }

  /**
   * Classifies one mushroom (an object keyed by feature name). Invalid input throws
   * SP_ERR_VALIDATION with the field problems in `details.problems`.
   */
  async predict(input: unknown, opts: PredictOptions = {}): Promise<PredictionResult> {
    const model = this.model();
    const parsed = parseMushroom(input, model.pipeline.schema);
    if (!parsed.ok) {
      throw new SporeprintError('SP_ERR_VALIDATION', parsed.problems.map((p) => p.message).join('; '), {
        problems: parsed.problems,
      });
    }
    return this.predictValues(model, parsed.values, input, opts);
  }

  /**
   * Classifies many mushrooms; invalid ones are reported per item without failing the rest. The
   * valid ones are scored together by the pipeline's batch path, in chunks: each chunk's rows go to
   * the log (as one chunk of columns, see `PredictionLogChunk`) before the next chunk is parsed, so
   * a log that writes off the event loop commits one chunk while the next is being predicted. The
   * answer waits until every row is durable.
   */
  async predictBatch(inputs: readonly unknown[], opts: PredictOptions = {}): Promise<BatchItem[]> {
    const { items, durable } = await this.classifyBatch(inputs, opts);
    await durable;
    return items;
  }

  /**
   * {@link predictBatch} in two steps: resolves as soon as every item is answered and handed to the
   * log, with `durable`, which resolves once every row is committed (rejects when one could not be).
   * The caller may prepare its response meanwhile but must not send it before `durable` resolves.
   * Chunks are logged as they are predicted: if a later chunk fails (the log closed at shutdown, say),
   * the request fails while the earlier chunks' predictions stay in the log — logged, never lost.
   *
   * With a log in async mode, which acknowledges rows before writing them anyway, the rows (their
   * input and output JSON texts) are built and handed to the log after the answer, in the turns that
   * follow it: the answer no longer waits for that work. {@link drain} waits for it.
   */
  async classifyBatch(
    inputs: readonly unknown[],
    opts: PredictOptions = {},
  ): Promise<{ items: BatchItem[]; durable: Promise<void> }> {
    const model = this.model();
    const kind = opts.kind ?? 'batch';
    const clientId = opts.clientId ?? null;
    const out = new Array<BatchItem>(inputs.length);
    const writes: Promise<void>[] = [];
    const afterAnswer = this.deps.log.mode === 'async';
    const later: (() => PredictionLogChunk)[] = [];
    for (let start = 0; start < inputs.length; start += BATCH_CHUNK) {
      if (start > 0) await yieldToEventLoop();
      const end = Math.min(start + BATCH_CHUNK, inputs.length);
      const t0 = performance.now();
      const values: FeatureValue[][] = [];
      const at: number[] = [];
      for (let i = start; i < end; i++) {
        const parsed = parseMushroom(inputs[i], model.pipeline.schema);
        if (parsed.ok) {
          values.push(parsed.values);
          at.push(i);
        } else out[i] = { index: i, ok: false, problems: parsed.problems };
      }
      const predictions = model.pipeline.predictMany(values);
      const latencyUs = Math.round(((performance.now() - t0) * 1000) / Math.max(1, values.length));
      const createdAt = new Date();
      const ref = modelRef(model);
      const ids = uuidv7Many(values.length);
      const warned = new Array<readonly string[]>(values.length);
      for (let k = 0; k < values.length; k++) {
        const i = at[k];
        warned[k] = model.pipeline.rangeWarnings(values[k]);
        out[i] = answer(ref, ids[k], predictions[k], warned[k], i);
      }
      if (values.length === 0) continue;
      // the chunk's log rows as columns: no object per prediction
      const chunkOf = (): PredictionLogChunk => {
        const m = values.length;
        const inputJson = new Array<string>(m);
        const outputs = new Array<string>(m);
        const decisions = new Array<PipelinePrediction['decision']>(m);
        const probabilities = new Float64Array(m);
        const schema = model.pipeline.schema;
        for (let k = 0; k < m; k++) {
          const p = predictions[k];
          inputJson[k] = mushroomJson(values[k], schema);
          outputs[k] = outputJson(p, warned[k]);
          decisions[k] = p.decision;
          probabilities[k] = p.probability;
        }
        return {
          ids,
          createdAt,
          modelName: model.name,
          modelVersion: model.version,
          arm: null,
          clientId,
          inputJson,
          outputJson: outputs,
          decisions,
          probabilities,
          latencyUs,
          requestKind: kind,
        };
      };
      if (afterAnswer) {
        later.push(chunkOf);
        continue;
      }
      const write = this.deps.log.appendChunk(chunkOf());
      // a failure is reported through `durable`; keep it from being an unhandled rejection meanwhile
      write.catch(() => {});
      writes.push(write);
    }
    if (later.length > 0) this.logAfterAnswer(later);
    return { items: out, durable: Promise.all(writes).then(() => undefined) };
  }

  /**
   * Async log mode: builds the rows of an answered batch and hands them to the log, a chunk per turn
   * of the event loop, starting after the turn that sends the answer.
   */
  private logAfterAnswer(chunks: readonly (() => PredictionLogChunk)[]): void {
    const done = (async () => {
      let lost = 0;
      let cause: unknown;
      for (const chunkOf of chunks) {
        await yieldToEventLoop();
        const chunk = chunkOf();
        try {
          await this.deps.log.appendChunk(chunk);
        } catch (e) {
          lost += chunk.ids.length;
          cause ??= e;
        }
      }
      if (lost > 0) {
        const why = cause instanceof Error ? cause.message : String(cause);
        this.deps.onLogError?.(new Error(`${lost} predictions of an answered batch were not logged: ${why}`));
      }
    })().catch((e: unknown) => this.deps.onLogError?.(e));
    this.deferred.add(done);
    void done.finally(() => this.deferred.delete(done));
  }

  /** Records the true class of a logged prediction (idempotent). */
  feedback(
    predictionId: string,
    trueLabel: 'e' | 'p',
    source?: string,
  ): Promise<'created' | 'unchanged' | 'replaced'> {
    return this.deps.feedback.record({ predictionId, trueLabel, source });
  }

  private async predictValues(
    model: ServedModel,
    values: FeatureValue[],
    input: unknown,
    opts: PredictOptions,
  ): Promise<PredictionResult> {
    const { result, row } = this.classify(model, values, input, opts);
    await this.deps.log.append(row);
    return result;
  }

  /** Predicts one parsed mushroom: the answer and the row to log. */
  private classify(
    model: ServedModel,
    values: FeatureValue[],
    input: unknown,
    opts: PredictOptions,
  ): { result: PredictionResult; row: PredictionLogRow } {
    const t0 = performance.now();
    const p = model.pipeline.predictOne(values);
    const warnings = model.pipeline.rangeWarnings(values);
    const explanation = opts.explain ? model.pipeline.explainOne(values, 5) : undefined;
    const id = uuidv7();
    const base = answer(modelRef(model), id, p, warnings);
    const result: PredictionResult = explanation ? { ...base, explanation } : base;
    const row = logRow(model, id, new Date(), values, input, p, warnings, {
      clientId: opts.clientId ?? null,
      latencyUs: Math.round((performance.now() - t0) * 1000),
      kind: opts.kind ?? 'single',
    });
    return { result, row };
  }
}

/** `{ name, version }` of a served model, shared by the answers of one request. */
const modelRef = (model: ServedModel): PredictionResult['model'] => ({
  name: model.name,
  version: model.version,
});

/** The answer for one prediction (without explanation); with `index`, the item of a batch. */
function answer(
  ref: PredictionResult['model'],
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
): PredictionResult;
function answer(
  ref: PredictionResult['model'],
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
  index: number,
): BatchItem;
function answer(
  ref: PredictionResult['model'],
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
  index?: number,
): PredictionResult | BatchItem {
  const { decision, probability, novelty, reason } = p;
  // one literal per shape (no spread, no copy): batches make 10,000 of them
  return index === undefined
    ? { predictionId: id, decision, probability, model: ref, arm: null, warnings, novelty, reason }
    : {
        index,
        ok: true,
        predictionId: id,
        decision,
        probability,
        model: ref,
        arm: null,
        warnings,
        novelty,
        reason,
      };
}

/**
 * The prediction log row of one prediction; the input is stored as the parsed mushroom's JSON, the
 * output as {@link outputJson} (both built as text directly: batches log 10,000 of them).
 */
function logRow(
  model: ServedModel,
  id: string,
  createdAt: Date,
  values: readonly FeatureValue[],
  input: unknown,
  p: PipelinePrediction,
  warnings: readonly string[],
  how: { clientId: string | null; latencyUs: number; kind: PredictionLogRow['requestKind'] },
): PredictionLogRow {
  return {
    id,
    createdAt,
    modelName: model.name,
    modelVersion: model.version,
    arm: null,
    clientId: how.clientId,
    input,
    inputJson: mushroomJson(values, model.pipeline.schema),
    output: null,
    outputJson: outputJson(p, warnings),
    decision: p.decision,
    probability: p.probability,
    latencyUs: how.latencyUs,
    requestKind: how.kind,
  };
}

/**
 * The logged output of a prediction as JSON text: exactly `JSON.stringify({ decision, probability,
 * novelty, reason, warnings })` (a test checks it), without building the object.
 */
export function outputJson(p: PipelinePrediction, warnings: readonly string[]): string {
  const { probability, novelty, reason } = p;
  return `{"decision":"${p.decision}","probability":${Number.isFinite(probability) ? probability : 'null'},"novelty":${
    novelty === null || !Number.isFinite(novelty) ? 'null' : novelty
  },"reason":${reason === null ? 'null' : JSON.stringify(reason)},"warnings":${
    warnings.length === 0 ? '[]' : JSON.stringify(warnings)
  }}`;
}
