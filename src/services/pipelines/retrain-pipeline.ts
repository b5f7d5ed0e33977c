/**
 * The standard `retrain` pipeline as data: ETL of the source (with `includeFeedback`, then a dataset
 * version derived from it plus the labelled production records) → the three learners trained in
 * parallel → the safest candidate selected → all three registered → the quality gate on the candidate
 * against Production → deploy (promote, an A/B experiment, a shadow, or stop for a human).
 */
import type { PipelinePlan, PipelineSpec } from '../../pipeline/index.js';

/** What the deploy step does with a candidate that passed the gate. */
export const DEPLOY_MODES = ['promote', 'experiment', 'shadow', 'stop'] as const;
export type DeployMode = (typeof DEPLOY_MODES)[number];

/** The learners the pipeline trains, one task each. */
export const RETRAIN_MODELS = ['logistic-regression', 'decision-tree', 'gradient-boosting'] as const;

/** Defaults of the pipeline's parameters (from config). */
export interface RetrainDefaults {
  /** The bundled secondary data. */
  readonly source: string;
  readonly modelName: string;
  readonly deploy: DeployMode;
}

/** The `retrain` pipeline spec with `defaults` as parameter defaults. */
export function retrainPipeline(defaults: RetrainDefaults): PipelineSpec {
  const trains = RETRAIN_MODELS.map((model) => ({
    id: `train-${model}`,
    kind: 'train',
    dependsOn: ['etl'],
    params: { model, modelName: { $param: 'modelName' } },
    timeoutMs: 60 * 60_000,
    description: `train ${model} on the dataset version`,
  }));
  return {
    name: 'retrain',
    description:
      'ETL → train LR, DT and GBDT in parallel → select the safest → register all → quality gate → deploy',
    params: {
      source: { type: 'string', default: defaults.source, description: 'CSV file to load' },
      includeFeedback: {
        type: 'boolean',
        default: false,
        description:
          'train on a new dataset version: the source plus the labelled production records (feedback) of modelName',
      },
      modelName: { type: 'string', default: defaults.modelName, description: 'registered model name' },
      deploy: {
        type: 'string',
        enum: DEPLOY_MODES,
        default: defaults.deploy,
        description: 'what to do with a candidate that passed the gate',
      },
      experimentTraffic: {
        type: 'number',
        default: 0.1,
        description: "the candidate arm's share of the traffic in an experiment (0-1, exclusive)",
      },
    },
    defaults: { retry: { retries: 2, delayMs: 2000 } },
    tasks: [
      {
        id: 'etl',
        kind: 'etl',
        params: {
          source: { $param: 'source' },
          includeFeedback: { $param: 'includeFeedback' },
          modelName: { $param: 'modelName' },
        },
        timeoutMs: 60 * 60_000,
        description:
          'extract, validate, clean and split the source into a dataset version (plus the labelled production records)',
      },
      ...trains,
      {
        id: 'select',
        kind: 'select',
        dependsOn: trains.map((t) => t.id),
        description: 'order the trained models safest first; the first is the candidate',
      },
      {
        id: 'register',
        kind: 'register',
        dependsOn: ['select'],
        params: { modelName: { $param: 'modelName' } },
        description: 'register every trained model as a version (once per run)',
      },
      {
        id: 'gate',
        kind: 'gate',
        dependsOn: ['register'],
        description: "the quality gate's verdict on the candidate against Production",
      },
      {
        id: 'deploy',
        kind: 'deploy',
        dependsOn: ['gate'],
        params: { mode: { $param: 'deploy' }, experimentTraffic: { $param: 'experimentTraffic' } },
        description: 'promote, start an experiment or a shadow, or stop for a human',
      },
    ],
  };
}

/** Checks of the pipeline's parameters beyond their types. */
export function retrainParamProblems(params: PipelinePlan['params']): string[] {
  const problems: string[] = [];
  const share = params.experimentTraffic;
  if (typeof share !== 'number' || !(share > 0 && share < 1)) {
    problems.push(`experimentTraffic must lie strictly between 0 and 1, got ${String(share)}`);
  }
  return problems;
}
