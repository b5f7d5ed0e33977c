import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  betaBinomialTest,
  confidenceSequence,
  type DifferenceType,
  falseEdibleGuardrail,
  gaussianBayesianTest,
  holmBonferroni,
  type MsprtState,
  msprt,
  powerMeans,
  powerProportions,
  proportionSummary,
  sampleSizeMeans,
  sampleSizeProportions,
  srmCheck,
  twoProportionZTest,
  welchTTest,
} from '../index.js';
import ref from './fixtures/ab_reference.json' with { type: 'json' };

/** |actual − expected| ≤ rel·|expected| + 1e-15 (the floor only matters for figures that are 0 exactly). */
function close(actual: number, expected: number | null, what: string, rel = 1e-9): void {
  if (expected === null) {
    expect(Number.isFinite(actual), `${what} should be infinite`).toBe(false);
    return;
  }
  const tol = rel * Math.abs(expected) + 1e-15;
  expect(Math.abs(actual - expected), `${what}: ${actual} vs scipy ${expected}`).toBeLessThanOrEqual(tol);
}

describe('two-proportion z-test against scipy', () => {
  ref.zTest.forEach((c, k) => {
    it(`case ${k}: ${c.control.successes}/${c.control.n} vs ${c.challenger.successes}/${c.challenger.n}`, () => {
      const r = twoProportionZTest(c.control, c.challenger, { alpha: c.alpha });
      for (const key of [
        'controlRate',
        'challengerRate',
        'difference',
        'z',
        'pValue',
        'standardError',
      ] as const) {
        close(r[key], c[key], key);
      }
      close(r.pooledStandardError, c.pooledStandardError, 'pooledStandardError');
      if (c.relativeLift === null) expect(r.relativeLift).toBeNull();
      else close(r.relativeLift as number, c.relativeLift, 'relativeLift');
      close(r.ci[0], c.ci[0], 'ci.lower');
      close(r.ci[1], c.ci[1], 'ci.upper');
      expect(r.degenerate).toBe(c.degenerate);
      expect(r.significant).toBe(c.pValue < c.alpha);
    });
  });
});

describe('Welch t-test against scipy.stats.ttest_ind_from_stats', () => {
  ref.welch.forEach((c, k) => {
    it(`case ${k} (${c.difference}, n = ${c.control.n}/${c.challenger.n})`, () => {
      const r = welchTTest(c.control, c.challenger, {
        alpha: c.alpha,
        difference: c.difference as DifferenceType,
      });
      for (const key of ['estimate', 'standardError', 'df', 't', 'pValue'] as const)
        close(r[key], c[key], key);
      close(r.ci[0], c.ci[0], 'ci.lower');
      close(r.ci[1], c.ci[1], 'ci.upper');
      expect(r.degenerate).toBe(c.degenerate);
    });
  });
});

describe('exact beta-binomial against exact rational sums and scipy quad', () => {
  ref.betaBinomial.forEach((c, k) => {
    it(`case ${k}: ${c.control.successes}/${c.control.n} vs ${c.challenger.successes}/${c.challenger.n} (${c.method})`, () => {
      const r = betaBinomialTest(c.control, c.challenger, { prior: c.prior });
      close(r.chanceToBeatControl, c.chanceToBeatControl, 'chanceToBeatControl');
      // Exact rational references: 1e-9. Where the reference risk is a quad integral of a difference of
      // two terms (non-integer priors, large n), quad's own error reaches ~1e-9: 1e-8 there.
      const rel = c.method === 'exact-rational' ? 1e-9 : 1e-8;
      close(r.riskControl, c.riskControl, 'riskControl', rel);
      close(r.riskChallenger, c.riskChallenger, 'riskChallenger', rel);
    });
  });
});

describe("GrowthBook's Gaussian Bayesian engine against scipy truncnorm", () => {
  ref.gaussianBayesian.forEach((c, k) => {
    it(`case ${k} (${c.options.difference}, proper prior ${c.options.prior.proper}, inverse ${c.options.inverse})`, () => {
      const o = c.options;
      const r = gaussianBayesianTest(c.control, c.challenger, {
        ...o,
        difference: o.difference as DifferenceType,
      });
      for (const key of ['expected', 'stddev', 'chanceToWin', 'riskControl', 'riskChallenger'] as const) {
        close(r[key], c[key], key);
      }
      close(r.ci[0], c.ci[0], 'ci.lower');
      close(r.ci[1], c.ci[1], 'ci.upper');
    });
  });
});

describe("GrowthBook's confidence sequences against the published formulas", () => {
  ref.confidenceSequence.forEach((c, k) => {
    it(`case ${k} (${c.options.difference}, ${c.options.alternative}, N* = ${c.options.tuning})`, () => {
      const o = c.options;
      const r = confidenceSequence(c.control, c.challenger, {
        ...o,
        difference: o.difference as DifferenceType,
        alternative: o.alternative as 'two-sided' | 'greater' | 'less',
      });
      for (const key of ['estimate', 'standardError', 'rho', 'halfWidth'] as const)
        close(r[key], c[key], key);
      close(r.ci[0], c.ci[0], 'ci.lower');
      close(r.ci[1], c.ci[1], 'ci.upper');
      if (c.pValue === null) expect(r.pValue).toBeNull();
      else close(r.pValue as number, c.pValue, 'pValue');
    });
  });
});

