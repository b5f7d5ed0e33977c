/**
 * Simulated experiments through the statistics (pure: seeded RNG, no I/O). A/A: both arms share one
 * true rate, so every declared winner is a false positive; the share must stay at or under alpha for the
 * fixed-horizon test read once and for the sequential tests read every 100 units, while the fixed test
 * read every 100 units goes well over — the reason sequential tests exist. Power: a clearly worse
 * challenger is caught long before the planned sample size.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.js';
import {
  confidenceSequence,
  falseEdibleGuardrail,
  type MsprtState,
  msprt,
  proportionSummary,
  sampleSizeProportions,
  twoProportionZTest,
} from '../index.js';

const ALPHA = 0.05;
const RUNS = 4000;
const LOOK_EVERY = 100;
const MAX_UNITS = 5000;
/** mSPRT mixing SD in rate units: effects of a few points of a 30 % rate. */
const TAU = 0.05;

/**
 * Under H0 the number of false positives is Binomial(RUNS, ≤ alpha). Three standard deviations above
 * alpha — 0.05 + 3·√(0.05·0.95/4000) = 0.0603 — is exceeded by chance with probability ≈ 0.1 % (the run
 * is seeded, so the figure is reproducible; the tolerance says the pass is not luck).
 */
const TOLERANCE = 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / RUNS);

interface Arm {
  successes: number;
  n: number;
}

/** Adds one unit to a random arm (50/50) with success probability `rates[arm]`. */
function addUnit(rng: Rng, arms: [Arm, Arm], rates: readonly [number, number]): number {
  const k = rng.next() < 0.5 ? 0 : 1;
  arms[k].n++;
  if (rng.next() < rates[k]) arms[k].successes++;
  return k;
}

describe('A/A simulation: false-positive share with looks every 100 units', () => {
  it(`stays at or under alpha for the fixed test read once and for both sequential tests; the peeked fixed test exceeds it (${RUNS} runs)`, () => {
    const rng = new Rng(20240611);
    const rate = 0.3;
    let fixedOnce = 0;
    let fixedPeeked = 0;
    let cs = 0;
    let csEppo = 0;
    let mixture = 0;
    for (let run = 0; run < RUNS; run++) {
      const arms: [Arm, Arm] = [
        { successes: 0, n: 0 },
        { successes: 0, n: 0 },
      ];
      let peekedHit = false;
      let csHit = false;
      let csEppoHit = false;
      let msprtHit = false;
      let state: MsprtState | undefined;
      for (let units = 1; units <= MAX_UNITS; units++) {
        addUnit(rng, arms, [rate, rate]);
        if (units % LOOK_EVERY !== 0) continue;
        const a = proportionSummary(arms[0]);
        const b = proportionSummary(arms[1]);
        const z = twoProportionZTest(arms[0], arms[1], { alpha: ALPHA });
        peekedHit ||= z.significant;
        if (units === MAX_UNITS) fixedOnce += z.significant ? 1 : 0;
        csHit ||= confidenceSequence(a, b, { alpha: ALPHA, difference: 'absolute' }).significant;
        csEppoHit ||= confidenceSequence(a, b, {
          alpha: ALPHA,
          difference: 'absolute',
          tuning: 10000,
        }).significant;
        const m = msprt(a, b, { tau: TAU, alpha: ALPHA, previous: state });
        state = m.state;
        msprtHit ||= m.significant;
      }
      fixedPeeked += peekedHit ? 1 : 0;
      cs += csHit ? 1 : 0;
      csEppo += csEppoHit ? 1 : 0;
      mixture += msprtHit ? 1 : 0;
    }
    const shares = {
      fixedOnce: fixedOnce / RUNS,
      fixedPeeked: fixedPeeked / RUNS,
      confidenceSequence: cs / RUNS,
      confidenceSequenceEppo: csEppo / RUNS,
      msprt: mixture / RUNS,
    };
    console.log('A/A false-positive shares (alpha 0.05, 50 looks):', shares);
    expect(shares.fixedOnce).toBeLessThanOrEqual(ALPHA + TOLERANCE);
    expect(shares.confidenceSequence).toBeLessThanOrEqual(ALPHA + TOLERANCE);
    expect(shares.confidenceSequenceEppo).toBeLessThanOrEqual(ALPHA + TOLERANCE);
    expect(shares.msprt).toBeLessThanOrEqual(ALPHA + TOLERANCE);
    // Peeking at a fixed-horizon test 50 times: far above alpha.
    expect(shares.fixedPeeked).toBeGreaterThan(2 * ALPHA);
  });

  it(`the false-edible guardrail trips in at most alpha of A/A runs (one-sided, ${RUNS} runs)`, () => {
    const rng = new Rng(7);
    const falseEdibleRate = 0.02;
    let tripped = 0;
    for (let run = 0; run < RUNS; run++) {
      const arms: [Arm, Arm] = [
        { successes: 0, n: 0 },
        { successes: 0, n: 0 },
      ];
      for (let units = 1; units <= MAX_UNITS; units++) {
        addUnit(rng, arms, [falseEdibleRate, falseEdibleRate]);
        if (units % LOOK_EVERY !== 0 || arms[0].n === 0 || arms[1].n === 0) continue;
        const g = falseEdibleGuardrail(
          { falseEdible: arms[0].successes, poisonousLabelled: arms[0].n },
          { falseEdible: arms[1].successes, poisonousLabelled: arms[1].n },
          { alpha: ALPHA },
        );
        if (g.decision === 'harm') {
          tripped++;
          break;
        }
      }
    }
    console.log('A/A guardrail trip share (alpha 0.05 one-sided, 50 looks):', tripped / RUNS);
    expect(tripped / RUNS).toBeLessThanOrEqual(ALPHA + TOLERANCE);
  });
});

