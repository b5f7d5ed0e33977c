/**
 * Optimizely's Stats Engine test: the mixture sequential probability ratio test (mSPRT) of Johari,
 * Pekelis & Walsh, "Always valid inference: bringing sequential analysis to A/B testing" (2015/2017).
 */
import {
  badParam,
  checkFinite,
  checkMeanSummary,
  checkOpenUnit,
  checkPositive,
  checkProbability,
} from './check-params.js';
import { effectMoments } from './effect-moments.js';
import type { MeanSummary } from './summaries.js';

/** What one look hands to the next: the running always-valid p-value and interval. */
export interface MsprtState {
  readonly pValue: number;
  readonly ci: readonly [number, number];
}

/** Options of {@link msprt}. */
export interface MsprtOptions {
  /**
   * Mixing standard deviation τ of the normal mixture over effects θ ~ N(θ₀, τ²), in the units of the
   * difference (e.g. 0.01 for one percentage point of a rate). Required: it is the test's tuning
   * parameter. The test is most powerful for effects of about this size; Optimizely fits it from
   * historical experiments.
   */
  readonly tau: number;
  /** Error rate over all looks. Default 0.05. */
  readonly alpha?: number;
  /** Null value of the difference. Default 0. */
  readonly theta0?: number;
  /** The state returned by the previous look (omit at the first look). */
  readonly previous?: MsprtState;
}

/** Result of {@link msprt}. */
export interface MsprtResult {
  /** μ_B − μ_A. */
  readonly estimate: number;
  readonly standardError: number;
  /** ln Λ_n of this look. */
  readonly logLikelihoodRatio: number;
  /** Always-valid p-value p_n = min(p_{n−1}, 1/Λ_n). */
  readonly pValue: number;
  /**
   * Always-valid interval: this look's {θ₀ : Λ_n(θ₀) < 1/α} intersected with the previous one. It is
   * empty (lower > upper) only with probability ≤ α.
   */
  readonly ci: readonly [number, number];
  readonly significant: boolean;
  /** Pass to the next look as `previous`. */
  readonly state: MsprtState;
  /** 'zero-variance' when this look carries no information (the previous state is kept). */
  readonly degenerate: 'zero-variance' | null;
}

/**
 * One look of the two-sample mSPRT on the difference of means (or of rates, through
 * {@link proportionSummary}). With θ̂ = μ̂_B − μ̂_A and its variance s² = σ²_A/n_A + σ²_B/n_B, the normal
 * mixture likelihood ratio is Λ_n = √(s²/(s² + τ²)) · exp(τ²(θ̂ − θ₀)² / (2s²(s² + τ²))) — for equal arms
 * (s² = 2σ²/n) exactly Johari et al.'s Λ_n = √(2σ²/(2σ² + nτ²)) exp(n²τ²(Ȳ − X̄ − θ₀)²/(4σ²(2σ² + nτ²))).
 * The p-value only ever decreases and the interval only ever shrinks from look to look, so reading them
 * after every unit keeps the error rate at alpha.
 *
 * @example
 * let state: MsprtState | undefined;
 * for (const look of looks) state = msprt(look.control, look.challenger, { tau: 0.02, previous: state }).state;
 */
export function msprt(control: MeanSummary, challenger: MeanSummary, options: MsprtOptions): MsprtResult {
  checkMeanSummary('control', control, 1);
  checkMeanSummary('challenger', challenger, 1);
  checkPositive('tau', options?.tau);
  const alpha = options.alpha ?? 0.05;
  checkOpenUnit('alpha', alpha);
  const theta0 = options.theta0 ?? 0;
  checkFinite('theta0', theta0);
  const prev = options.previous;
  if (prev !== undefined) {
    checkProbability('previous.pValue', prev?.pValue);
    checkFiniteOrInfinite('previous.ci', prev.ci);
  }
  const prevP = prev?.pValue ?? 1;
  const prevCi: readonly [number, number] = prev?.ci ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const m = effectMoments(control, challenger, 'absolute');
  const s2 = m.standardError * m.standardError;
  if (m.degenerate) {
    const state = { pValue: prevP, ci: prevCi };
    return {
      estimate: m.estimate,
      standardError: 0,
      logLikelihoodRatio: 0,
      pValue: prevP,
      ci: prevCi,
      significant: prevP <= alpha,
      state,
      degenerate: 'zero-variance',
    };
  }
  const t2 = options.tau * options.tau;
  const d = m.estimate - theta0;
  const logLr = 0.5 * Math.log(s2 / (s2 + t2)) + (t2 * d * d) / (2 * s2 * (s2 + t2));
  const pValue = Math.min(prevP, Math.min(1, Math.exp(-logLr)));
  const half = Math.sqrt(((2 * s2 * (s2 + t2)) / t2) * (0.5 * Math.log((s2 + t2) / s2) - Math.log(alpha)));
  const ci: [number, number] = [
    Math.max(prevCi[0], m.estimate - half),
    Math.min(prevCi[1], m.estimate + half),
  ];
  return {
    estimate: m.estimate,
    standardError: m.standardError,
    logLikelihoodRatio: logLr,
    pValue,
    ci,
    significant: pValue <= alpha,
    state: { pValue, ci },
    degenerate: null,
  };
}

function checkFiniteOrInfinite(param: string, ci: readonly [number, number]): void {
  if (!Array.isArray(ci) || ci.length !== 2 || Number.isNaN(ci[0]) || Number.isNaN(ci[1])) {
    badParam(param, 'must be a [lower, upper] pair of numbers');
  }
}
