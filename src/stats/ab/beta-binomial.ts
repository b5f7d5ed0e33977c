/**
 * Bayesian comparison of two rates with Beta posteriors: the exact chance that the challenger's rate beats
 * the control's, and the expected loss (risk) of choosing either arm. Exact closed-form sums, no Monte
 * Carlo, so the same counts always give the same figures.
 */
import betaln from '@stdlib/math-base-special-betaln';
import { type ChanceHighlight, highlightChance } from './chance-to-win.js';
import { badParam, checkPositive, checkProportionCounts } from './check-params.js';
import type { ProportionCounts } from './summaries.js';

/** A Beta(alpha, beta) prior on each arm's rate. */
export interface BetaPrior {
  readonly alpha: number;
  readonly beta: number;
}

/** The uniform prior Beta(1, 1). */
export const UNIFORM_BETA_PRIOR: BetaPrior = Object.freeze({ alpha: 1, beta: 1 });

/** Options of {@link betaBinomialTest}. */
export interface BetaBinomialOptions {
  /**
   * Prior of both arms (default uniform Beta(1, 1)). At least one of its two parameters must be an
   * integer: the exact sums run over an integer posterior parameter.
   */
  readonly prior?: BetaPrior;
}

/** One arm's Beta posterior. */
export interface BetaPosterior {
  readonly alpha: number;
  readonly beta: number;
  /** Posterior mean alpha / (alpha + beta). */
  readonly mean: number;
}

/** Result of {@link betaBinomialTest}. */
export interface BetaBinomialResult {
  readonly control: BetaPosterior;
  readonly challenger: BetaPosterior;
  /** P(p_challenger > p_control) under the posteriors. */
  readonly chanceToBeatControl: number;
  /** Expected loss of choosing the control, E[max(p_challenger − p_control, 0)], in rate units. */
  readonly riskControl: number;
  /** Expected loss of choosing the challenger, E[max(p_control − p_challenger, 0)], in rate units. */
  readonly riskChallenger: number;
  /** 'winning' beyond 95 %, 'losing' below 5 % (GrowthBook's highlighting), else null. */
  readonly highlight: ChanceHighlight;
}

/**
 * Exact beta-binomial test of a challenger's rate against the control's: posteriors
 * Beta(α₀ + successes, β₀ + failures), chance to beat control P(p_B > p_A) by the closed-form sum
 * P = Σ_{i<α_B} B(α_A + i, β_A + β_B) / ((β_B + i) B(1 + i, β_B) B(α_A, β_A)) (or one of its three
 * mirror forms: the cheapest exact one is used, and the smaller of P and 1 − P is always summed directly so
 * both keep full relative precision), and the risks E[max(p_B − p_A, 0)] and E[max(p_A − p_B, 0)] from the
 * same sums on size-biased posteriors (E[X·1{X>Y}] = E[X]·P(X⁺ > Y), X⁺ ~ Beta(α + 1, β)).
 *
 * @example
 * betaBinomialTest({ successes: 40, n: 400 }, { successes: 60, n: 400 }).chanceToBeatControl // ≈ 0.984
 */
export function betaBinomialTest(
  control: ProportionCounts,
  challenger: ProportionCounts,
  options: BetaBinomialOptions = {},
): BetaBinomialResult {
  checkProportionCounts('control', control);
  checkProportionCounts('challenger', challenger);
  const prior = options.prior ?? UNIFORM_BETA_PRIOR;
  checkPositive('prior.alpha', prior?.alpha);
  checkPositive('prior.beta', prior.beta);
  if (!Number.isInteger(prior.alpha) && !Number.isInteger(prior.beta)) {
    badParam(
      'prior',
      'needs an integer alpha or beta: the exact sums run over an integer posterior parameter',
    );
  }
  const a = posterior(control, prior);
  const b = posterior(challenger, prior);
  const chance = probGreater(b.alpha, b.beta, a.alpha, a.beta);
  // Sum the smaller risk directly; the larger follows exactly from risk_A − risk_B = mean_B − mean_A.
  let riskControl: number;
  let riskChallenger: number;
  if (b.mean >= a.mean) {
    riskChallenger = expectedShortfall(a, b);
    riskControl = riskChallenger + (b.mean - a.mean);
  } else {
    riskControl = expectedShortfall(b, a);
    riskChallenger = riskControl + (a.mean - b.mean);
  }
  return {
    control: a,
    challenger: b,
    chanceToBeatControl: chance.p,
    riskControl,
    riskChallenger,
    highlight: highlightChance(chance.p),
  };
}

