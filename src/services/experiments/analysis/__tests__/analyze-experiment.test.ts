import { describe, expect, it } from 'vitest';
import type { ArmMetrics, ExperimentArm } from '../../../../storage/index.js';
import { analyzeExperiment } from '../analyze-experiment.js';
import { makeExperiment, TWO_ARMS } from './simulate.js';

const NOW = new Date('2026-12-02T00:00:00.000Z');

/** Figures of one arm: `correct` of `labelled`, `falseEdible` of `poisonous` poisonous-truth labels. */
function arm(
  a: ExperimentArm,
  f: { units?: number; labelled: number; correct: number; poisonous?: number; falseEdible?: number },
): ArmMetrics {
  const poisonous = f.poisonous ?? Math.floor(f.labelled / 2);
  const falseEdible = f.falseEdible ?? 0;
  return {
    arm: a.name,
    version: a.version,
    role: a.role,
    requests: f.units ?? f.labelled,
    units: f.units ?? f.labelled,
    labelled: f.labelled,
    correct: f.correct,
    poisonousLabelled: poisonous,
    poisonousCaught: poisonous - falseEdible,
    falseEdible,
    uncertain: 0,
    latencyP50Us: 100,
    latencyP95Us: 200,
  };
}

const [CONTROL, CHALLENGER] = TWO_ARMS;
const SHADOW: ExperimentArm = { name: 'shadow', version: 3, role: 'shadow', weight: 0 };
const SECOND: ExperimentArm = { name: 'challenger-2', version: 4, role: 'challenger', weight: 50 };

