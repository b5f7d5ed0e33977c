/** GrowthBook's default (Bayesian) engine: a Gaussian posterior on the effect, optionally with a prior. */

import { type ChanceHighlight, highlightChance } from './chance-to-win.js';
import { checkFinite, checkMeanSummary, checkOpenUnit, checkPositive } from './check-params.js';
import { phi, phiDensity, phiInverse } from './distributions.js';
import { type Degenerate, type DifferenceType, effectMoments } from './effect-moments.js';
import type { MeanSummary } from './summaries.js';

/** A Normal(mean, stddev²) prior on the effect; `proper: false` means a flat (improper) prior. */
export interface GaussianPrior {
  readonly mean: number;
  readonly stddev: number;
  readonly proper: boolean;
}

/**
 * GrowthBook's default prior: Normal(0, 0.3²) on the relative lift, off unless `proper` is switched on
 * (docs.growthbook.io/statistics/details, "Bayesian Engine": prior mean 0, standard deviation 0.3).
 */
export const GROWTHBOOK_DEFAULT_PRIOR: GaussianPrior = Object.freeze({ mean: 0, stddev: 0.3, proper: false });

/** Options of {@link gaussianBayesianTest}. */
export interface GaussianBayesianOptions {
  /** Prior on the effect, in the units of `difference` (default {@link GROWTHBOOK_DEFAULT_PRIOR}, i.e. flat). */
  readonly prior?: GaussianPrior;
  /** Credible interval level 1 − alpha. Default 0.05. */
  readonly alpha?: number;
  /** 'relative' (default, as GrowthBook) or 'absolute'. */
  readonly difference?: DifferenceType;
  /** true when lower is better (e.g. a false-edible rate): chance to win and the risks flip. */
  readonly inverse?: boolean;
}

/** Result of {@link gaussianBayesianTest}. */
export interface GaussianBayesianResult {
  readonly difference: DifferenceType;
  /** Posterior mean of the effect. */
  readonly expected: number;
  /** Posterior standard deviation of the effect. */
  readonly stddev: number;
  /** Posterior P(effect > 0), or P(effect < 0) when `inverse`. */
  readonly chanceToWin: number;
  /** Equal-tailed credible interval at level 1 − alpha. */
  readonly ci: readonly [number, number];
  /** Expected loss of choosing the control (in effect units). */
  readonly riskControl: number;
  /** Expected loss of choosing the challenger (in effect units). */
  readonly riskChallenger: number;
  readonly highlight: ChanceHighlight;
  /** Set when the data say nothing (then the posterior is the prior, or the output is uninformative). */
  readonly degenerate: Degenerate | null;
}

/**
 * GrowthBook's Bayesian engine (gbstats `EffectBayesianABTest`): the effect — relative lift by default,
 * with the delta-method variance — is Normal(Δ̂, σ̂²) given the data; with a proper prior Normal(μ₀, σ₀²)
 * the posterior precision is 1/σ̂² + 1/σ₀² and the posterior mean the precision-weighted average. Chance
 * to win = P(effect > 0); the credible interval is the equal-tailed normal one; the risks are
 * E[max(effect, 0)] (choosing control) and E[max(−effect, 0)] (choosing the challenger), in closed form
 * μΦ(μ/σ) + σφ(μ/σ) — what gbstats computes with truncated-normal means.
 * For proportions pass {@link proportionSummary} of each arm.
 *
 * @example
 * gaussianBayesianTest(proportionSummary({ successes: 100, n: 1000 }), proportionSummary({ successes: 120, n: 1000 }))
 */
export function gaussianBayesianTest(
  control: MeanSummary,
  challenger: MeanSummary,
  options: GaussianBayesianOptions = {},
): GaussianBayesianResult {
  checkMeanSummary('control', control, 1);
  checkMeanSummary('challenger', challenger, 1);
  const alpha = options.alpha ?? 0.05;
  checkOpenUnit('alpha', alpha);
  const prior = options.prior ?? GROWTHBOOK_DEFAULT_PRIOR;
  checkFinite('prior.mean', prior?.mean);
  checkPositive('prior.stddev', prior.stddev);
  const difference = options.difference ?? 'relative';
  const inverse = options.inverse ?? false;
  const m = effectMoments(control, challenger, difference);
  const priorVariance = prior.stddev * prior.stddev;
  let mean: number;
  let precision: number;
  if (m.degenerate === 'zero-control-mean' || (m.degenerate && !prior.proper)) {
    return uninformative(difference, m.degenerate);
  }
  if (m.degenerate) {
    // No information in the data: the posterior is the (proper) prior.
    mean = prior.mean;
    precision = 1 / priorVariance;
  } else {
    const dataVariance = m.standardError * m.standardError;
    precision = 1 / dataVariance + (prior.proper ? 1 / priorVariance : 0);
    mean = prior.proper ? (m.estimate / dataVariance + prior.mean / priorVariance) / precision : m.estimate;
  }
  const sd = Math.sqrt(1 / precision);
  const k = mean / sd;
  const pPositive = phi(k);
  const chanceToWin = inverse ? phi(-k) : pPositive;
  // E[max(X, 0)] = σ(φ(k) + kΦ(k)); E[max(−X, 0)] = σ(φ(k) − kΦ(−k)).
  const lossIfControl = sd * (phiDensity(k) + k * pPositive);
  const lossIfChallenger = sd * (phiDensity(k) - k * phi(-k));
  return {
    difference,
    expected: mean,
    stddev: sd,
    chanceToWin,
    ci: [mean + sd * phiInverse(alpha / 2), mean + sd * phiInverse(1 - alpha / 2)],
    riskControl: Math.max(0, inverse ? lossIfChallenger : lossIfControl),
    riskChallenger: Math.max(0, inverse ? lossIfControl : lossIfChallenger),
    highlight: highlightChance(chanceToWin),
    degenerate: m.degenerate,
  };
}

function uninformative(difference: DifferenceType, degenerate: Degenerate): GaussianBayesianResult {
  return {
    difference,
    expected: 0,
    stddev: 0,
    chanceToWin: 0.5,
    ci: [0, 0],
    riskControl: 0,
    riskChallenger: 0,
    highlight: null,
    degenerate,
  };
}
