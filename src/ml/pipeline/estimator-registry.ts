import { SporeprintError } from '../../core/index.js';
import type { Estimator, EstimatorJSON } from '../estimator.js';
import { GradientBoostingClassifier } from '../gbt/index.js';
import { LogisticRegression } from '../logistic/index.js';
import { DecisionTreeClassifier } from '../tree/index.js';

/** The learners sporeprint ships, by their `kind` tag. */
export type EstimatorKind = 'logistic-regression' | 'decision-tree' | 'gradient-boosting';

/** Short names used on the CLI (`--models lr,dt,gbdt`). */
export const MODEL_ALIASES: Readonly<Record<string, EstimatorKind>> = {
  lr: 'logistic-regression',
  dt: 'decision-tree',
  gbdt: 'gradient-boosting',
};

/** Which encoding each learner takes: one-hot + standardised, or category codes + raw numerics. */
export const ENCODING_OF: Readonly<Record<EstimatorKind, 'linear' | 'tree'>> = {
  'logistic-regression': 'linear',
  'decision-tree': 'tree',
  'gradient-boosting': 'tree',
};

/** Creates an unfitted estimator of `kind` with hyper-parameters `params` (validated by the learner). */
export function createEstimator(kind: EstimatorKind, params: Record<string, unknown> = {}): Estimator {
  switch (kind) {
    case 'logistic-regression':
      return new LogisticRegression(params);
    case 'decision-tree':
      return new DecisionTreeClassifier(params);
    case 'gradient-boosting':
      return new GradientBoostingClassifier(params);
    default:
      throw new SporeprintError('SP_ERR_BAD_PARAM', `unknown model kind '${String(kind)}'`);
  }
}

/** Restores a fitted estimator from its JSON, dispatching on `kind`. */
export function estimatorFromJSON(json: unknown): Estimator {
  const kind = (json as Partial<EstimatorJSON> | null)?.kind;
  switch (kind) {
    case 'logistic-regression':
      return LogisticRegression.fromJSON(json);
    case 'decision-tree':
      return DecisionTreeClassifier.fromJSON(json);
    case 'gradient-boosting':
      return GradientBoostingClassifier.fromJSON(json);
    default:
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        `estimator.kind: unknown model kind '${String(kind)}'`,
      );
  }
}
