/**
 * A small simulator of experiments for the analysis tests: units arrive one by one, are assigned to an
 * arm, get a decision from that arm's "model" and a true label, and the per-arm figures accumulate as
 * the metrics query would report them.
 */
import { Rng } from '../../../../core/index.js';
import type {
  ArmMetrics,
  ExperimentArm,
  ExperimentRecord,
  ExperimentSettings,
} from '../../../../storage/index.js';

/** How one arm's model behaves on each true label. */
export interface ArmModel {
  /** P(decision edible | poisonous truth): the false-edible rate. */
  readonly falseEdible: number;
  /** P(decision edible | edible truth). */
  readonly edibleRecall: number;
  /** P(decision uncertain), whatever the truth. */
  readonly uncertain: number;
}

export const GOOD_MODEL: ArmModel = { falseEdible: 0.03, edibleRecall: 0.9, uncertain: 0.04 };

export const SETTINGS: ExperimentSettings = {
  primaryMetric: 'accuracy',
  engine: 'frequentist',
  sequential: false,
  sequentialTuning: 5000,
  alpha: 0.05,
  correction: 'holm-bonferroni',
  guardrailMargin: 0,
  minLabelledPerArm: 100,
  maxDurationHours: null,
};

export function makeExperiment(
  arms: readonly ExperimentArm[],
  settings: Partial<ExperimentSettings> = {},
  assignment: 'client' | 'request' = 'request',
): ExperimentRecord {
  return {
    id: 'exp-sim',
    modelName: 'mushroom',
    description: null,
    status: 'running',
    assignment,
    arms,
    settings: { ...SETTINGS, ...settings },
    createdAt: new Date('2026-12-01T00:00:00.000Z'),
    createdBy: 'test',
    startedAt: new Date('2026-12-01T00:00:00.000Z'),
    stoppedAt: null,
    concludedAt: null,
    winner: null,
    statusReason: null,
  };
}

export const TWO_ARMS: ExperimentArm[] = [
  { name: 'control', version: 1, role: 'control', weight: 50 },
  { name: 'challenger', version: 2, role: 'challenger', weight: 50 },
];

/** Mutable per-arm counts. */
interface Counts {
  requests: number;
  labelled: number;
  correct: number;
  poisonousLabelled: number;
  falseEdible: number;
  uncertain: number;
}

/** One simulated experiment: call `add(n)` to let n more units arrive, `metrics()` to read the figures. */
export class SimulatedExperiment {
  readonly #rng: Rng;
  readonly #experiment: ExperimentRecord;
  readonly #models: readonly ArmModel[];
  readonly #counts: Counts[];
  readonly #cumulative: number[];
  readonly #drop: (arm: number, rng: Rng) => boolean;

  /**
   * `models[i]` answers for `experiment.arms[i]`; served arms split units by weight, every shadow arm
   * scores each unit; `drop(arm)` loses a served unit before it is logged (an injected assignment bug).
   */
  constructor(
    experiment: ExperimentRecord,
    models: readonly ArmModel[],
    seed: number,
    drop: (arm: number, rng: Rng) => boolean = () => false,
  ) {
    this.#rng = new Rng(seed);
    this.#experiment = experiment;
    this.#models = models;
    this.#drop = drop;
    this.#counts = experiment.arms.map(() => ({
      requests: 0,
      labelled: 0,
      correct: 0,
      poisonousLabelled: 0,
      falseEdible: 0,
      uncertain: 0,
    }));
    const total = experiment.arms.reduce((s, a) => s + (a.role === 'shadow' ? 0 : a.weight), 0);
    let acc = 0;
    this.#cumulative = experiment.arms.map((a) => {
      acc += a.role === 'shadow' ? 0 : a.weight / total;
      return acc;
    });
  }

  /** Units that arrive (each labelled; half the mushrooms are poisonous). */
  add(units: number): void {
    const rng = this.#rng;
    const arms = this.#experiment.arms;
    for (let u = 0; u < units; u++) {
      const x = rng.next();
      const served = this.#cumulative.findIndex((c, i) => arms[i].role !== 'shadow' && x < c);
      if (this.#drop(served, rng)) continue;
      const poisonous = rng.next() < 0.5;
      for (let i = 0; i < arms.length; i++) {
        if (i !== served && arms[i].role !== 'shadow') continue;
        this.#score(i, poisonous);
      }
    }
  }

  #score(arm: number, poisonous: boolean): void {
    const m = this.#models[arm];
    const c = this.#counts[arm];
    const rng = this.#rng;
    c.requests++;
    c.labelled++;
    if (rng.next() < m.uncertain) {
      c.uncertain++;
      if (poisonous) c.poisonousLabelled++;
      return;
    }
    if (poisonous) {
      c.poisonousLabelled++;
      if (rng.next() < m.falseEdible) c.falseEdible++;
      else c.correct++;
    } else if (rng.next() < m.edibleRecall) {
      c.correct++;
    }
  }

  metrics(): ArmMetrics[] {
    return this.#experiment.arms.map((a, i) => {
      const c = this.#counts[i];
      return {
        arm: a.name,
        version: a.version,
        role: a.role,
        requests: c.requests,
        units: c.requests,
        labelled: c.labelled,
        correct: c.correct,
        poisonousLabelled: c.poisonousLabelled,
        poisonousCaught: c.poisonousLabelled - c.falseEdible,
        falseEdible: c.falseEdible,
        uncertain: c.uncertain,
        latencyP50Us: null,
        latencyP95Us: null,
      };
    });
  }
}

/**
 * The largest share of `runs` trials that is still consistent, at one-sided 99.9 %, with a true rate of
 * `rate` (normal approximation of the binomial): a simulated error rate above it means the true rate
 * exceeds `rate`.
 */
export function binomialUpperBound(rate: number, runs: number): number {
  return rate + 3.09 * Math.sqrt((rate * (1 - rate)) / runs);
}
