/**
 * Planning: units per arm needed to detect a minimum detectable effect (MDE) with a two-sided test at
 * level alpha with the given power, and the power a given sample reaches (normal approximation, as the
 * power calculators of GrowthBook and Eppo).
 */
import { badParam, checkFinite, checkOpenUnit, checkPositive } from './check-params.js';
import { phi, phiInverse } from './distributions.js';

/** Whether `mde` is a relative change of the baseline (0.05 = +5 %) or an absolute one. */
export type MdeType = 'relative' | 'absolute';

/** Common planning options. */
export interface PlanOptions {
  /** Two-sided significance level. Default 0.05. */
  readonly alpha?: number;
  /** Challenger units per control unit (e.g. 1/9 for a 90/10 split). Default 1. */
  readonly ratio?: number;
  /** How to read `mde`. Default 'relative'. */
  readonly mdeType?: MdeType;
}

/** Input of {@link sampleSizeProportions} / {@link powerProportions}. */
export interface ProportionPlan extends PlanOptions {
  /** The control's rate, strictly between 0 and 1. */
  readonly baseline: number;
  /** Minimum detectable effect (non-zero), read according to `mdeType`. */
  readonly mde: number;
}

/** Input of {@link sampleSizeMeans} / {@link powerMeans}. */
export interface MeanPlan extends PlanOptions {
  /** Per-unit standard deviation of the metric (assumed equal in both arms). */
  readonly stdDev: number;
  /** Minimum detectable effect (non-zero), read according to `mdeType`. */
  readonly mde: number;
  /** The control's mean; needed (non-zero) when `mdeType` is 'relative'. */
  readonly baselineMean?: number;
}

/** A planned sample size. */
export interface SampleSize {
  /** Control units, rounded up. */
  readonly controlN: number;
  /** Challenger units, ⌈ratio · exact control units⌉. */
  readonly challengerN: number;
  readonly totalN: number;
  /** The unrounded control units the formula gives. */
  readonly exactControlN: number;
  /** The absolute effect planned for. */
  readonly effect: number;
}

function planCommon(o: PlanOptions, withPower: number | undefined) {
  const alpha = o.alpha ?? 0.05;
  checkOpenUnit('alpha', alpha);
  const ratio = o.ratio ?? 1;
  checkPositive('ratio', ratio);
  if (withPower !== undefined) checkOpenUnit('power', withPower);
  const mdeType = o.mdeType ?? 'relative';
  if (mdeType !== 'relative' && mdeType !== 'absolute')
    badParam('mdeType', `must be 'relative' or 'absolute'`);
  return { alpha, ratio, mdeType, zAlpha: phiInverse(1 - alpha / 2) };
}

function proportionTarget(plan: ProportionPlan, mdeType: MdeType): { p1: number; p2: number } {
  checkOpenUnit('baseline', plan.baseline);
  checkFinite('mde', plan.mde);
  if (plan.mde === 0) badParam('mde', 'must not be 0');
  const p1 = plan.baseline;
  const p2 = mdeType === 'relative' ? p1 * (1 + plan.mde) : p1 + plan.mde;
  if (!(p2 > 0 && p2 < 1)) badParam('mde', `moves the rate to ${p2}, outside (0, 1)`);
  return { p1, p2 };
}

function meanEffect(plan: MeanPlan, mdeType: MdeType): number {
  checkPositive('stdDev', plan.stdDev);
  checkFinite('mde', plan.mde);
  if (plan.mde === 0) badParam('mde', 'must not be 0');
  if (mdeType === 'absolute') return plan.mde;
  checkFinite('baselineMean', plan.baselineMean as number);
  if (plan.baselineMean === 0) badParam('baselineMean', 'must not be 0 for a relative MDE');
  return plan.mde * (plan.baselineMean as number);
}

function toSampleSize(exact: number, ratio: number, effect: number): SampleSize {
  const controlN = Math.ceil(exact);
  const challengerN = Math.ceil(ratio * exact);
  return { controlN, challengerN, totalN: controlN + challengerN, exactControlN: exact, effect };
}