describe('power: a clearly worse challenger is caught long before the planned sample size', () => {
  it('the guardrail and the sequential tests flag a 3 % → 10 % false-edible regression early', () => {
    // Planned size of the experiment: a 1-point accuracy change from 90 % at alpha 0.05, power 0.8.
    const planned = sampleSizeProportions({ baseline: 0.9, mde: 0.01, mdeType: 'absolute' }).totalN;
    const poisonousShare = 0.45; // share of labelled units that are poisonous
    const rates: [number, number] = [0.03, 0.1];
    const runs = 300;
    const rng = new Rng(99);
    const detectedAt = {
      guardrail: [] as number[],
      confidenceSequence: [] as number[],
      msprt: [] as number[],
    };
    for (let run = 0; run < runs; run++) {
      const arms: [Arm, Arm] = [
        { successes: 0, n: 0 },
        { successes: 0, n: 0 },
      ];
      const first: { guardrail?: number; confidenceSequence?: number; msprt?: number } = {};
      let state: MsprtState | undefined;
      for (let units = 1; units <= planned; units++) {
        if (rng.next() < poisonousShare) addUnit(rng, arms, rates);
        else rng.next(); // an edible-truth unit: it lands in an arm but cannot be a false-edible
        if (units % LOOK_EVERY !== 0 || arms[0].n < 2 || arms[1].n < 2) continue;
        const g = falseEdibleGuardrail(
          { falseEdible: arms[0].successes, poisonousLabelled: arms[0].n },
          { falseEdible: arms[1].successes, poisonousLabelled: arms[1].n },
        );
        if (g.decision === 'harm') first.guardrail ??= units;
        const a = proportionSummary(arms[0]);
        const b = proportionSummary(arms[1]);
        if (confidenceSequence(a, b, { difference: 'absolute' }).significant)
          first.confidenceSequence ??= units;
        const m = msprt(a, b, { tau: TAU, previous: state });
        state = m.state;
        if (m.significant) first.msprt ??= units;
        if (first.guardrail && first.confidenceSequence && first.msprt) break;
      }
      for (const key of ['guardrail', 'confidenceSequence', 'msprt'] as const) {
        detectedAt[key].push(first[key] ?? Number.POSITIVE_INFINITY);
      }
    }
    const summary = Object.fromEntries(
      Object.entries(detectedAt).map(([key, ns]) => {
        const sorted = [...ns].sort((x, y) => x - y);
        const before = ns.filter((n) => n < planned).length / runs;
        return [key, { median: sorted[Math.floor(runs / 2)], p95: sorted[Math.floor(runs * 0.95)], before }];
      }),
    );
    console.log(`planned total units ${planned}; detection (total units):`, summary);
    for (const key of ['guardrail', 'confidenceSequence', 'msprt'] as const) {
      expect(summary[key].before, key).toBeGreaterThanOrEqual(0.99);
      expect(summary[key].median, key).toBeLessThan(planned / 4);
    }
  });
});
