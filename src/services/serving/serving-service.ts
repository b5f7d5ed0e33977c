import { SporeprintError } from '../../core/index.js';
import type { FeatureValue } from '../../ml/index.js';
import { parseMushroom } from './parse-mushroom.js';
import type {
  BatchItem,
  FeedbackSink,
  ModelSource,
  PredictionLogRow,
  PredictionLogSink,
  PredictionResult,
  ServedModel,
} from './serving-types.js';
import { uuidv7 } from './uuid-v7.js';

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

  constructor(
    private readonly deps: {
      readonly modelName: string;
      readonly models: ModelSource;
      readonly log: PredictionLogSink;
      readonly feedback: FeedbackSink;
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
   * Classifies many mushrooms; invalid ones are reported per item without failing the rest. The rows
   * of the batch are logged together (one `appendMany` when the log has it) and the answer waits until
   * all of them are durable.
   */
  async predictBatch(inputs: readonly unknown[], opts: PredictOptions = {}): Promise<BatchItem[]> {
    const model = this.model();
    const itemOpts: PredictOptions = { ...opts, kind: opts.kind ?? 'batch' };
    const out: BatchItem[] = [];
    const rows: PredictionLogRow[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const parsed = parseMushroom(inputs[i], model.pipeline.schema);
      if (!parsed.ok) {
        out.push({ index: i, ok: false, problems: parsed.problems });
        continue;
      }
      const { result, row } = this.classify(model, parsed.values, inputs[i], itemOpts);
      rows.push(row);
      out.push({ index: i, ok: true as const, ...result });
    }
    const log = this.deps.log;
    if (log.appendMany !== undefined) await log.appendMany(rows);
    else await Promise.all(rows.map((row) => log.append(row)));
    return out;
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
    const result: PredictionResult = {
      predictionId: id,
      decision: p.decision,
      probability: p.probability,
      model: { name: model.name, version: model.version },
      arm: null,
      warnings,
      novelty: p.novelty,
      reason: p.reason,
      ...(explanation ? { explanation } : {}),
    };
    const row: PredictionLogRow = {
      id,
      createdAt: new Date(),
      modelName: model.name,
      modelVersion: model.version,
      arm: null,
      clientId: opts.clientId ?? null,
      input,
      output: {
        decision: p.decision,
        probability: p.probability,
        novelty: p.novelty,
        reason: p.reason,
        warnings,
      },
      decision: p.decision,
      probability: p.probability,
      latencyUs: Math.round((performance.now() - t0) * 1000),
      requestKind: opts.kind ?? 'single',
    };
    return { result, row };
  }
}
