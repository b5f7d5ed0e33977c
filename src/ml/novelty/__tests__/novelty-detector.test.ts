import { describe, expect, it } from 'vitest';
import { type FeatureInfo, type Matrix, matrixFromRows, Rng, SporeprintError } from '../../../core/index.js';
import { NoveltyDetector, type NoveltyDetectorOptions } from '../index.js';

const FEATURES: FeatureInfo[] = [
  { name: 'diameter', kind: 'numeric' },
  { name: 'shape', kind: 'categorical', categories: 6 },
  { name: 'colour', kind: 'categorical', categories: 8 },
  { name: 'height', kind: 'numeric' },
  { name: 'ring', kind: 'categorical', categories: 3 },
  { name: 'habitat', kind: 'categorical', categories: 5 },
];

/** "Species" 0…s-1: each draws its nominal values from a small set and its numerics around a centre. */
function speciesRows(n: number, species: readonly number[], seed: number, missing = 0): Matrix {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const s = species[rng.int(species.length)];
    const row = [
      5 * (s + 1) + rng.next() * 2,
      s % 3,
      (2 * s + rng.int(2)) % 8,
      2 * (s + 1) + rng.next(),
      rng.int(2) === 0 ? s % 3 : Number.NaN,
      (s + rng.int(2)) % 5,
    ];
    for (let j = 0; j < row.length; j++) if (rng.next() < missing) row[j] = Number.NaN;
    rows.push(row);
  }
  return matrixFromRows(rows);
}

/** Reference: the plain definition, by a scan over every training row. */
function bruteForce(det: NoveltyDetector, train: Matrix, X: Matrix): Float64Array {
  const w = det.nominalWeights();
  const scales = det.numericScales();
  const { numericWeight, missingPenalty } = det.params;
  const radius = det.cap - 1;
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let best = det.cap;
    for (let r = 0; r < train.rows; r++) {
      let d = 0;
      let miss = 0;
      FEATURES.forEach((f, j) => {
        const a = X.data[i * X.cols + j];
        const b = train.data[r * train.cols + j];
        if (f.kind === 'categorical') {
          if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) {
            d += w[f.name];
            miss++;
          }
        } else if (Number.isNaN(a) !== Number.isNaN(b)) d += numericWeight * missingPenalty;
        else if (!Number.isNaN(a)) d += (numericWeight * Math.abs(a - b)) / scales[f.name];
      });
      if (miss <= radius && d < best) best = d;
    }
    out[i] = best;
  }
  return out;
}