describe('mSPRT against the normal mixture integrated numerically', () => {
  ref.msprt.forEach((c, k) => {
    it(`sequence ${k} (τ = ${c.tau}, θ₀ = ${c.theta0}): every look`, () => {
      let previous: MsprtState | undefined;
      c.looks.forEach((look, j) => {
        const r = msprt(look.control, look.challenger, {
          tau: c.tau,
          alpha: c.alpha,
          theta0: c.theta0,
          previous,
        });
        // quad + brentq (xtol 1e-15) in the reference: 1e-9 relative.
        close(r.logLikelihoodRatio, look.logLikelihoodRatio, `look ${j} ln Λ`);
        close(r.pValue, look.pValue, `look ${j} p`);
        close(r.ci[0], look.ci[0], `look ${j} ci.lower`);
        close(r.ci[1], look.ci[1], `look ${j} ci.upper`);
        previous = r.state;
      });
    });
  });
});

describe('Holm–Bonferroni and Benjamini–Hochberg against their definitions', () => {
  ref.multipleTesting.forEach((c, k) => {
    it(`list ${k} (m = ${c.pValues.length})`, () => {
      const holm = holmBonferroni(c.pValues);
      const bh = benjaminiHochberg(c.pValues);
      for (let i = 0; i < c.pValues.length; i++) {
        close(holm[i], c.holm[i], `holm[${i}]`, 1e-12);
        close(bh[i], c.bh[i], `bh[${i}]`, 1e-12);
      }
    });
  });
});

describe('sample size and power against the closed forms checked by brentq', () => {
  ref.sampleSizeProportions.forEach((c, k) => {
    it(`proportions ${k}: baseline ${c.input.baseline}, ${c.input.mdeType} MDE ${c.input.mde}`, () => {
      const input = { ...c.input, mdeType: c.input.mdeType as 'relative' | 'absolute' };
      const s = sampleSizeProportions(input);
      close(s.exactControlN, c.exactControlN, 'exactControlN');
      close(s.effect, c.effect, 'effect');
      expect([s.controlN, s.challengerN]).toEqual([c.controlN, c.challengerN]);
      close(powerProportions({ ...input, controlN: s.controlN }), c.powerAtControlN, 'power at n');
      close(powerProportions({ ...input, controlN: 1000 }), c.powerAt1000, 'power at 1000');
      expect(powerProportions({ ...input, controlN: s.controlN })).toBeGreaterThanOrEqual(c.input.power);
    });
  });
  ref.sampleSizeMeans.forEach((c, k) => {
    it(`means ${k}: sd ${c.input.stdDev}, ${c.input.mdeType} MDE ${c.input.mde}`, () => {
      const input = { ...c.input, mdeType: c.input.mdeType as 'relative' | 'absolute' };
      const s = sampleSizeMeans(input);
      close(s.exactControlN, c.exactControlN, 'exactControlN');
      expect([s.controlN, s.challengerN]).toEqual([c.controlN, c.challengerN]);
      close(powerMeans({ ...input, controlN: s.controlN }), c.powerAtControlN, 'power at n');
      close(powerMeans({ ...input, controlN: 1000 }), c.powerAt1000, 'power at 1000');
    });
  });
});

describe('SRM check against scipy.stats.chisquare', () => {
  ref.srm.forEach((c, k) => {
    it(`case ${k}: ${c.observed.join('/')} for weights ${c.weights.join(':')}`, () => {
      const r = srmCheck(c.observed, c.weights, { threshold: c.threshold, minUnits: c.minUnits });
      close(r.chiSquare, c.chiSquare, 'chiSquare');
      close(r.pValue, c.pValue, 'pValue');
      expect(r.df).toBe(c.df);
      for (let i = 0; i < c.expected.length; i++) close(r.expected[i], c.expected[i], `expected[${i}]`);
      expect([r.flagged, r.rule]).toEqual([c.flagged, c.rule]);
    });
  });
});

describe('false-edible guardrail against the one-sided sequence computed in Python', () => {
  ref.guardrail.forEach((c, k) => {
    it(`case ${k}: ${c.control.falseEdible}/${c.control.poisonousLabelled} vs ${c.challenger.falseEdible}/${c.challenger.poisonousLabelled}`, () => {
      const r = falseEdibleGuardrail(c.control, c.challenger, c.options);
      for (const key of ['controlRate', 'challengerRate', 'difference', 'lowerBound'] as const)
        close(r[key], c[key], key);
      expect(r.decision).toBe(c.decision);
    });
  });
});

it('proportionSummary gives the Bernoulli variance gbstats uses', () => {
  expect(proportionSummary({ successes: 30, n: 200 })).toEqual({ mean: 0.15, variance: 0.15 * 0.85, n: 200 });
});