/**
 * Units per arm for a two-proportion z-test: with k = ratio, p̄ = (p₁ + k p₂)/(1 + k) and Δ = p₂ − p₁,
 * n_control = (z_{1−α/2} √(p̄(1 − p̄)(1 + 1/k)) + z_{power} √(p₁(1 − p₁) + p₂(1 − p₂)/k))² / Δ²
 * (Fleiss, without continuity correction). Default power 0.8.
 *
 * @example sampleSizeProportions({ baseline: 0.1, mde: 0.1 }).controlN // 14751 (10 % → 11 %)
 */
export function sampleSizeProportions(plan: ProportionPlan & { readonly power?: number }): SampleSize {
  const power = plan.power ?? 0.8;
  const c = planCommon(plan, power);
  const { p1, p2 } = proportionTarget(plan, c.mdeType);
  const k = c.ratio;
  const pBar = (p1 + k * p2) / (1 + k);
  const null0 = Math.sqrt(pBar * (1 - pBar) * (1 + 1 / k));
  const alt = Math.sqrt(p1 * (1 - p1) + (p2 * (1 - p2)) / k);
  const num = c.zAlpha * null0 + phiInverse(power) * alt;
  const delta = p2 - p1;
  return toSampleSize((num * num) / (delta * delta), k, delta);
}

/**
 * Power of the two-sided two-proportion z-test with `controlN` control units (and ratio · controlN
 * challenger units): Φ((|Δ| − z·SE₀)/SE₁) + Φ((−|Δ| − z·SE₀)/SE₁), SE₀ pooled under H0, SE₁ under H1.
 */
export function powerProportions(plan: ProportionPlan & { readonly controlN: number }): number {
  const c = planCommon(plan, undefined);
  const { p1, p2 } = proportionTarget(plan, c.mdeType);
  checkPositive('controlN', plan.controlN);
  const nA = plan.controlN;
  const nB = c.ratio * nA;
  const pBar = (nA * p1 + nB * p2) / (nA + nB);
  const se0 = Math.sqrt(pBar * (1 - pBar) * (1 / nA + 1 / nB));
  const se1 = Math.sqrt((p1 * (1 - p1)) / nA + (p2 * (1 - p2)) / nB);
  const d = Math.abs(p2 - p1);
  return phi((d - c.zAlpha * se0) / se1) + phi((-d - c.zAlpha * se0) / se1);
}

/**
 * Units per arm for a two-sided test of means: n_control = (z_{1−α/2} + z_{power})² σ² (1 + 1/k) / Δ².
 * Default power 0.8.
 *
 * @example sampleSizeMeans({ stdDev: 1, mde: 0.1, mdeType: 'absolute' }).controlN // 1570
 */
export function sampleSizeMeans(plan: MeanPlan & { readonly power?: number }): SampleSize {
  const power = plan.power ?? 0.8;
  const c = planCommon(plan, power);
  const effect = meanEffect(plan, c.mdeType);
  const z = c.zAlpha + phiInverse(power);
  const exact = (z * z * plan.stdDev * plan.stdDev * (1 + 1 / c.ratio)) / (effect * effect);
  return toSampleSize(exact, c.ratio, effect);
}

/** Power of the two-sided test of means with `controlN` control units: Φ(|Δ|/SE − z) + Φ(−|Δ|/SE − z). */
export function powerMeans(plan: MeanPlan & { readonly controlN: number }): number {
  const c = planCommon(plan, undefined);
  const effect = meanEffect(plan, c.mdeType);
  checkPositive('controlN', plan.controlN);
  const se = plan.stdDev * Math.sqrt(1 / plan.controlN + 1 / (c.ratio * plan.controlN));
  const d = Math.abs(effect) / se;
  return phi(d - c.zAlpha) + phi(-d - c.zAlpha);
}