describe('analyzeExperiment decisions', () => {
  it('continues while the arms have fewer labels than minLabelledPerArm, saying how many', () => {
    const exp = makeExperiment(TWO_ARMS, { minLabelledPerArm: 500 });
    const a = analyzeExperiment(
      exp,
      [arm(CONTROL, { labelled: 40, correct: 20 }), arm(CHALLENGER, { labelled: 42, correct: 40 })],
      NOW,
    );
    expect(a.decision.action).toBe('continue');
    expect(a.decision.reason).toContain('waiting for 500 labelled predictions per arm');
    expect(a.decision.reason).toContain('"control" has 40');
    expect(a.challengers[0].primary.enoughData).toBe(false);
  });

  it('stops on significance with the winning challenger and its figures (z-test)', () => {
    const exp = makeExperiment(TWO_ARMS, { engine: 'frequentist', minLabelledPerArm: 100 });
    const a = analyzeExperiment(
      exp,
      [arm(CONTROL, { labelled: 1000, correct: 800 }), arm(CHALLENGER, { labelled: 1000, correct: 880 })],
      NOW,
    );
    expect(a.decision).toMatchObject({ action: 'stop-significant', arm: 'challenger' });
    expect(a.decision.figures.difference).toBeCloseTo(0.08, 10);
    const p = a.challengers[0].primary;
    expect(p.method).toBe('z-test');
    expect(p.ci?.[0]).toBeGreaterThan(0);
    expect(p.pValue).toBeLessThan(0.001);
  });

  it('names the control when every challenger is significantly worse', () => {
    const exp = makeExperiment(TWO_ARMS, { engine: 'frequentist' });
    const a = analyzeExperiment(
      exp,
      [arm(CONTROL, { labelled: 1000, correct: 880 }), arm(CHALLENGER, { labelled: 1000, correct: 800 })],
      NOW,
    );
    expect(a.decision).toMatchObject({ action: 'stop-significant', arm: 'control' });
  });

  it('Bayesian engine: chance to win and expected loss; a win beyond 95 % decides', () => {
    const exp = makeExperiment(TWO_ARMS, { engine: 'bayesian' });
    const a = analyzeExperiment(
      exp,
      [arm(CONTROL, { labelled: 400, correct: 300 }), arm(CHALLENGER, { labelled: 400, correct: 340 })],
      NOW,
    );
    const p = a.challengers[0].primary;
    expect(p.method).toBe('bayesian');
    expect(p.chanceToWin).toBeGreaterThan(0.99);
    expect(p.expectedLoss).toBeGreaterThanOrEqual(0);
    expect(p.expectedLoss).toBeLessThan(0.001);
    expect(a.decision).toMatchObject({ action: 'stop-significant', arm: 'challenger' });
  });

  it('Bayesian engine with sequential: reports the chance to win and the sequence, a win needs both', () => {
    const metrics = [
      arm(CONTROL, { labelled: 400, correct: 300 }),
      arm(CHALLENGER, { labelled: 400, correct: 325 }),
    ];
    const fixed = analyzeExperiment(makeExperiment(TWO_ARMS, { engine: 'bayesian' }), metrics, NOW);
    const seq = analyzeExperiment(
      makeExperiment(TWO_ARMS, { engine: 'bayesian', sequential: true }),
      metrics,
      NOW,
    );
    expect(fixed.challengers[0].primary.chanceToWin).toBeGreaterThan(0.95);
    expect(fixed.decision.action).toBe('stop-significant');
    const p = seq.challengers[0].primary;
    expect(p.chanceToWin).toBe(fixed.challengers[0].primary.chanceToWin);
    expect(p.ci?.[0]).toBeLessThan(0); // the sequence still includes no difference
    expect(seq.decision.action).toBe('continue');
  });

  it('false-edible rate as primary metric: lower is better', () => {
    const exp = makeExperiment(TWO_ARMS, {
      engine: 'frequentist',
      primaryMetric: 'false_edible_rate',
      guardrailMargin: 0.5,
    });
    const a = analyzeExperiment(
      exp,
      [
        arm(CONTROL, { labelled: 2000, correct: 1500, poisonous: 1000, falseEdible: 60 }),
        arm(CHALLENGER, { labelled: 2000, correct: 1500, poisonous: 1000, falseEdible: 20 }),
      ],
      NOW,
    );
    expect(a.challengers[0].primary.difference).toBeCloseTo(-0.04, 10);
    expect(a.decision).toMatchObject({ action: 'stop-significant', arm: 'challenger' });
  });

  it('adjusts p-values across challengers (Holm-Bonferroni): a borderline one no longer wins', () => {
    const arms = [...TWO_ARMS, SECOND];
    const metrics = [
      arm(CONTROL, { labelled: 1000, correct: 800 }),
      arm(CHALLENGER, { labelled: 1000, correct: 835 }), // p ≈ 0.04 alone
      arm(SECOND, { labelled: 1000, correct: 801 }),
    ];
    const none = analyzeExperiment(makeExperiment(arms, { correction: 'none' }), metrics, NOW);
    const holm = analyzeExperiment(makeExperiment(arms, { correction: 'holm-bonferroni' }), metrics, NOW);
    const p = none.challengers[0].primary.pValue as number;
    expect(p).toBeLessThan(0.05);
    expect(none.decision).toMatchObject({ action: 'stop-significant', arm: 'challenger' });
    expect(holm.challengers[0].primary.adjustedPValue).toBeCloseTo(Math.min(1, 2 * p), 12);
    expect(holm.decision.action).toBe('continue');
  });

  it('stops a harmful challenger on the guardrail before anything else, even without enough labels', () => {
    const exp = makeExperiment(TWO_ARMS, { minLabelledPerArm: 10_000 });
    const a = analyzeExperiment(
      exp,
      [
        arm(CONTROL, { units: 1000, labelled: 400, correct: 300, poisonous: 200, falseEdible: 4 }),
        // also a mismatched split: the guardrail still comes first
        arm(CHALLENGER, { units: 500, labelled: 400, correct: 300, poisonous: 200, falseEdible: 60 }),
      ],
      NOW,
    );
    expect(a.decision).toMatchObject({ action: 'stop-guardrail', arm: 'challenger' });
    expect(a.decision.reason).toContain('30.00%');
    expect(a.decision.figures.lowerBound).toBeGreaterThan(0);
    expect(a.srm?.flagged).toBe(true);
  });

  it('a harmful shadow is reported but never stops the experiment (it serves nobody)', () => {
    const exp = makeExperiment([...TWO_ARMS, SHADOW]);
    const a = analyzeExperiment(
      exp,
      [
        arm(CONTROL, { labelled: 400, correct: 300, poisonous: 200, falseEdible: 4 }),
        arm(CHALLENGER, { labelled: 400, correct: 300, poisonous: 200, falseEdible: 4 }),
        arm(SHADOW, { labelled: 800, correct: 600, poisonous: 400, falseEdible: 120 }),
      ],
      NOW,
    );
    expect(a.challengers[1].guardrail?.decision).toBe('harm');
    expect(a.decision.action).not.toBe('stop-guardrail');
    expect(a.srm?.arms).toEqual(['control', 'challenger']); // shadows take no traffic share
  });

  it('pauses on a sample ratio mismatch, naming units and expected units', () => {
    const exp = makeExperiment(TWO_ARMS);
    const a = analyzeExperiment(
      exp,
      [arm(CONTROL, { labelled: 1100, correct: 900 }), arm(CHALLENGER, { labelled: 900, correct: 740 })],
      NOW,
    );
    expect(a.decision.action).toBe('pause-srm');
    expect(a.decision.reason).toContain('control 1100 (expected 1000.0)');
    expect(a.decision.figures['units.challenger']).toBe(900);
  });

  it('does not judge the split before 8 units per arm (GrowthBook)', () => {
    const a = analyzeExperiment(
      makeExperiment(TWO_ARMS),
      [arm(CONTROL, { labelled: 7, correct: 5 }), arm(CHALLENGER, { labelled: 1, correct: 1 })],
      NOW,
    );
    expect(a.srm?.rule).toBe('min-units-not-met');
    expect(a.decision.action).toBe('continue');
  });

  it('stops at the maximum duration', () => {
    const exp = makeExperiment(TWO_ARMS, { maxDurationHours: 12 });
    const metrics = [
      arm(CONTROL, { labelled: 50, correct: 40 }),
      arm(CHALLENGER, { labelled: 50, correct: 40 }),
    ];
    expect(analyzeExperiment(exp, metrics, new Date('2026-12-01T11:59:00.000Z')).decision.action).toBe(
      'continue',
    );
    const late = analyzeExperiment(exp, metrics, NOW).decision;
    expect(late).toMatchObject({
      action: 'stop-max-duration',
      figures: { maxDurationHours: 12, ranHours: 24 },
    });
  });

  it('has no comparison and no SRM before any prediction', () => {
    const a = analyzeExperiment(
      makeExperiment(TWO_ARMS),
      [arm(CONTROL, { labelled: 0, correct: 0 }), arm(CHALLENGER, { labelled: 0, correct: 0 })],
      NOW,
    );
    expect(a.srm).toBeNull();
    expect(a.challengers[0].primary.difference).toBeNull();
    expect(a.challengers[0].guardrail).toBeNull();
    expect(a.decision.action).toBe('continue');
  });
});

describe('analyzeExperiment bad input', () => {
  it('refuses an experiment without a control, naming it', () => {
    const exp = makeExperiment([CHALLENGER, SECOND]);
    expect(() => analyzeExperiment(exp, [], NOW)).toThrow(
      expect.objectContaining({
        code: 'SP_ERR_BAD_PARAM',
        message: expect.stringContaining('no control arm'),
      }),
    );
  });

  it('refuses metrics missing an arm, naming the arm', () => {
    const exp = makeExperiment(TWO_ARMS);
    expect(() => analyzeExperiment(exp, [arm(CONTROL, { labelled: 10, correct: 5 })], NOW)).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_PARAM', message: expect.stringContaining('"challenger"') }),
    );
  });
});
