import { isSporeprintError, SporeprintError } from '../../core/index.js';
import type { FeatureValue, PipelinePrediction } from '../../ml/index.js';
import type { BatchJournalChunk } from '../../storage/index.js';
import { JOURNAL_OWNER } from './batch-journal.js';
import { type JournalReplay, JournalReplayer } from './journal-replayer.js';
import { outputJson } from './output-json.js';
import { type FieldProblem, mushroomJson, parseMushroom } from './parse-mushroom.js';
import { answer, logRow, modelRef } from './prediction-answer.js';
import type {
  BatchItem,
  BatchJournal,
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

/**
 * Durable batches of at least this many records are committed as one batch journal entry before the
 * answer, their log rows written after it (see {@link ServingService.classifyBatch}); smaller ones
 * commit their rows before the answer.
 */
const JOURNAL_MIN_RECORDS = 256;

/** Feedback on an unknown id waits up to this long while batch journal entries are pending (ms). */
const FEEDBACK_WAIT_MS = 2_000;

/** The log rows of a chunk of a batch, built after the answer: `n` predictions. */
interface LaterChunk {
  readonly n: number;
  readonly build: () => PredictionLogChunk;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of one prediction call. */
export interface PredictOptions {
  readonly clientId?: string | null;
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
  /**
   * Batches answered whose rows are still being handed to the log (async log mode) or written (a
   * journaled durable batch).
   */
  private readonly deferred = new Set<Promise<void>>();
  /** Journal entries this process is writing the rows of. */
  private readonly expanding = new Set<string>();
  /** Predictions answered whose rows are not handed to the log yet (see {@link pendingLogRows}). */
  private pendingRows = 0;
  private readonly replayer: JournalReplayer | null;

  constructor(
    private readonly deps: {
      readonly modelName: string;
      readonly models: ModelSource;
      readonly log: PredictionLogSink;
      readonly feedback: FeedbackSink;
      /**
       * The batch journal (with a durable log): large batches are answered once journaled, their rows
       * written right after. Without it, every batch's rows are committed before its answer.
       */
      readonly journal?: BatchJournal;
      /**
       * Told when the rows of an answered batch could not be handed to the log (async mode) or
       * written (a journaled batch: the journal keeps them for a replay), and of failed replays.
       */
      readonly onLogError?: (error: unknown) => void;
      /** Told when a sweep of the journal (at start, then every 10 s) wrote the rows of entries. */
      readonly onJournalReplay?: (replay: JournalReplay) => void;
    },
  ) {
    this.replayer =
      deps.journal === undefined
        ? null
        : new JournalReplayer(deps.journal, {
            busy: (id) => this.expanding.has(id),
            onError: (e) => deps.onLogError?.(e),
            onReplay: deps.onJournalReplay,
          });
  }

  /**
   * Loads the Production model and follows registry changes; with a journal, first replays the
   * entries left by processes that are gone, then checks for more every 10 s.
   */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.models.onChange((name) => {
      if (name === this.deps.modelName) void this.reload();
    });
    await this.replayer?.start();
    await this.reload();
  }

  /** Stops following registry changes and the journal. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.replayer?.stop();
  }

  /**
   * Writes the log rows of batch journal entries that their process did not finish (see
   * {@link JournalReplayer.replay}) and deletes the entries; skips the batches this process is writing.
   */
  replayJournal(opts: { readonly all?: boolean } = {}): Promise<JournalReplay> {
    return this.replayer?.replay(opts) ?? Promise.resolve({ entries: 0, predictions: 0, failed: [] });
  }

  /**
   * Resolves once the rows of every batch already answered are in the log (async log mode and
   * journaled batches hand them over after the answer) and a journal replay under way has ended.
   * Call it (after `stop`) before closing the log and the storage.
   */
  async drain(): Promise<void> {
    while (this.deferred.size > 0) await Promise.allSettled([...this.deferred]);
    await this.replayer?.idle();
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

  /**
   * Predictions already answered whose log rows are not handed to the log yet (async mode and
   * journaled batches build them after the answer): add it to the log's queue depth.
   */
  get pendingLogRows(): number {
    return this.pendingRows;
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
   * valid ones are scored together by the pipeline's batch path, in chunks, and logged (see
   * {@link classifyBatch}). Resolves once the batch is durable.
   */
  async predictBatch(inputs: readonly unknown[], opts: PredictOptions = {}): Promise<BatchItem[]> {
    const { items, durable } = await this.classifyBatch(inputs, opts);
    await durable;
    return items;
  }

  /**
   * {@link predictBatch} in two steps: resolves as soon as every item is answered, with the items, their
   * JSON text (`itemsJson`, `JSON.stringify(items)`), and `durable`, which resolves once the batch is
   * durable (rejects when it could not be made so). The caller may prepare its response meanwhile but
   * must not send it before `durable` resolves.
   *
   * How a batch becomes durable depends on the log:
   * - durable log with a batch journal, at least 256 records: the records (`opts.source`, the text
   *   they were read from, when given) and the answered items are committed as one journal entry:
   *   `durable` resolves then. The log rows are built and written in the turns after the answer, and
   *   the entry is deleted once they are all committed; a crash meanwhile leaves the entry, which the
   *   next start replays into the log (see `JournalReplayer`). Feedback on such a prediction
   *   waits for its row.
   * - durable log otherwise: each chunk's rows go to the log (as one chunk of columns) before the next
   *   chunk is parsed, so a log that writes off the event loop commits one chunk while the next is
   *   predicted; `durable` resolves once every row is committed. If a later chunk fails (the log
   *   closed at shutdown, say), the earlier chunks' predictions stay in the log.
   * - async log, which acknowledges rows before writing them anyway: the rows are built and handed to
   *   the log in the turns after the answer. {@link drain} waits for that work.
   */
  async classifyBatch(
    inputs: readonly unknown[],
    opts: PredictOptions = {},
  ): Promise<{ items: BatchItem[]; itemsJson: string; durable: Promise<void> }> {
    const model = this.model();
    const kind = opts.kind ?? 'batch';
    const clientId = opts.clientId ?? null;
    const out = new Array<BatchItem>(inputs.length);
    const writes: Promise<void>[] = [];
    const journal =
      this.deps.log.mode !== 'async' && inputs.length >= JOURNAL_MIN_RECORDS ? this.deps.journal : undefined;
    const afterAnswer = this.deps.log.mode === 'async' || journal !== undefined;
    const later: LaterChunk[] = [];
    const chunkTimes: BatchJournalChunk[] = [];
    let predicted = 0;
    for (let start = 0; start < inputs.length; start += BATCH_CHUNK) {
      if (start > 0) await yieldToEventLoop();
      const end = Math.min(start + BATCH_CHUNK, inputs.length);
      const t0 = performance.now();
      const values: FeatureValue[][] = [];
      const at: number[] = [];
      for (let i = start; i < end; i++) {
        const rejected = opts.validate?.(inputs[i], i);
        if (rejected) {
          out[i] = { index: i, ok: false, problems: rejected };
          continue;
        }
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
      predicted += values.length;
      chunkTimes.push({ start, createdAt, latencyUs });
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
        later.push({ n: values.length, build: chunkOf });
        continue;
      }
      const write = this.deps.log.appendChunk(chunkOf());
      // a failure is reported through `durable`; keep it from being an unhandled rejection meanwhile
      write.catch(() => {});
      writes.push(write);
    }
    const itemsJson = JSON.stringify(out);
    if (journal === undefined || later.length === 0) {
      if (later.length > 0) this.logAfterAnswer(later);
      return { items: out, itemsJson, durable: Promise.all(writes).then(() => undefined) };
    }
    const id = uuidv7();
    this.expanding.add(id);
    const put = journal.entries.put({
      id,
      createdAt: new Date(),
      owner: JOURNAL_OWNER,
      modelName: model.name,
      modelVersion: model.version,
      schemaName: model.pipeline.schema.name,
      arm: null,
      clientId,
      requestKind: kind,
      predictions: predicted,
      chunks: chunkTimes,
      records: opts.source ?? JSON.stringify(inputs),
      items: itemsJson,
    });
    const durable = put.then(
      () => this.logAfterAnswer(later, { journal, id }),
      async (e: unknown) => {
        // not journaled (the entry too large for the database, say): commit the rows before answering
        this.expanding.delete(id);
        this.deps.onLogError?.(
          new Error(
            `batch of ${predicted} predictions not journaled, logged directly: ${(e as Error).message}`,
          ),
        );
        await Promise.all(later.map((c) => this.deps.log.appendChunk(c.build())));
      },
    );
    durable.catch(() => {});
    return { items: out, itemsJson, durable };
  }

  /**
   * Builds the rows of an answered batch and hands them to the log, a chunk per turn of the event
   * loop, starting after the turn that sends the answer. In async log mode that is all; for a
   * journaled batch, once every row is committed its journal entry is deleted (when one is not, the
   * entry stays for a replay).
   */
  private logAfterAnswer(
    chunks: readonly LaterChunk[],
    journaled?: { readonly journal: BatchJournal; readonly id: string },
  ): void {
    let pending = 0;
    for (const c of chunks) pending += c.n;
    this.pendingRows += pending;
    const done = (async () => {
      let lost = 0;
      let cause: unknown;
      const writes: Promise<void>[] = [];
      for (const c of chunks) {
        await yieldToEventLoop();
        const chunk = c.build();
        pending -= chunk.ids.length;
        this.pendingRows -= chunk.ids.length;
        const write = this.deps.log.appendChunk(chunk).catch((e: unknown) => {
          lost += chunk.ids.length;
          cause ??= e;
        });
        // async mode: one chunk after another; durable: the next chunk is built while one commits
        if (journaled === undefined) await write;
        else writes.push(write);
      }
      await Promise.all(writes);
      const why = cause instanceof Error ? cause.message : String(cause);
      if (journaled === undefined) {
        if (lost > 0) {
          this.deps.onLogError?.(
            new Error(`${lost} predictions of an answered batch were not logged: ${why}`),
          );
        }
        return;
      }
      if (lost > 0) {
        this.deps.onLogError?.(
          new Error(
            `${lost} predictions of an answered batch are not logged yet: batch journal entry ${journaled.id} keeps them for a replay (${why})`,
          ),
        );
        return;
      }
      await journaled.journal.entries.remove(journaled.id);
    })()
      .catch((e: unknown) => this.deps.onLogError?.(e))
      .finally(() => {
        // chunks never built (an exception on the way) are no longer pending either
        this.pendingRows -= pending;
        if (journaled !== undefined) this.expanding.delete(journaled.id);
      });
    this.deferred.add(done);
    void done.finally(() => this.deferred.delete(done));
  }

  /**
   * Records the true class of a logged prediction (idempotent; a different label is a conflict unless
   * `replace`). A prediction of a batch whose rows
   * are still being written (see {@link classifyBatch}) is waited for, up to 2 s.
   */
  async feedback(
    predictionId: string,
    trueLabel: 'e' | 'p',
    source?: string,
    replace?: boolean,
  ): Promise<'created' | 'unchanged' | 'replaced'> {
    const record = () => this.deps.feedback.record({ predictionId, trueLabel, source, replace });
    const deadline = Date.now() + FEEDBACK_WAIT_MS;
    let waitedHere = false;
    for (;;) {
      try {
        return await record();
      } catch (e) {
        if (!isSporeprintError(e) || e.code !== 'SP_ERR_NOT_FOUND') throw e;
        if (!waitedHere && this.deferred.size > 0) {
          // the batches this process answered and is still logging
          waitedHere = true;
          await Promise.allSettled([...this.deferred]);
          continue;
        }
        // another process's batch, journaled and still being written
        const journal = this.deps.journal;
        if (journal === undefined || Date.now() >= deadline || (await journal.entries.count()) === 0) throw e;
        await sleep(50);
      }
    }
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
