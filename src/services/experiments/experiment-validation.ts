/**
 * Checks of what users give an experiment: arms, weights and settings. Each problem is an error
 * naming the field and the value; nothing is stored until every check passes.
 */
import { SporeprintError } from '../../core/index.js';
import type {
  ArmRole,
  ExperimentArm,
  ExperimentSettings,
  ModelVersionRecord,
  PrimaryMetric,
} from '../../storage/index.js';

/** An arm's name: [a-z0-9][a-z0-9_-]{0,31}. */
export const ARM_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Longest description and reason. */
export const MAX_TEXT = 1000;

/**
 * Default settings: GrowthBook's defaults where it has one (Bayesian engine, α = 0.05, N* = 5,000,
 * Holm-Bonferroni), a guardrail tolerating no credible increase of the false-edible rate.
 */
export const DEFAULT_SETTINGS: ExperimentSettings = Object.freeze({
  primaryMetric: 'accuracy',
  engine: 'bayesian',
  sequential: true,
  sequentialTuning: 5000,
  alpha: 0.05,
  correction: 'holm-bonferroni',
  guardrailMargin: 0,
  minLabelledPerArm: 200,
  maxDurationHours: null,
});

const PRIMARY: readonly PrimaryMetric[] = ['accuracy', 'poisonous_recall', 'false_edible_rate'];
const ROLES: readonly ArmRole[] = ['control', 'challenger', 'shadow'];

function bad(message: string, details?: Record<string, unknown>): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_PARAM', message, details);
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw bad(`${field} "${String(value)}" is invalid: expected ${allowed.join(', ')}`);
  }
  return value as T;
}

function numberIn(field: string, value: unknown, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw bad(`${field} ${String(value)} is invalid: expected a number from ${min} to ${max}`);
  }
  if (integer && !Number.isInteger(value)) throw bad(`${field} ${value} is invalid: expected an integer`);
  return value;
}

/** The settings with defaults filled in, each checked against its range. */
export function checkSettings(given: Partial<ExperimentSettings> = {}): ExperimentSettings {
  const s = { ...DEFAULT_SETTINGS, ...given };
  const unknown = Object.keys(given).filter((k) => !(k in DEFAULT_SETTINGS));
  if (unknown.length > 0) {
    throw bad(
      `Unknown experiment setting(s): ${unknown.join(', ')} (known: ${Object.keys(DEFAULT_SETTINGS).join(', ')})`,
    );
  }
  if (typeof s.sequential !== 'boolean')
    throw bad(`sequential ${String(s.sequential)} is invalid: expected true or false`);
  return {
    primaryMetric: oneOf('primaryMetric', s.primaryMetric, PRIMARY),
    engine: oneOf('engine', s.engine, ['bayesian', 'frequentist'] as const),
    sequential: s.sequential,
    sequentialTuning: numberIn('sequentialTuning', s.sequentialTuning, 1, 10_000_000, true),
    alpha: numberIn('alpha', s.alpha, 1e-6, 0.5),
    correction: oneOf('correction', s.correction, ['holm-bonferroni', 'benjamini-hochberg', 'none'] as const),
    guardrailMargin: numberIn('guardrailMargin', s.guardrailMargin, 0, 1),
    minLabelledPerArm: numberIn('minLabelledPerArm', s.minLabelledPerArm, 0, 1_000_000_000, true),
    maxDurationHours:
      s.maxDurationHours === null ? null : numberIn('maxDurationHours', s.maxDurationHours, 0.001, 24 * 366),
  };
}

/** Weights: finite and ≥ 0, 0 for shadows, and the served arms' (control + challengers) sum > 0. */
export function checkWeights(arms: readonly ExperimentArm[]): void {
  for (const a of arms) {
    if (typeof a.weight !== 'number' || !Number.isFinite(a.weight) || a.weight < 0) {
      throw bad(`Arm ${a.name}: weight ${String(a.weight)} is invalid: expected a finite number ≥ 0`, {
        arm: a.name,
      });
    }
    if (a.role === 'shadow' && a.weight !== 0) {
      throw bad(
        `Arm ${a.name} is a shadow: it serves no traffic, so its weight must be 0 (got ${a.weight})`,
        {
          arm: a.name,
        },
      );
    }
  }
  const served = arms.filter((a) => a.role !== 'shadow');
  const sum = served.reduce((t, a) => t + a.weight, 0);
  if (!(sum > 0) || !Number.isFinite(sum)) {
    throw bad(
      `The weights of the served arms (${served.map((a) => `${a.name}=${a.weight}`).join(', ')}) must sum to a positive number`,
    );
  }
}

/** The arms' structure: names unique and well-formed, one control, at least one challenger or shadow. */
export function checkArms(arms: readonly ExperimentArm[]): void {
  if (!Array.isArray(arms) || arms.length < 2 || arms.length > 16) {
    throw bad('An experiment needs 2 to 16 arms: one control and at least one challenger or shadow');
  }
  const seen = new Set<string>();
  for (const a of arms) {
    if (typeof a.name !== 'string' || !ARM_NAME.test(a.name)) {
      throw bad(
        `Arm name "${String(a.name).slice(0, 40)}" is invalid: 1-32 lower-case letters, digits, '_' or '-', starting with a letter or digit`,
      );
    }
    if (seen.has(a.name)) throw bad(`Arm name "${a.name}" is used twice: arm names must be unique`);
    seen.add(a.name);
    oneOf(`Arm ${a.name}: role`, a.role, ROLES);
    if (!Number.isSafeInteger(a.version) || a.version < 1) {
      throw bad(`Arm ${a.name}: version ${String(a.version)} is invalid: versions are integers from 1`);
    }
  }
  const controls = arms.filter((a) => a.role === 'control').length;
  if (controls !== 1) throw bad(`An experiment needs exactly one control arm (got ${controls})`);
  checkWeights(arms);
}

/** Every arm's version is registered and not Archived (`versions`: the model's versions). */
export function checkArmVersions(
  modelName: string,
  arms: readonly ExperimentArm[],
  versions: readonly ModelVersionRecord[],
): void {
  const byNumber = new Map(versions.map((v) => [v.version, v]));
  for (const a of arms) {
    const v = byNumber.get(a.version);
    if (v === undefined) {
      const known = versions.map((x) => x.version).sort((x, y) => x - y);
      throw bad(
        `Arm ${a.name}: version ${a.version} of model ${modelName} is not registered (registered: ${known.join(', ') || 'none'})`,
        { arm: a.name, version: a.version },
      );
    }
    if (v.stage === 'Archived') {
      throw bad(
        `Arm ${a.name}: version ${a.version} of model ${modelName} is Archived and cannot be an arm (promote or register another version)`,
        { arm: a.name, version: a.version },
      );
    }
  }
}

/** A free text (description, reason): at most {@link MAX_TEXT} characters. */
export function checkText(field: string, value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_TEXT) {
    throw bad(`${field} is too long: at most ${MAX_TEXT} characters`);
  }
  return value;
}
