import { SporeprintError } from '../../core/index.js';

/** Quality of three-way answers (edible / poisonous / uncertain), poisonous = positive. */
export interface DecisionMetrics {
  /** Poisonous rows answered edible: the deadly error. */
  readonly falseEdible: number;
  /** Share of "edible" answers that are poisonous (0 when nothing is answered edible). */
  readonly falseEdibleShare: number;
  /** Poisonous recall among answered (non-uncertain) poisonous rows. */
  readonly recallAnswered: number;
  /** Share of rows answered "uncertain". */
  readonly uncertainShare: number;
  readonly n: number;
  readonly edible: number;
  readonly poisonous: number;
  readonly uncertain: number;
  /** Edible rows answered poisonous. */
  readonly falsePoisonous: number;
  /** Accuracy among answered rows. */
  readonly accuracyAnswered: number;
}

/** Counts the answers (decision codes: 0 edible, 1 poisonous, 2 uncertain) and their errors. */
export function evaluateDecisions(yTrue: Uint8Array, decisions: Uint8Array): DecisionMetrics {
  if (
    !(yTrue instanceof Uint8Array) ||
    !(decisions instanceof Uint8Array) ||
    yTrue.length !== decisions.length
  ) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      'yTrue and decisions must be Uint8Arrays of the same length',
    );
  }
  let edible = 0;
  let poisonous = 0;
  let uncertain = 0;
  let fe = 0;
  let fpz = 0;
  let posAnswered = 0;
  let tp = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const d = decisions[i];
    const y = yTrue[i];
    if (y > 1 || d > 2) {
      throw new SporeprintError('SP_ERR_BAD_DATA', `row ${i}: label ${y} / decision ${d} out of range`);
    }
    if (d === 2) {
      uncertain++;
      continue;
    }
    if (d === 0) {
      edible++;
      if (y === 1) fe++;
    } else {
      poisonous++;
      if (y === 0) fpz++;
    }
    if (y === 1) {
      posAnswered++;
      if (d === 1) tp++;
    }
  }
  const n = yTrue.length;
  const answered = edible + poisonous;
  return {
    falseEdible: fe,
    falseEdibleShare: edible > 0 ? fe / edible : 0,
    recallAnswered: posAnswered > 0 ? tp / posAnswered : 1,
    uncertainShare: n > 0 ? uncertain / n : 0,
    n,
    edible,
    poisonous,
    uncertain,
    falsePoisonous: fpz,
    accuracyAnswered: answered > 0 ? (answered - fe - fpz) / answered : 0,
  };
}
