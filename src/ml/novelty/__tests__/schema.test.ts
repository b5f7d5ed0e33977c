import { describe, expect, it } from 'vitest';
import { type FeatureInfo, matrixFromRows } from '../../../core/index.js';
import { NoveltyDetector, NoveltyGuard } from '../index.js';

const FEATURES: FeatureInfo[] = [
  { name: 'x', kind: 'numeric' },
  { name: 'a', kind: 'categorical', categories: 3 },
];
const X = matrixFromRows([
  [1, 0],
  [2, 1],
  [3, 2],
  [4, 0],
  [5, 1],
]);
const detector = new NoveltyDetector().fit(X, FEATURES);
const guard = NoveltyGuard.fromThreshold(detector, 0.5);

type Json = Record<string, unknown>;

/** A deep copy of `doc` with `change` applied to it. */
function edited<T>(doc: T, change: (copy: Json) => void): Json {
  const copy = structuredClone(doc) as Json;
  change(copy);
  return copy;
}

const detectorJson = detector.toJSON();
const guardJson = guard.toJSON();

/** Each kind of defect, the message naming its path, and that path (`details.path`). */
const DEFECTS: {
  load: (json: unknown) => unknown;
  what: string;
  doc: Json;
  message: string;
  path: string;
}[] = [
  {
    what: 'wrong kind',
    load: (j) => NoveltyDetector.fromJSON(j),
    doc: { ...detectorJson, kind: 'novelty-guard' },
    message: 'novelty detector: /kind must be equal to constant "novelty-detector"',
    path: '/kind',
  },
  {
    what: 'wrong kind of feature',
    load: (j) => NoveltyDetector.fromJSON(j),
    doc: edited(detectorJson, (d) => {
      (d.features as Json[])[1].kind = 'nominal';
    }),
    message:
      'novelty detector: /features/1/kind must be equal to one of the allowed values: "numeric", "categorical"',
    path: '/features/1/kind',
  },
  {
    what: 'missing field',
    load: (j) => NoveltyDetector.fromJSON(j),
    doc: edited(detectorJson, (d) => {
      delete d.patternCount;
    }),
    message: "novelty detector: / must have required property 'patternCount'",
    path: '',
  },
  {
    what: 'missing field of a feature',
    load: (j) => NoveltyDetector.fromJSON(j),
    doc: edited(detectorJson, (d) => {
      delete (d.features as Json[])[1].categories;
    }),
    message: "novelty detector: /features/1 must have required property 'categories'",
    path: '/features/1',
  },
  {
    what: 'extra field (strict)',
    load: (j) => NoveltyDetector.fromJSON(j),
    doc: edited(detectorJson, (d) => {
      (d.params as Json).k = 5;
    }),
    message: 'novelty detector: /params must NOT have additional properties',
    path: '/params',
  },
  {
    what: 'wrong format version',
    load: (j) => NoveltyDetector.fromJSON(j),
    doc: { ...detectorJson, formatVersion: 2 },
    message: 'novelty detector: /formatVersion must be equal to constant 1',
    path: '/formatVersion',
  },
  {
    what: 'negative where positive',
    load: (j) => NoveltyDetector.fromJSON(j),
    doc: { ...detectorJson, numericScales: [-1] },
    message: 'novelty detector: /numericScales/0 must be > 0',
    path: '/numericScales/0',
  },
  {
    what: 'NaN in memory (JSON cannot hold it)',
    load: (j) => NoveltyDetector.fromJSON(j),
    doc: { ...detectorJson, numerics: detectorJson.numerics.map(() => Number.NaN) },
    message: 'novelty detector: /numerics/0 must be number',
    path: '/numerics/0',
  },
  {
    what: 'wrong kind',
    load: (j) => NoveltyGuard.fromJSON(j),
    doc: { ...guardJson, kind: 'novelty-detector' },
    message: 'novelty guard: /kind must be equal to constant "novelty-guard"',
    path: '/kind',
  },
  {
    what: 'missing field',
    load: (j) => NoveltyGuard.fromJSON(j),
    doc: edited(guardJson, (g) => {
      delete g.threshold;
    }),
    message: "novelty guard: / must have required property 'threshold'",
    path: '',
  },
  {
    what: 'extra field (strict)',
    load: (j) => NoveltyGuard.fromJSON(j),
    doc: { ...guardJson, calibratedAt: 'today' },
    message: 'novelty guard: / must NOT have additional properties',
    path: '',
  },
  {
    what: 'wrong format version',
    load: (j) => NoveltyGuard.fromJSON(j),
    doc: { ...guardJson, formatVersion: 0 },
    message: 'novelty guard: /formatVersion must be equal to constant 1',
    path: '/formatVersion',
  },
  {
    what: 'negative where positive',
    load: (j) => NoveltyGuard.fromJSON(j),
    doc: { ...guardJson, quantile: -0.5 },
    message: 'novelty guard: /quantile must be > 0',
    path: '/quantile',
  },
  {
    what: 'a defect of its detector',
    load: (j) => NoveltyGuard.fromJSON(j),
    doc: edited(guardJson, (g) => {
      (g.detector as Json).patternCount = 0;
    }),
    message: 'novelty detector: /patternCount must be >= 1',
    path: '/patternCount',
  },
];

describe('novelty detector and guard JSON: each kind of defect is refused, naming its path', () => {
  it('loads the valid documents', () => {
    expect(NoveltyDetector.fromJSON(detectorJson).toJSON()).toEqual(detectorJson);
    expect(NoveltyGuard.fromJSON(guardJson).toJSON()).toEqual(guardJson);
  });

  it.each(DEFECTS)('$message ($what)', ({ load, doc, message, path }) => {
    expect(() => load(doc)).toThrow(
      expect.objectContaining({ code: 'SP_ERR_MODEL_FORMAT', message, details: { path } }),
    );
  });

  it('keeps no reference to the document it loaded', () => {
    const json = structuredClone(detectorJson);
    const loaded = NoveltyDetector.fromJSON(json);
    json.params.numericWeight = 99;
    expect(loaded.toJSON()).toEqual(detectorJson);
  });
});
