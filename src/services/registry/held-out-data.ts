import { SporeprintError } from '../../core/index.js';
import type { CleanRecord } from '../../data/index.js';
import { evaluateBinary, evaluateDecisions, type ModelPipeline } from '../../ml/index.js';
import { type DatasetRepository, SPLIT_CODE } from '../../storage/index.js';
import type { EvaluationFigures } from './quality-gate.js';

/** The test split of a dataset version: the held-out rows gate and compare evaluate on. */
export interface HeldOutData {
  readonly datasetId: string;
  readonly schemaName: string;
  readonly records: readonly CleanRecord[];
  /** 1 = poisonous, per record. */
  readonly labels: Uint8Array;
}

/** The rows of one split of a dataset version, in row order; `SP_ERR_BAD_DATA` when it has none. */
export async function readSplitRecords(
  datasets: DatasetRepository,
  datasetId: string,
  split: keyof typeof SPLIT_CODE,
): Promise<{ readonly schemaName: string; readonly records: CleanRecord[] }> {
  const version = await datasets.findVersion(datasetId);
  if (version === undefined) {
    throw new SporeprintError('SP_ERR_NOT_FOUND', `Dataset version ${datasetId} does not exist`, {
      datasetId,
    });
  }
  const code = SPLIT_CODE[split];
  const records: CleanRecord[] = [];
  for await (const batch of datasets.readRows(version.sourceId)) {
    for (const row of batch) {
      if (version.split[row.rowIndex] !== code) continue;
      records.push({
        index: row.rowIndex,
        line: row.line,
        label: row.label === 'p' ? 1 : 0,
        values: [...row.features],
      });
    }
  }
  if (records.length === 0) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      split === 'test'
        ? `Dataset version ${datasetId} has no test rows to evaluate on`
        : `Dataset version ${datasetId} has no ${split} rows`,
    );
  }
  return { schemaName: version.schemaName, records };
}

/** Reads the test split of a dataset version (rows in row order). */
export async function readTestSplit(datasets: DatasetRepository, datasetId: string): Promise<HeldOutData> {
  const { schemaName, records } = await readSplitRecords(datasets, datasetId, 'test');
  return {
    datasetId,
    schemaName,
    records,
    labels: Uint8Array.from(records, (r) => r.label),
  };
}

/** A pipeline's probabilities and three-way decisions on held-out rows, with its figures. */
export interface PipelineEvaluation {
  readonly probabilities: Float64Array;
  /** 0 edible, 1 poisonous, 2 uncertain. */
  readonly decisions: Uint8Array;
  readonly figures: EvaluationFigures;
}

/** Evaluates a pipeline on held-out rows of its own schema. */
export function evaluatePipeline(pipeline: ModelPipeline, data: HeldOutData): PipelineEvaluation {
  if (pipeline.schema.name !== data.schemaName) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `the pipeline expects ${pipeline.schema.name} data, dataset version ${data.datasetId} is ${data.schemaName}`,
    );
  }
  const probabilities = pipeline.predictProba(pipeline.transform(data.records));
  const decisions = pipeline.decide(probabilities);
  const binary = evaluateBinary(data.labels, probabilities);
  const served = evaluateDecisions(data.labels, decisions);
  let positives = 0;
  for (const y of data.labels) positives += y;
  return {
    probabilities,
    decisions,
    figures: {
      n: data.records.length,
      positives,
      recall: binary.recall,
      falseEdible: binary.falseEdible,
      accuracy: binary.accuracy,
      servedFalseEdible: served.falseEdible,
      uncertainShare: served.uncertainShare,
    },
  };
}
