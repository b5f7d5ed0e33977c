import { modelFormatCheck, SporeprintError } from '../../core/index.js';
import { type DecisionMetrics, evaluateDecisions } from '../metrics/index.js';

/** Options of {@link DecisionPolicy.fit}. */
export interface DecisionPolicyOptions {
  /** Poisonous recall the "edible" answers must keep on validation (default 0.999). */
  readonly targetRecall?: number;
  /** Answer "poisonous" from this probability on (default 0.5, raised to edibleBelow if lower). */
  readonly poisonThreshold?: number;
  /**
   * Never answer "edible" at or above this probability, however well validation separates the classes
   * (default 0.1): a model that gives a mushroom a 30% chance of being poisonous must not be read as
   * "edible" just because no validation row fell in that range; such mushrooms are "uncertain".
   */
  readonly maxEdibleBelow?: number;
}

/** The serialised policy. */
export interface DecisionPolicyJSON {
  readonly formatVersion: 1;
  readonly kind: 'decision-policy';
  readonly targetRecall: number;
  readonly edibleBelow: number;
  readonly poisonousAtOrAbove: number;
}

/** What a policy does on a labelled set. */
export interface DecisionPolicyReport extends DecisionMetrics {
  /** Poisonous recall over all poisonous rows, counting "uncertain" as caught (not eaten). */
  readonly recall: number;
}

const SCHEMA = {
  type: 'object',
  required: ['formatVersion', 'kind', 'targetRecall', 'edibleBelow', 'poisonousAtOrAbove'],
  properties: {
    formatVersion: { const: 1 },
    kind: { const: 'decision-policy' },
    targetRecall: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    edibleBelow: { type: 'number', minimum: 0, maximum: 1 },
    poisonousAtOrAbove: { type: 'number', minimum: 0, maximum: 1 },
  },
  additionalProperties: false,
} as const;
const checkJson = modelFormatCheck(SCHEMA, 'decision policy');

/**
 * Three-way answers from P(poisonous): "edible" (0) only when p < edibleBelow, "poisonous" (1) when
 * p ≥ poisonousAtOrAbove, "uncertain" (2) in between (and for NaN). `edibleBelow` is chosen on
 * validation data so that poisonous recall stays ≥ the target; a tie at the threshold is never edible.
 *
 * @example
 * const policy = DecisionPolicy.fit(yVal, pVal, { targetRecall: 0.999 });
 * policy.decide(0.01); // 0 | 1 | 2
 */
export class DecisionPolicy {
  private constructor(
    readonly targetRecall: number,
    readonly edibleBelow: number,
    readonly poisonousAtOrAbove: number,
  ) {}

  /**
   * Picks the largest `edibleBelow` = t such that at most ⌊(1 − target)·positives⌋ validation poisonous
   * rows have p < t. Refuses (SP_ERR_BAD_DATA) when validation has no poisonous rows.
   */
  static fit(yVal: Uint8Array, pVal: Float64Array, options: DecisionPolicyOptions = {}): DecisionPolicy {
    const target = options.targetRecall ?? 0.999;
    if (!(target > 0 && target <= 1)) {
      throw new SporeprintError('SP_ERR_BAD_PARAM', `targetRecall must be in (0, 1], got ${target}`);
    }
    const poison = options.poisonThreshold ?? 0.5;
    if (!(poison >= 0 && poison <= 1)) {
      throw new SporeprintError('SP_ERR_BAD_PARAM', `poisonThreshold must be in [0, 1], got ${poison}`);
    }
    if (!(yVal instanceof Uint8Array) || !(pVal instanceof Float64Array) || yVal.length !== pVal.length) {
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        'yVal and pVal must be a Uint8Array and Float64Array of equal length',
      );
    }
    const pos: number[] = [];
    for (let i = 0; i < yVal.length; i++) {
      if (yVal[i] > 1) throw new SporeprintError('SP_ERR_BAD_DATA', `yVal[${i}] = ${yVal[i]} is not 0 or 1`);
      const p = pVal[i];
      if (!(p >= 0 && p <= 1))
        throw new SporeprintError('SP_ERR_BAD_DATA', `pVal[${i}] = ${p} is not a probability`);
      if (yVal[i] === 1) pos.push(p);
    }
    if (pos.length === 0) {
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        'the validation set has no poisonous rows: a recall-guaranteeing threshold cannot be chosen',
      );
    }
    pos.sort((a, b) => a - b);
    // allowed misses; the tiny slack absorbs round-off in (1 − target)·P (e.g. 0.001·1000)
    const k = Math.floor((1 - target) * pos.length + 1e-9);
    const cap = options.maxEdibleBelow ?? 0.1;
    if (!(cap >= 0 && cap <= 1)) {
      throw new SporeprintError('SP_ERR_BAD_PARAM', `maxEdibleBelow must be in [0, 1], got ${cap}`);
    }
    const edibleBelow = Math.min(k >= pos.length ? 1 : pos[k], cap);
    return new DecisionPolicy(target, edibleBelow, Math.max(poison, edibleBelow));
  }

  /** 0 edible, 1 poisonous, 2 uncertain. */
  decide(p: number): 0 | 1 | 2 {
    if (p < this.edibleBelow) return 0;
    if (p >= this.poisonousAtOrAbove) return 1;
    return 2;
  }

  /** Decides every probability into `out` (allocated when omitted). */
  decideBatch(p: Float64Array, out?: Uint8Array): Uint8Array {
    const res = out ?? new Uint8Array(p.length);
    if (res.length !== p.length) {
      throw new SporeprintError('SP_ERR_BAD_DATA', `out has length ${res.length}, expected ${p.length}`);
    }
    const lo = this.edibleBelow;
    const hi = this.poisonousAtOrAbove;
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      res[i] = v < lo ? 0 : v >= hi ? 1 : 2;
    }
    return res;
  }

  /** Uncertain share, false-edible count and recall of this policy on a labelled set (e.g. test). */
  report(yTrue: Uint8Array, p: Float64Array): DecisionPolicyReport {
    const m = evaluateDecisions(yTrue, this.decideBatch(p));
    let P = 0;
    for (let i = 0; i < yTrue.length; i++) P += yTrue[i];
    return { ...m, recall: P > 0 ? (P - m.falseEdible) / P : 1 };
  }

  /** Versioned plain data. */
  toJSON(): DecisionPolicyJSON {
    return {
      formatVersion: 1,
      kind: 'decision-policy',
      targetRecall: this.targetRecall,
      edibleBelow: this.edibleBelow,
      poisonousAtOrAbove: this.poisonousAtOrAbove,
    };
  }

  /** Loads a policy; throws SP_ERR_MODEL_FORMAT naming the failing path. */
  static fromJSON(json: unknown): DecisionPolicy {
    checkJson(json);
    const j = json as unknown as DecisionPolicyJSON;
    if (j.poisonousAtOrAbove < j.edibleBelow) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        'decision policy: /poisonousAtOrAbove is below /edibleBelow',
        {
          path: '/poisonousAtOrAbove',
        },
      );
    }
    return new DecisionPolicy(j.targetRecall, j.edibleBelow, j.poisonousAtOrAbove);
  }
}
