import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  betaBinomialTest,
  CHANCE_TO_WIN_LOSING,
  CHANCE_TO_WIN_WINNING,
  confidenceSequence,
  falseEdibleGuardrail,
  GROWTHBOOK_DEFAULT_PRIOR,
  gaussianBayesianTest,
  highlightChance,
  holmBonferroni,
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

/** Expects SP_ERR_BAD_PARAM whose message starts with the argument's name and whose details name it. */
function rejects(fn: () => unknown, param: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a throw naming ${param}`).toMatchObject({
    code: 'SP_ERR_BAD_PARAM',
    details: { param },
  });
  expect((caught as Error).message.startsWith(param)).toBe(true);
}

const counts = { successes: 10, n: 100 };
const summary = { mean: 1, variance: 1, n: 10 };

describe('bad input throws SP_ERR_BAD_PARAM naming the argument', () => {
  it('negative or fractional counts, successes above n, n = 0', () => {
    for (const fn of [twoProportionZTest, betaBinomialTest]) {
      rejects(() => fn({ successes: -1, n: 10 }, counts), 'control.successes');
      rejects(() => fn(counts, { successes: 1.5, n: 10 }), 'challenger.successes');
      rejects(() => fn(counts, { successes: 11, n: 10 }), 'challenger.successes');
      rejects(() => fn({ successes: 0, n: 0 }, counts), 'control.n');
      rejects(() => fn(counts, { successes: 0, n: -3 }), 'challenger.n');
    }
    rejects(() => proportionSummary({ successes: 0, n: 0 }), 'arm.n');
    rejects(
      () =>
        falseEdibleGuardrail(
          { falseEdible: -1, poisonousLabelled: 5 },
          { falseEdible: 0, poisonousLabelled: 5 },
        ),
      'control.falseEdible',
    );
    rejects(
      () =>
        falseEdibleGuardrail(
          { falseEdible: 0, poisonousLabelled: 5 },
          { falseEdible: 0, poisonousLabelled: 0 },
        ),
      'challenger.poisonousLabelled',
    );
    rejects(
      () =>
        falseEdibleGuardrail(
          { falseEdible: 6, poisonousLabelled: 5 },
          { falseEdible: 0, poisonousLabelled: 5 },
        ),
      'control.falseEdible',
    );
  });

  it('summaries with n too small, negative variance or non-finite means', () => {
    rejects(() => welchTTest({ mean: 1, variance: 1, n: 1 }, summary), 'control.n');
    rejects(() => welchTTest(summary, { mean: 1, variance: -1, n: 10 }), 'challenger.variance');
    rejects(() => welchTTest(summary, { mean: Number.NaN, variance: 1, n: 10 }), 'challenger.mean');
    for (const fn of [gaussianBayesianTest, confidenceSequence]) {
      rejects(() => fn({ mean: 1, variance: 1, n: 0 }, summary), 'control.n');
    }
    rejects(() => msprt({ mean: 1, variance: 1, n: 0 }, summary, { tau: 0.1 }), 'control.n');
  });

  it('alpha outside (0, 1), for every function that takes one', () => {
    for (const alpha of [0, 1, -0.1, 1.5, Number.NaN]) {
      rejects(() => twoProportionZTest(counts, counts, { alpha }), 'alpha');
      rejects(() => welchTTest(summary, summary, { alpha }), 'alpha');
      rejects(() => gaussianBayesianTest(summary, summary, { alpha }), 'alpha');
      rejects(() => confidenceSequence(summary, summary, { alpha }), 'alpha');
      rejects(() => msprt(summary, summary, { tau: 0.1, alpha }), 'alpha');
      rejects(() => sampleSizeProportions({ baseline: 0.1, mde: 0.1, alpha }), 'alpha');
      rejects(() => sampleSizeMeans({ stdDev: 1, mde: 0.1, mdeType: 'absolute', alpha }), 'alpha');
      rejects(() => powerProportions({ baseline: 0.1, mde: 0.1, controlN: 100, alpha }), 'alpha');
      rejects(() => powerMeans({ stdDev: 1, mde: 0.1, mdeType: 'absolute', controlN: 100, alpha }), 'alpha');
      const arm = { falseEdible: 1, poisonousLabelled: 10 };
      rejects(() => falseEdibleGuardrail(arm, arm, { alpha }), 'alpha');
    }
    // One-sided sequences spend 2·alpha: alpha must stay below 0.5.
    rejects(() => confidenceSequence(summary, summary, { alpha: 0.5, alternative: 'greater' }), 'alpha');
    rejects(() => srmCheck([10, 10], [1, 1], { threshold: 0 }), 'threshold');
  });

  it('SRM weights that do not sum to a positive number, or do not match the arms', () => {
    rejects(() => srmCheck([10, 10], [0, 0]), 'weights');
    rejects(() => srmCheck([10, 10], [1, -1]), 'weights[1]');
    rejects(() => srmCheck([10, 10], [1, Number.POSITIVE_INFINITY]), 'weights[1]');
    rejects(() => srmCheck([10, 10], [1, 1, 1]), 'weights');
    rejects(() => srmCheck([10], [1]), 'observed');
    rejects(() => srmCheck([10, -2], [1, 1]), 'observed[1]');
    rejects(() => srmCheck([0, 0], [1, 1]), 'observed');
  });

  it('planning inputs, priors, tuning parameters and p-value lists', () => {
    rejects(() => sampleSizeProportions({ baseline: 0, mde: 0.1 }), 'baseline');
    rejects(() => sampleSizeProportions({ baseline: 0.5, mde: 0 }), 'mde');
    rejects(() => sampleSizeProportions({ baseline: 0.9, mde: 0.2 }), 'mde');
    rejects(() => sampleSizeProportions({ baseline: 0.1, mde: 0.1, power: 1 }), 'power');
    rejects(() => sampleSizeProportions({ baseline: 0.1, mde: 0.1, ratio: 0 }), 'ratio');
    rejects(() => sampleSizeMeans({ stdDev: 1, mde: 0.1 }), 'baselineMean');
    rejects(() => sampleSizeMeans({ stdDev: 0, mde: 0.1, mdeType: 'absolute' }), 'stdDev');
    rejects(() => powerProportions({ baseline: 0.1, mde: 0.1, controlN: 0 }), 'controlN');
    rejects(() => betaBinomialTest(counts, counts, { prior: { alpha: 0, beta: 1 } }), 'prior.alpha');
    rejects(() => betaBinomialTest(counts, counts, { prior: { alpha: 0.5, beta: 0.5 } }), 'prior');
    rejects(
      () => gaussianBayesianTest(summary, summary, { prior: { ...GROWTHBOOK_DEFAULT_PRIOR, stddev: 0 } }),
      'prior.stddev',
    );
    rejects(() => confidenceSequence(summary, summary, { tuning: 0 }), 'tuning');
    rejects(() => msprt(summary, summary, { tau: 0 }), 'tau');
    rejects(
      () => msprt(summary, summary, { tau: 0.1, previous: { pValue: 2, ci: [0, 1] } }),
      'previous.pValue',
    );
    rejects(() => holmBonferroni([]), 'pValues');
    rejects(() => benjaminiHochberg([0.1, 1.2]), 'pValues[1]');
    const arm = { falseEdible: 1, poisonousLabelled: 10 };
    rejects(() => falseEdibleGuardrail(arm, arm, { margin: -0.01 }), 'margin');
  });
});

describe('degenerate data give clear results', () => {
  it('z-test: every unit the same outcome → p = 1, flagged; a zero control rate has no lift', () => {
    const none = twoProportionZTest({ successes: 0, n: 100 }, { successes: 0, n: 80 });
    expect(none).toMatchObject({
      pValue: 1,
      z: 0,
      difference: 0,
      degenerate: 'zero-variance',
      significant: false,
    });
    expect(none.relativeLift).toBeNull();
    const all = twoProportionZTest({ successes: 50, n: 50 }, { successes: 60, n: 60 });
    expect(all).toMatchObject({ pValue: 1, degenerate: 'zero-variance' });
    const fromZero = twoProportionZTest({ successes: 0, n: 100 }, { successes: 10, n: 100 });
    expect(fromZero.relativeLift).toBeNull();
    expect(fromZero.pValue).toBeLessThan(0.01);
  });

  it("Welch: zero variance in both arms → GrowthBook's uninformative output", () => {
    const r = welchTTest({ mean: 2, variance: 0, n: 10 }, { mean: 3, variance: 0, n: 10 });
    expect(r).toMatchObject({ pValue: 1, df: 0, estimate: 1, ci: [1, 1], degenerate: 'zero-variance' });
    const rel = welchTTest({ mean: 0, variance: 1, n: 10 }, summary, { difference: 'relative' });
    expect(rel).toMatchObject({ pValue: 1, degenerate: 'zero-control-mean' });
  });

  it('Gaussian Bayesian: a zero control mean is uninformative; no data variance leaves the proper prior', () => {
    const zero = gaussianBayesianTest(proportionSummary({ successes: 0, n: 50 }), proportionSummary(counts));
    expect(zero).toMatchObject({ chanceToWin: 0.5, degenerate: 'zero-control-mean', highlight: null });
    const flat = { mean: 0.5, variance: 0, n: 10 };
    const prior = { mean: 0.1, stddev: 0.2, proper: true };
    const r = gaussianBayesianTest(flat, flat, { prior });
    expect(r.expected).toBeCloseTo(0.1, 15);
    expect(r.stddev).toBeCloseTo(0.2, 15);
    expect(r.degenerate).toBe('zero-variance');
  });

  it('beta-binomial: rare events keep full precision on both sides of 1/2', () => {
    // P(B beats A) ~ 1e-40: its complement is 1, but the small side is summed directly.
    const r = betaBinomialTest({ successes: 900, n: 1000 }, { successes: 500, n: 1000 });
    expect(r.chanceToBeatControl).toBeGreaterThan(0);
    expect(r.chanceToBeatControl).toBeLessThan(1e-30);
    expect(r.highlight).toBe('losing');
    const mirror = betaBinomialTest({ successes: 500, n: 1000 }, { successes: 900, n: 1000 });
    expect(mirror.chanceToBeatControl).toBe(1);
    expect(mirror.riskChallenger).toBeCloseTo(r.riskControl, 15);
    // Equal data: exactly even, risks equal.
    const even = betaBinomialTest(counts, counts);
    expect(even.chanceToBeatControl).toBeCloseTo(0.5, 14);
    expect(even.riskControl).toBeCloseTo(even.riskChallenger, 15);
  });

  it('mSPRT: the p-value never rises and the interval never widens from look to look', () => {
    const looks = [
      [
        { successes: 10, n: 100 },
        { successes: 20, n: 100 },
      ],
      [
        { successes: 22, n: 200 },
        { successes: 25, n: 200 },
      ],
      [
        { successes: 35, n: 300 },
        { successes: 31, n: 300 },
      ],
    ] as const;
    let previous: ReturnType<typeof msprt>['state'] | undefined;
    for (const [a, b] of looks) {
      const r = msprt(proportionSummary(a), proportionSummary(b), { tau: 0.05, previous });
      if (previous) {
        expect(r.pValue).toBeLessThanOrEqual(previous.pValue);
        expect(r.ci[0]).toBeGreaterThanOrEqual(previous.ci[0]);
        expect(r.ci[1]).toBeLessThanOrEqual(previous.ci[1]);
      }
      previous = r.state;
    }
    // A look without variance keeps the previous state.
    const flat = { mean: 0, variance: 0, n: 10 };
    const same = msprt(flat, flat, { tau: 0.05, previous });
    expect(same).toMatchObject({ degenerate: 'zero-variance', pValue: previous?.pValue, ci: previous?.ci });
  });

  it('confidence sequence: one-sided intervals are open on one side and narrower than two-sided', () => {
    const a = proportionSummary({ successes: 20, n: 1000 });
    const b = proportionSummary({ successes: 45, n: 1000 });
    const two = confidenceSequence(a, b, { difference: 'absolute' });
    const greater = confidenceSequence(a, b, { difference: 'absolute', alternative: 'greater' });
    const less = confidenceSequence(a, b, { difference: 'absolute', alternative: 'less' });
    expect(greater.ci[1]).toBe(Number.POSITIVE_INFINITY);
    expect(less.ci[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(greater.ci[0]).toBeGreaterThan(two.ci[0]);
    expect(greater.pValue).toBeNull();
    // The two-sided p-value is below alpha exactly when the interval excludes 0.
    expect(two.significant).toBe((two.pValue as number) < 0.05);
  });

  it('SRM: too few units is not judged; units in a zero-weight arm are flagged; a skew is flagged', () => {
    expect(srmCheck([7, 300], [1, 1])).toMatchObject({ flagged: false, rule: 'min-units-not-met' });
    expect(srmCheck([500, 480, 1], [1, 1, 0])).toMatchObject({
      flagged: true,
      rule: 'zero-weight-arm-has-units',
    });
    expect(srmCheck([5200, 4800], [1, 1])).toMatchObject({ flagged: true, rule: 'chi-square' });
    expect(srmCheck([5050, 4950], [50, 50])).toMatchObject({ flagged: false, rule: 'chi-square' });
  });

  it('guardrail: a margin tolerates a small increase; equal zero rates are no evidence', () => {
    const control = { falseEdible: 20, poisonousLabelled: 2000 };
    const challenger = { falseEdible: 60, poisonousLabelled: 2000 };
    expect(falseEdibleGuardrail(control, challenger).decision).toBe('harm');
    expect(falseEdibleGuardrail(control, challenger, { margin: 0.03 }).decision).toBe('no-evidence');
    const zero = { falseEdible: 0, poisonousLabelled: 1 };
    expect(falseEdibleGuardrail(zero, { falseEdible: 1, poisonousLabelled: 1 }).decision).toBe('no-evidence');
    // Fewer false-edible calls than control is never harm.
    expect(falseEdibleGuardrail(challenger, control).decision).toBe('no-evidence');
  });
});

it("chance to win is highlighted beyond GrowthBook's 95 % / below 5 %", () => {
  expect([CHANCE_TO_WIN_WINNING, CHANCE_TO_WIN_LOSING]).toEqual([0.95, 0.05]);
  expect([
    highlightChance(0.951),
    highlightChance(0.95),
    highlightChance(0.5),
    highlightChance(0.049),
  ]).toEqual(['winning', null, null, 'losing']);
});

it('TSDoc examples hold', () => {
  expect(twoProportionZTest({ successes: 100, n: 1000 }, { successes: 130, n: 1000 }).pValue).toBeCloseTo(
    0.0355,
    4,
  );
  expect(welchTTest({ mean: 10, variance: 4, n: 50 }, { mean: 11, variance: 9, n: 60 }).pValue).toBeCloseTo(
    0.0395,
    4,
  );
  expect(
    betaBinomialTest({ successes: 40, n: 400 }, { successes: 60, n: 400 }).chanceToBeatControl,
  ).toBeCloseTo(0.984, 3);
  expect(holmBonferroni([0.01, 0.04, 0.03])).toEqual([0.03, 0.06, 0.06]);
  expect(benjaminiHochberg([0.01, 0.04, 0.03])).toEqual([0.03, 0.04, 0.04]);
  expect(sampleSizeProportions({ baseline: 0.1, mde: 0.1 }).controlN).toBe(14751);
  expect(sampleSizeMeans({ stdDev: 1, mde: 0.1, mdeType: 'absolute' }).controlN).toBe(1570);
  expect(srmCheck([5100, 4900], [0.5, 0.5]).pValue).toBeCloseTo(0.0455, 4);
  const guard = falseEdibleGuardrail(
    { falseEdible: 4, poisonousLabelled: 400 },
    { falseEdible: 40, poisonousLabelled: 400 },
  );
  expect(guard.decision).toBe('harm');
});
