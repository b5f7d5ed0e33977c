import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FeatureInfo, type Matrix, Rng, type SporeprintError } from '../../../core/index.js';
import { treeShap } from '../../explain/index.js';
import { GradientBoostingClassifier } from '../../gbt/index.js';
import { fromXGBoostJSON, parseXGBoostJSON, stringifyXGBoostJSON, toXGBoostJSON } from '../index.js';
import { FIXTURES, loadFixture } from './fixtures/load-fixture.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as SporeprintError).code;
  }
  return undefined;
}

describe.each(['numeric', 'categorical'])('model saved by XGBoost 1.7.4 (%s fixture)', (name) => {
  const { model, data, X } = loadFixture(name);
  const gbt = fromXGBoostJSON(model);

  it('matches XGBoost probabilities to 1e-6 and margins to 1e-5', () => {
    const p = gbt.predictProba(X);
    const m = gbt.decisionFunction(X);
    let maxP = 0;
    let maxM = 0;
    for (let i = 0; i < X.rows; i++) {
      maxP = Math.max(maxP, Math.abs(p[i] - data.proba[i]));
      maxM = Math.max(maxM, Math.abs(m[i] - data.margin[i]));
    }
    expect(maxP).toBeLessThan(1e-6);
    expect(maxM).toBeLessThan(1e-5);
  });

  it('matches XGBoost pred_contribs to 1e-5 with TreeSHAP', () => {
    const phi = new Float64Array(X.cols);
    let maxErr = 0;
    for (let i = 0; i < X.rows; i++) {
      const row = X.data.subarray(i * X.cols, (i + 1) * X.cols);
      const { contributions, expectedValue } = treeShap(gbt.trees, row, X.cols, phi, {
        baseMargin: gbt.baseMargin,
      });
      const ref = data.contribs[i];
      for (let f = 0; f < X.cols; f++) maxErr = Math.max(maxErr, Math.abs(contributions[f] - ref[f]));
      maxErr = Math.max(maxErr, Math.abs(expectedValue - ref[X.cols]));
    }
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('keeps feature names and kinds', () => {
    expect(gbt.features.map((f) => f.name)).toEqual(data.featureNames);
    expect(gbt.features.map((f) => (f.kind === 'categorical' ? 'c' : 'q'))).toEqual(
      data.featureTypes.map((t) => (t === 'c' ? 'c' : 'q')),
    );
  });

  it('survives its own JSON round trip bit-identically', () => {
    const again = GradientBoostingClassifier.fromJSON(JSON.parse(JSON.stringify(gbt.toJSON())));
    expect(Array.from(again.predictProba(X))).toEqual(Array.from(gbt.predictProba(X)));
  });

  it('re-exports to an equivalent XGBoost model', () => {
    const back = fromXGBoostJSON(parseXGBoostJSON(stringifyXGBoostJSON(toXGBoostJSON(gbt))));
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(gbt.predictProba(X)));
  });
});

describe('fromXGBoostJSON validation', () => {
  const { model } = loadFixture('categorical');
  const clone = (): Record<string, Record<string, Record<string, unknown>>> =>
    JSON.parse(JSON.stringify(model)) as Record<string, Record<string, Record<string, unknown>>>;

  it('rejects unsupported objectives, boosters and feature types, naming them', () => {
    const a = clone();
    a.learner.objective.name = 'multi:softprob';
    expect(() => fromXGBoostJSON(a)).toThrow(/objective\/name.*multi:softprob/);
    const b = clone();
    (b.learner.gradient_booster as Record<string, unknown>).name = 'dart';
    expect(() => fromXGBoostJSON(b)).toThrow(/gradient_booster\/name.*dart/);
    const c = clone();
    (c.learner as unknown as Record<string, unknown[]>).feature_types[0] = 'x';
    expect(() => fromXGBoostJSON(c)).toThrow(/feature_types\/0/);
    expect(codeOf(() => fromXGBoostJSON(c))).toBe('SP_ERR_MODEL_FORMAT');
  });

  it('rejects broken trees', () => {
    const a = clone();
    const trees = (a.learner.gradient_booster.model as Record<string, Record<string, unknown[]>[]>).trees;
    trees[0].left_children[0] = 0;
    expect(() => fromXGBoostJSON(a)).toThrow(/trees\/0\/left_children\/0/);
    const b = clone();
    const tb = (b.learner.gradient_booster.model as Record<string, Record<string, unknown[]>[]>).trees;
    tb[1].split_indices[0] = 999;
    expect(() => fromXGBoostJSON(b)).toThrow(/trees\/1\/split_indices\/0/);
    expect(codeOf(() => fromXGBoostJSON(null))).toBe('SP_ERR_MODEL_FORMAT');
    expect(codeOf(() => parseXGBoostJSON('{'))).toBe('SP_ERR_MODEL_FORMAT');
  });
});

function pythonWithXGBoost(): string | null {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import xgboost'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

const python = pythonWithXGBoost();
if (python === null) console.log('skipping the XGBoost export check: python3 -c "import xgboost" fails here');

describe.skipIf(python === null)('a model exported here loads in XGBoost', () => {
  it('gives the same probabilities in XGBoost (numeric + categorical with missing values)', () => {
    const rng = new Rng(7);
    const n = 600;
    const features: FeatureInfo[] = [
      { name: 'x0', kind: 'numeric' },
      { name: 'c1', kind: 'categorical', categories: 9 },
      { name: 'c2', kind: 'categorical', categories: 3 },
      { name: 'x3', kind: 'numeric' },
    ];
    const X: Matrix = { data: new Float64Array(n * 4), rows: n, cols: 4 };
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x0 = rng.next() * 10 - 5;
      const c1 = rng.int(9);
      const c2 = rng.int(3);
      const x3 = rng.next() < 0.2 ? Number.NaN : rng.next() * 3;
      X.data.set([x0 * 1.1, rng.next() < 0.1 ? Number.NaN : c1, c2, x3], i * 4);
      const s = 0.8 * x0 + (c1 % 3 === 0 ? 2 : -1) + (c2 === 1 ? 1 : 0) + (Number.isNaN(x3) ? 1.5 : x3 - 1.5);
      y[i] = s + rng.next() * 2 - 1 > 0 ? 1 : 0;
    }
    const gbt = new GradientBoostingClassifier({ nEstimators: 20, maxDepth: 4, seed: 3 }).fit(X, y, {
      features,
    });
    const proba = gbt.predictProba(X);
    const dir = mkdtempSync(join(tmpdir(), 'sporeprint-xgb-'));
    try {
      writeFileSync(join(dir, 'model.json'), stringifyXGBoostJSON(toXGBoostJSON(gbt)));
      const rows: (number | null)[][] = [];
      for (let i = 0; i < n; i++) {
        rows.push(Array.from(X.data.subarray(i * 4, i * 4 + 4), (v) => (Number.isNaN(v) ? null : v)));
      }
      writeFileSync(
        join(dir, 'data.json'),
        JSON.stringify({
          featureNames: features.map((f) => f.name),
          featureTypes: features.map((f) => (f.kind === 'categorical' ? 'c' : 'q')),
          rows,
          proba: Array.from(proba),
        }),
      );
      const r = spawnSync(
        python!,
        [join(FIXTURES, 'check_export.py'), join(dir, 'model.json'), join(dir, 'data.json')],
        {
          encoding: 'utf8',
        },
      );
      expect(r.stderr.includes('Error') ? r.stderr : '').toBe('');
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { n: number; maxAbsDiff: number };
      expect(out.n).toBe(n);
      expect(out.maxAbsDiff).toBeLessThan(1e-6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
