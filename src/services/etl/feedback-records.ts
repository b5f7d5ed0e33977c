/**
 * Reading the labelled production records of a derived dataset version: every answered prediction of
 * the parent's schema with a true label from feedback, its stored input validated like a row of a file,
 * and the content hash that names the derived source.
 */
import { createHash } from 'node:crypto';
import { SporeprintError } from '../../core/index.js';
import { type CleanRecord, type DatasetSchema, validateRecord } from '../../data/index.js';
import type {
  FeedbackRepository,
  LabelledRecord,
  QuarantineInput,
  RowOrigin,
  SourceRecord,
} from '../../storage/index.js';
import type { FeedbackEtlRequest } from './etl-types.js';

/** What {@link readFeedbackRecords} needs of the feedback store. */
export type LabelledRecordReader = Pick<FeedbackRepository, 'labelledRecords'>;

/** Which records to read. */
export interface FeedbackFilter {
  /** Only predictions of this registered model (default: every model of the schema). */
  readonly modelName?: string;
  /** Only labels recorded before this time. */
  readonly labelledBefore: Date;
}

/** Predictions read per registered model version. */
export interface ModelRecordCount {
  readonly modelName: string;
  readonly modelVersion: number;
  readonly records: number;
}

/** The labelled records read for a derived source whose own rows start at `firstRow`. */
export interface FeedbackRecords {
  /** sha256 hex of the parent source id and every record (prediction id, label, input): the source id. */
  readonly sourceId: string;
  /** Records read: one per labelled prediction request. */
  readonly count: number;
  /** The valid records, row index `firstRow + k` for the k-th record read. */
  readonly valid: CleanRecord[];
  /** The problems of the invalid ones (a record may have several). */
  readonly quarantine: QuarantineInput[];
  /** How many records were invalid. */
  readonly invalid: number;
  /** The prediction of every record, valid or not, by row index. */
  readonly origins: RowOrigin[];
  readonly firstLabelledAt: Date | null;
  readonly lastLabelledAt: Date | null;
  /** The last prediction read (records are read in prediction-id order). */
  readonly lastPredictionId: string | null;
  readonly models: ModelRecordCount[];
}

/** Text hashed before the records: names the derivation, so other derived sources never collide. */
const HASH_PREFIX = 'sporeprint derived source: parent rows + labelled production records (feedback) v1\n';

/**
 * Reads, validates and hashes the labelled production records of `schema` for a source derived from
 * `parent`. Record k becomes data row `parent.dataRows + k` with line number k + 1 (its position among
 * the records); an input that is not JSON, or fails validation, is quarantined like a row of a file.
 */
export async function readFeedbackRecords(
  reader: LabelledRecordReader,
  parent: SourceRecord,
  schema: DatasetSchema,
  filter: FeedbackFilter,
  onBatch: (read: number) => void,
): Promise<FeedbackRecords> {
  const hash = createHash('sha256').update(HASH_PREFIX).update(`${parent.id}\n`);
  const firstRow = parent.dataRows;
  const valid: CleanRecord[] = [];
  const quarantine: QuarantineInput[] = [];
  const origins: RowOrigin[] = [];
  const models = new Map<string, ModelRecordCount>();
  let invalid = 0;
  let first: Date | null = null;
  let last: Date | null = null;
  let lastPredictionId: string | null = null;
  const batches = reader.labelledRecords({
    schemaName: schema.name,
    modelName: filter.modelName,
    labelledBefore: filter.labelledBefore,
  });
  for await (const batch of batches) {
    for (const r of batch) {
      hash.update(`${JSON.stringify([r.predictionId, r.trueLabel, r.input])}\n`);
      const k = origins.length;
      const at = { index: firstRow + k, line: k + 1 };
      origins.push({ rowIndex: at.index, predictionId: r.predictionId });
      const result = validateRecord(parseInput(r), r.trueLabel, schema, at);
      if (result.ok) valid.push(result.record);
      else {
        invalid++;
        for (const i of result.issues) {
          quarantine.push({
            rowIndex: i.index,
            line: i.line,
            column: i.column,
            value: i.value,
            reason: `prediction ${r.predictionId}: ${i.reason}`,
          });
        }
      }
      if (first === null || r.labelledAt < first) first = r.labelledAt;
      if (last === null || r.labelledAt > last) last = r.labelledAt;
      lastPredictionId = r.predictionId;
      countModel(models, r);
    }
    onBatch(origins.length);
  }
  return {
    sourceId: hash.digest('hex'),
    count: origins.length,
    valid,
    quarantine,
    invalid,
    origins,
    firstLabelledAt: first,
    lastLabelledAt: last,
    lastPredictionId,
    models: [...models.values()].sort(
      (a, b) => a.modelName.localeCompare(b.modelName) || a.modelVersion - b.modelVersion,
    ),
  };
}

/** The logged input as a value, or the text itself when it is not JSON (then refused as no object). */
function parseInput(r: LabelledRecord): unknown {
  try {
    return JSON.parse(r.input) as unknown;
  } catch {
    return r.input;
  }
}

function countModel(models: Map<string, ModelRecordCount>, r: LabelledRecord): void {
  const key = `${r.modelName}\u0000${r.modelVersion}`;
  const m = models.get(key);
  models.set(key, {
    modelName: r.modelName,
    modelVersion: r.modelVersion,
    records: (m?.records ?? 0) + 1,
  });
}

/** The filter of a feedback request, checked: `SP_ERR_BAD_PARAM` naming a bad model name or time. */
export function checkFeedbackFilter(req: FeedbackEtlRequest): FeedbackFilter {
  const { modelName, labelledBefore } = req;
  if (
    modelName !== undefined &&
    (typeof modelName !== 'string' || modelName === '' || modelName.length > 128)
  ) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `model name must have 1 to 128 characters, got ${JSON.stringify(modelName)}`,
    );
  }
  if (
    labelledBefore !== undefined &&
    !(labelledBefore instanceof Date && Number.isFinite(labelledBefore.getTime()))
  ) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', 'labelledBefore is not a valid time');
  }
  return { modelName, labelledBefore: labelledBefore ?? new Date() };
}