describe('NoveltyDetector', () => {
  const train = speciesRows(600, [0, 1, 2, 3, 4], 1, 0.05);
  const known = speciesRows(300, [0, 1, 2, 3, 4], 2, 0.05);
  const unseen = speciesRows(300, [5, 6, 7], 3, 0.05);

  for (const opts of [
    {},
    { radius: 0 },
    { radius: 2, nominalWeights: 'uniform' },
    { numericWeight: 2, missingPenalty: 0.5 },
  ] as NoveltyDetectorOptions[]) {
    it(`equals the brute-force capped nearest-neighbour distance (${JSON.stringify(opts)})`, () => {
      const det = new NoveltyDetector().fit(train, FEATURES, opts);
      const both = matrixFromRows([
        ...Array.from({ length: 100 }, (_, i) => Array.from(known.data.subarray(i * 6, i * 6 + 6))),
        ...Array.from({ length: 100 }, (_, i) => Array.from(unseen.data.subarray(i * 6, i * 6 + 6))),
      ]);
      const got = det.score(both);
      const want = bruteForce(det, train, both);
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i], 12);
    });
  }

  it('is deterministic: two fits give identical scores and JSON', () => {
    const a = new NoveltyDetector().fit(train, FEATURES);
    const b = new NoveltyDetector().fit(train, FEATURES);
    expect(b.score(unseen)).toEqual(a.score(unseen));
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
  });

  it('gives training rows the minimal score 0 and every other row a score ≥ 0', () => {
    const det = new NoveltyDetector().fit(train, FEATURES);
    expect(Array.from(det.score(train)).every((s) => s === 0)).toBe(true);
    expect(Array.from(det.score(known)).every((s) => s >= 0)).toBe(true);
  });

  it('scores an out-of-distribution cluster high and held-out rows of the known clusters low', () => {
    const det = new NoveltyDetector().fit(train, FEATURES);
    const sKnown = Array.from(det.score(known)).sort((x, y) => x - y);
    const sUnseen = Array.from(det.score(unseen)).sort((x, y) => x - y);
    const median = (a: number[]) => a[a.length >> 1];
    expect(median(sKnown)).toBeLessThan(0.2);
    expect(median(sUnseen)).toBeGreaterThan(1);
    // a far cluster: codes no training row has, numerics far away → the cap
    const far = matrixFromRows([[500, 5, 7, 400, 2, 4]]);
    expect(det.score(far)[0]).toBe(det.cap);
  });

  it('scoreRow agrees with score and reads the row at an offset', () => {
    const det = new NoveltyDetector().fit(train, FEATURES);
    const all = det.score(unseen);
    for (let i = 0; i < 50; i++) expect(det.scoreRow(unseen.data, i * 6)).toBe(all[i]);
    const out = new Float64Array(unseen.rows);
    expect(det.score(unseen, out)).toBe(out);
  });

  it('treats missing as its own level and an unknown category code as matching nothing', () => {
    const t = matrixFromRows([
      [1, 0, Number.NaN, 1, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ]);
    const det = new NoveltyDetector().fit(t, FEATURES, { nominalWeights: 'uniform' });
    const s = det.score(
      matrixFromRows([
        [1, 0, Number.NaN, 1, 0, 0], // twin of row 0
        [1, 0, 3, 1, 0, 0], // colour present where row 0 has it missing
        [1, 1, 1, 1, 1, 99], // habitat code out of range
        [1, 1, 1, 1, 1, 2.5], // not an integer code
      ]),
    );
    expect(Array.from(s)).toEqual([0, 1, 1, 1]);
    // numeric missing on one side costs missingPenalty × numericWeight (defaults 1 × 0.5)
    const m = det.score(matrixFromRows([[Number.NaN, 0, Number.NaN, 1, 0, 0]]));
    expect(m[0]).toBeCloseTo(det.params.numericWeight * det.params.missingPenalty, 12);
  });

  it('learns lower mismatch costs for features that vary between near-identical training rows', () => {
    const det = new NoveltyDetector().fit(train, FEATURES);
    const w = det.nominalWeights();
    // colour and habitat vary within a species; shape never does
    expect(w.colour).toBeLessThan(w.shape);
    expect(w.habitat).toBeLessThan(w.shape);
    for (const v of Object.values(w)) expect(v > 0 && v <= 1).toBe(true);
  });

  it('round-trips through JSON with identical scores', () => {
    const det = new NoveltyDetector().fit(train, FEATURES, { radius: 2 });
    const json = JSON.parse(JSON.stringify(det.toJSON()));
    const back = NoveltyDetector.fromJSON(json);
    expect(back.toJSON()).toEqual(det.toJSON());
    expect(back.score(unseen)).toEqual(det.score(unseen));
    expect(back.score(known)).toEqual(det.score(known));
  });

  it('works with nominal features only (the classic data) and numerics only', () => {
    const nomOnly: FeatureInfo[] = [
      { name: 'a', kind: 'categorical', categories: 3 },
      { name: 'b', kind: 'categorical', categories: 3 },
    ];
    const d1 = new NoveltyDetector().fit(
      matrixFromRows([
        [0, 0],
        [0, 1],
        [1, 1],
      ]),
      nomOnly,
      { nominalWeights: 'uniform' },
    );
    expect(
      Array.from(
        d1.score(
          matrixFromRows([
            [0, 0],
            [2, 1],
            [2, 2],
          ]),
        ),
      ),
    ).toEqual([0, 1, 2]);
    const numOnly: FeatureInfo[] = [{ name: 'x', kind: 'numeric' }];
    const d2 = new NoveltyDetector().fit(matrixFromRows([[0], [1], [2], [3], [4]]), numOnly, { radius: 0 });
    // IQR of 0…4 is 2; numericWeight 0.5 → |10 − 4| · 0.5 / 2 = 1.5, capped at 1
    expect(Array.from(d2.score(matrixFromRows([[2.5], [10]])))).toEqual([0.125, 1]);
  });
});

