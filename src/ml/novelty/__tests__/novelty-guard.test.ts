import { describe, expect, it } from 'vitest';
import { type FeatureInfo, matrixFromRows, Rng, SporeprintError } from '../../../core/index.js';
import { evaluateGuard, NOVELTY_REASON, NoveltyDetector, NoveltyGuard, upperQuantile } from '../index.js';

const FEATURES: FeatureInfo[] = [
  { name: 'x', kind: 'numeric' },
  { name: 'a', kind: 'categorical', categories: 4 },
  { name: 'b', kind: 'categorical', categories: 4 },
];

function rows(n: number, seed: number, shift = 0): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => [
    rng.next() * 10 + shift,
    rng.int(2),
    rng.int(2) + (shift > 0 ? 2 : 0),
  ]);
}

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof SporeprintError) return e.code;
    throw e;
  }
  return undefined;
}

describe('upperQuantile', () => {
  it('is the ⌈q·n⌉-th smallest value, NaN counting as +∞', () => {
    const v = Float64Array.from([5, 1, 4, 2, 3, 6, 8, 7, 10, 9]);
    expect(upperQuantile(v, 0.95)).toBe(10);
    expect(upperQuantile(v, 0.9)).toBe(9);
    expect(upperQuantile(v, 0.5)).toBe(5);
    expect(upperQuantile(v, 1)).toBe(10);
    expect(upperQuantile(Float64Array.from([1, Number.NaN]), 1)).toBe(Number.POSITIVE_INFINITY);
    expect(code(() => upperQuantile(v, 0))).toBe('SP_ERR_BAD_PARAM');
    expect(code(() => upperQuantile(new Float64Array(0), 0.5))).toBe('SP_ERR_BAD_DATA');
  });
});

describe('NoveltyGuard', () => {
  const train = matrixFromRows(rows(400, 1));
  const val = matrixFromRows(rows(1000, 2));
  const det = new NoveltyDetector().fit(train, FEATURES);

  for (const q of [0.9, 0.95, 0.995]) {
    it(`calibrates the threshold at the ${q} quantile of the validation scores`, () => {
      const guard = NoveltyGuard.calibrate(det, val, { quantile: q });
      const s = det.score(val);
      let above = 0;
      let atOrBelow = 0;
      for (const v of s) {
        if (guard.isNovel(v)) above++;
        else atOrBelow++;
      }
      expect(above).toBeLessThanOrEqual(Math.floor((1 - q) * s.length + 1e-9));
      expect(atOrBelow).toBeGreaterThanOrEqual(Math.ceil(q * s.length));
      // the threshold is one of the validation scores: lowering it at all would exceed the share
      expect(Array.from(s)).toContain(guard.threshold);
      expect(guard.quantile).toBe(q);
      expect(guard.validationRows).toBe(1000);
    });
  }

  it('flags an unseen cluster and records method and reason', () => {
    const guard = NoveltyGuard.calibrate(det, val);
    const far = det.score(matrixFromRows(rows(200, 3, 50)));
    expect(Array.from(far).every((s) => guard.isNovel(s))).toBe(true);
    expect(guard.isNovel(Number.NaN)).toBe(true);
    expect(guard.method).toBe('capped-nearest-neighbour');
    expect(guard.reason).toBe(NOVELTY_REASON);
    expect(guard.scoreRow(val.data, 0)).toBe(guard.score(val)[0]);
  });

  it('round-trips through JSON', () => {
    const guard = NoveltyGuard.calibrate(det, val, { quantile: 0.99 });
    const back = NoveltyGuard.fromJSON(JSON.parse(JSON.stringify(guard.toJSON())));
    expect(back.toJSON()).toEqual(guard.toJSON());
    expect(back.threshold).toBe(guard.threshold);
    expect(back.score(val)).toEqual(guard.score(val));
  });

  it('rejects bad options, bad JSON and a threshold at the score cap', () => {
    expect(code(() => NoveltyGuard.calibrate(det, val, { quantile: 0 }))).toBe('SP_ERR_BAD_PARAM');
    expect(code(() => NoveltyGuard.calibrate(det, val, { quantile: 1.5 }))).toBe('SP_ERR_BAD_PARAM');
    expect(code(() => NoveltyGuard.calibrate(det, { data: new Float64Array(0), rows: 0, cols: 3 }))).toBe(
      'SP_ERR_BAD_DATA',
    );
    // validation rows all far away: the quantile is the cap, the guard could never fire
    expect(code(() => NoveltyGuard.calibrate(det, matrixFromRows(rows(50, 4, 50))))).toBe('SP_ERR_BAD_DATA');
    expect(code(() => NoveltyGuard.fromThreshold(det, -1))).toBe('SP_ERR_BAD_PARAM');
    const good = NoveltyGuard.calibrate(det, val).toJSON();
    for (const bad of [
      { ...good, formatVersion: 0 },
      { ...good, threshold: -1 },
      { ...good, quantile: 2 },
      { ...good, method: 'isolation-forest' },
      { ...good, detector: { ...good.detector, patternCount: 0 } },
      { ...good, detector: undefined },
    ]) {
      expect(code(() => NoveltyGuard.fromJSON(bad))).toBe('SP_ERR_MODEL_FORMAT');
    }
  });
});