function posterior(arm: ProportionCounts, prior: BetaPrior): BetaPosterior {
  const alpha = prior.alpha + arm.successes;
  const beta = prior.beta + arm.n - arm.successes;
  return { alpha, beta, mean: alpha / (alpha + beta) };
}

/** E[max(X − Y, 0)] for X ~ x, Y ~ y: E[X]·P(X⁺ > Y) − E[Y]·P(X > Y⁺). */
function expectedShortfall(x: BetaPosterior, y: BetaPosterior): number {
  const p1 = probGreater(x.alpha + 1, x.beta, y.alpha, y.beta).p;
  const p2 = probGreater(x.alpha, x.beta, y.alpha + 1, y.beta).p;
  return Math.max(0, x.mean * p1 - y.mean * p2);
}

/** A probability and its complement, the smaller of the two computed directly. */
interface ProbabilityPair {
  readonly p: number;
  readonly q: number;
}

/** P(X > Y) for independent X ~ Beta(a, b), Y ~ Beta(c, d), by the cheapest exact sum. */
export function probGreater(a: number, b: number, c: number, d: number): ProbabilityPair {
  // Four exact forms; each sums over one integer parameter (its value = number of terms).
  // direct: P = S(Y as control, X as challenger) over a; P = S(reflected) over d.
  // complement: P = 1 − S(X as control, Y as challenger) over c; P = 1 − S(reflected) over b.
  const direct: Array<[number, () => number]> = [];
  const complement: Array<[number, () => number]> = [];
  if (Number.isInteger(a)) direct.push([a, () => sumChallengerBeats(c, d, a, b)]);
  if (Number.isInteger(d)) direct.push([d, () => sumChallengerBeats(b, a, d, c)]);
  if (Number.isInteger(c)) complement.push([c, () => sumChallengerBeats(a, b, c, d)]);
  if (Number.isInteger(b)) complement.push([b, () => sumChallengerBeats(d, c, b, a)]);
  // The side whose sum is the smaller probability keeps its relative precision: prefer it.
  const pLikelySmall = a / (a + b) < c / (c + d);
  const preferred = pLikelySmall ? direct : complement;
  const forms = preferred.length > 0 ? preferred : pLikelySmall ? complement : direct;
  const cheapest = forms.reduce((best, f) => (f[0] < best[0] ? f : best));
  const s = Math.min(1, Math.max(0, cheapest[1]()));
  const isDirect = direct.includes(cheapest);
  return isDirect ? { p: s, q: 1 - s } : { p: 1 - s, q: s };
}

/** Every this many terms the running log-term is recomputed exactly, so rounding cannot drift. */
const REANCHOR_EVERY = 512;

/**
 * P(p_B > p_A) for p_A ~ Beta(aA, bA), p_B ~ Beta(aB, bB) with integer aB:
 * Σ_{i=0}^{aB−1} exp(ln B(aA+i, bA+bB) − ln(bB+i) − ln B(1+i, bB) − ln B(aA, bA)).
 * Terms follow the ratio t_{i+1}/t_i = (aA+i)(bB+i) / ((aA+bA+bB+i)(1+i)), summed in log space.
 */
function sumChallengerBeats(aA: number, bA: number, aB: number, bB: number): number {
  const base = betaln(aA, bA);
  const exactLogTerm = (i: number): number =>
    betaln(aA + i, bA + bB) - Math.log(bB + i) - betaln(1 + i, bB) - base;
  let logTerm = exactLogTerm(0);
  let maxLog = logTerm;
  let scaled = 1; // Σ exp(logTerm_i − maxLog)
  for (let i = 1; i < aB; i++) {
    if (i % REANCHOR_EVERY === 0) logTerm = exactLogTerm(i);
    else logTerm += Math.log(((aA + i - 1) * (bB + i - 1)) / ((aA + bA + bB + i - 1) * i));
    if (logTerm > maxLog) {
      scaled = scaled * Math.exp(maxLog - logTerm) + 1;
      maxLog = logTerm;
    } else {
      scaled += Math.exp(logTerm - maxLog);
    }
  }
  return Math.exp(maxLog + Math.log(scaled));
}