describe('NoveltyDetector bad input', () => {
  const X = matrixFromRows([
    [1, 0, 0, 1, 0, 0],
    [2, 1, 1, 2, 1, 1],
  ]);
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      if (e instanceof SporeprintError) return e.code;
      throw e;
    }
    return undefined;
  };

  it('refuses to score before fit', () => {
    expect(code(() => new NoveltyDetector().score(X))).toBe('SP_ERR_NOT_FITTED');
  });

  it('rejects malformed training data and options', () => {
    expect(code(() => new NoveltyDetector().fit(X, FEATURES.slice(1)))).toBe('SP_ERR_BAD_DATA');
    expect(
      code(() => new NoveltyDetector().fit({ data: new Float64Array(0), rows: 0, cols: 6 }, FEATURES)),
    ).toBe('SP_ERR_BAD_DATA');
    const badCode = matrixFromRows([[1, 9, 0, 1, 0, 0]]);
    expect(code(() => new NoveltyDetector().fit(badCode, FEATURES))).toBe('SP_ERR_BAD_DATA');
    const inf = matrixFromRows([[Number.POSITIVE_INFINITY, 0, 0, 1, 0, 0]]);
    expect(code(() => new NoveltyDetector().fit(inf, FEATURES))).toBe('SP_ERR_BAD_DATA');
    const noCats: FeatureInfo[] = FEATURES.map((f) => ({ name: f.name, kind: f.kind }));
    expect(code(() => new NoveltyDetector().fit(X, noCats))).toBe('SP_ERR_BAD_DATA');
    expect(code(() => new NoveltyDetector().fit(X, FEATURES, { radius: 3 as 2 }))).toBe('SP_ERR_BAD_PARAM');
    expect(code(() => new NoveltyDetector().fit(X, FEATURES, { numericWeight: -1 }))).toBe(
      'SP_ERR_BAD_PARAM',
    );
    expect(code(() => new NoveltyDetector().fit(X, FEATURES, { missingPenalty: Number.NaN }))).toBe(
      'SP_ERR_BAD_PARAM',
    );
  });

  it('rejects rows of the wrong width, a short out buffer and an offset past the end', () => {
    const det = new NoveltyDetector().fit(X, FEATURES);
    expect(code(() => det.score(matrixFromRows([[1, 2]])))).toBe('SP_ERR_BAD_DATA');
    expect(code(() => det.score(X, new Float64Array(1)))).toBe('SP_ERR_BAD_DATA');
    expect(code(() => det.scoreRow(X.data, 7))).toBe('SP_ERR_BAD_DATA');
  });

  it('rejects bad JSON with SP_ERR_MODEL_FORMAT', () => {
    const good = new NoveltyDetector().fit(X, FEATURES).toJSON();
    const variants: unknown[] = [
      null,
      'x',
      { ...good, formatVersion: 2 },
      { ...good, kind: 'novelty-guard' },
      { ...good, extra: 1 },
      { ...good, params: { ...good.params, radius: 5 } },
      { ...good, numericScales: [1] },
      { ...good, nominalWeights: [1, 1] },
      { ...good, nominalWeights: good.nominalWeights.map(() => 0) },
      { ...good, patternCodes: good.patternCodes.slice(1) },
      { ...good, patternCodes: good.patternCodes.map(() => 7) },
      { ...good, rowStart: [0, 1, 1] },
      { ...good, numerics: good.numerics.slice(1) },
      { ...good, numerics: good.numerics.map(() => 'a') },
    ];
    for (const v of variants) expect(code(() => NoveltyDetector.fromJSON(v))).toBe('SP_ERR_MODEL_FORMAT');
  });
});