describe('evaluateGuard', () => {
  it('counts answers with and without the guard on a hand example', () => {
    // policy: edible p < 0.3, poisonous p ≥ 0.7; guard: novel when score > 1
    const yTrue = Uint8Array.from([0, 0, 1, 1, 0, 1, 0, 1, 1, 0]);
    const p = Float64Array.from([0.1, 0.2, 0.1, 0.9, 0.5, 0.25, 0.05, 0.8, Number.NaN, 0.95]);
    const s = Float64Array.from([0, 2, 3, 0, 0, 0.5, 1, 5, 0, Number.NaN]);
    const ev = evaluateGuard({
      yTrue,
      pPoisonous: p,
      edibleBelow: 0.3,
      poisonousAtOrAbove: 0.7,
      noveltyScores: s,
      threshold: 1,
    });
    // without: edible = rows 0,1,2,5,6 (FE: 2,5); poisonous = 3,7,9; uncertain = 4,8
    expect(ev.withoutGuard).toEqual({
      rows: 10,
      edible: 5,
      poisonous: 3,
      uncertain: 2,
      edibleShare: 0.5,
      poisonousShare: 0.3,
      uncertainShare: 0.2,
      falseEdible: 2,
      falseEdibleShareOfEdible: 0.4,
      edibleKeptShare: 3 / 5,
    });
    // novel: rows 1 (2), 2 (3), 7 (5), 9 (NaN) → edible = 0,5,6 (FE: 5); poisonous = 3
    expect(ev.withGuard).toEqual({
      rows: 10,
      edible: 3,
      poisonous: 1,
      uncertain: 6,
      edibleShare: 0.3,
      poisonousShare: 0.1,
      uncertainShare: 0.6,
      falseEdible: 1,
      falseEdibleShareOfEdible: 1 / 3,
      edibleKeptShare: 2 / 5,
    });
    expect(ev.novel).toBe(4);
    expect(ev.novelShare).toBe(0.4);
  });

  it('reports 0 false-edible share when nothing is answered edible, and rejects bad input', () => {
    const ev = evaluateGuard({
      yTrue: Uint8Array.from([1]),
      pPoisonous: Float64Array.from([0.9]),
      edibleBelow: 0.5,
      poisonousAtOrAbove: 0.5,
      noveltyScores: Float64Array.from([0]),
      threshold: 1,
    });
    expect(ev.withGuard.falseEdibleShareOfEdible).toBe(0);
    expect(ev.withGuard.edibleKeptShare).toBeNaN();
    const base = {
      yTrue: Uint8Array.from([0, 1]),
      pPoisonous: Float64Array.from([0.1, 0.9]),
      edibleBelow: 0.5,
      poisonousAtOrAbove: 0.5,
      noveltyScores: Float64Array.from([0, 0]),
      threshold: 1,
    };
    expect(code(() => evaluateGuard({ ...base, noveltyScores: new Float64Array(1) }))).toBe(
      'SP_ERR_BAD_DATA',
    );
    expect(code(() => evaluateGuard({ ...base, yTrue: Uint8Array.from([0, 2]) }))).toBe('SP_ERR_BAD_DATA');
    expect(code(() => evaluateGuard({ ...base, threshold: Number.NaN }))).toBe('SP_ERR_BAD_PARAM');
  });
});
