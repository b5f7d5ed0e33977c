import { describe, expect, it } from 'vitest';
import { type FeatureInfo, type Matrix, matrixFromRows, type SporeprintError } from '../../core/index.js';
import { GradientBoostingClassifier } from '../gbt/index.js';
import { LogisticRegression } from '../logistic/index.js';
import { DecisionPolicy } from '../policy/index.js';
import { DecisionTreeClassifier } from '../tree/index.js';

function errorOf(fn: () => unknown): SporeprintError {
  try {
    fn();
  } catch (e) {
    return e as SporeprintError;
  }
  throw new Error('did not throw');
}

const X: Matrix = matrixFromRows([
  [0, 1.5],
  [1, 0.2],
  [2, 2.5],
  [0, 0.1],
  [1, 3.1],
  [2, 0.4],
  [0, 2.2],
  [1, 1.1],
]);
const y = Uint8Array.from([1, 0, 1, 0, 1, 0, 1, 0]);
const features: FeatureInfo[] = [
  { name: 'c', kind: 'categorical', categories: 3 },
  { name: 'x', kind: 'numeric' },
];

/** Every saved document checked against its JSON Schema on load: what it is called, a valid one, its loader. */
const DOCUMENTS: {
  what: string;
  valid: () => Record<string, unknown>;
  load: (json: unknown) => unknown;
  nested: string;
}[] = [
  {
    what: 'logistic-regression model',
    valid: () => new LogisticRegression().fit(X, y).toJSON() as unknown as Record<string, unknown>,
    load: (j) => LogisticRegression.fromJSON(j),
    nested: 'coef',
  },
  {
    what: 'decision-tree model',
    valid: () =>
      new DecisionTreeClassifier().fit(X, y, { features }).toJSON() as unknown as Record<string, unknown>,
    load: (j) => DecisionTreeClassifier.fromJSON(j),
    nested: 'featureKinds',
  },
  {
    what: 'gradient boosting model',
    valid: () =>
      new GradientBoostingClassifier({ nEstimators: 2 })
        .fit(X, y, { features })
        .toJSON() as unknown as Record<string, unknown>,
    load: (j) => GradientBoostingClassifier.fromJSON(j),
    nested: 'featureKinds',
  },
  {
    what: 'decision policy',
    valid: () =>
      DecisionPolicy.fit(
        y,
        Float64Array.from([0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.95, 0.05]),
      ).toJSON() as unknown as Record<string, unknown>,
    load: (j) => DecisionPolicy.fromJSON(j),
    nested: 'targetRecall',
  },
];

describe.each(DOCUMENTS)(
  '$what: checked against its JSON Schema on load',
  ({ what, valid, load, nested }) => {
    it('loads a valid document without changing it', () => {
      const json = valid();
      const copy = structuredClone(json);
      load(json);
      expect(json).toEqual(copy);
    });

    it('names the first fault: code, "<what>: <pointer> <reason>", details.path', () => {
      const json = valid();
      const bad = { ...json, [nested]: Array.isArray(json[nested]) ? ['x'] : 'x' };
      const e = errorOf(() => load(bad));
      const pointer = Array.isArray(json[nested]) ? `/${nested}/0` : `/${nested}`;
      expect(e.code).toBe('SP_ERR_MODEL_FORMAT');
      expect(e.message).toMatch(new RegExp(`^${what}: ${pointer} must be `));
      expect(e.details).toEqual({ path: pointer });
    });

    it('refuses a document without a required property, or with one it does not know, at its root', () => {
      const { formatVersion: _, ...missing } = valid();
      const e = errorOf(() => load(missing));
      expect(e.code).toBe('SP_ERR_MODEL_FORMAT');
      expect(e.message).toBe(`${what}: / must have required property 'formatVersion'`);
      expect(e.details).toEqual({ path: '' });
      const extra = errorOf(() => load({ ...valid(), extra: 1 }));
      expect(extra.message).toBe(`${what}: / must NOT have additional properties`);
      expect(errorOf(() => load('model')).message).toBe(`${what}: / must be object`);
    });
  },
);
