import { describe, expect, it } from 'vitest';
import { type CleanRecord, LinearEncoder, SECONDARY_SCHEMA, TreeEncoder } from '../../../data/index.js';
import { NoveltyDetector, NoveltyGuard } from '../../novelty/index.js';
import { DecisionPolicy } from '../../policy/index.js';
import { createEstimator, ModelPipeline, type PipelineGuard } from '../index.js';

/** A small synthetic secondary-schema dataset: poisonous when cap-shape is x or stem-height > 8. */
function records(n: number, seed: number): CleanRecord[] {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const shapes = ['x', 'f', 'b', 's'];
  return Array.from({ length: n }, (_, i) => {
    const values = SECONDARY_SCHEMA.features.map((f) => {
      if (f.kind === 'numeric') return Math.round(rnd() * 1500) / 100;
      const codes = Object.keys(f.codes ?? {});
      return rnd() < 0.1 ? null : codes[Math.floor(rnd() * codes.length)];
    });
    values[1] = shapes[i % 4];
    const label = values[1] === 'x' || (values[8] as number) > 8 ? 1 : 0;
    return { index: i, line: i + 2, label, values };
  });
}

type Kind = 'logistic-regression' | 'decision-tree' | 'gradient-boosting';
const labels = (r: CleanRecord[]) => Uint8Array.from(r.map((x) => x.label));

/** Encoder and estimator fitted on `train` (`trees` for boosting), and a policy fitted on `policyRows`. */
function fitPipelineParts(
  kind: Kind,
  train: CleanRecord[],
  policyRows: CleanRecord[],
  trees: number,
  targetRecall?: number,
) {
  const enc =
    kind === 'logistic-regression'
      ? new LinearEncoder().fit(train, SECONDARY_SCHEMA)
      : new TreeEncoder().fit(train, SECONDARY_SCHEMA);
  const est = createEstimator(kind, {
    seed: 1,
    ...(kind === 'gradient-boosting' ? { nEstimators: trees } : {}),
  });
  est.fit(enc.transform(train), labels(train), { features: enc.featureInfo() });
  const policy = DecisionPolicy.fit(
    labels(policyRows),
    est.predictProba(enc.transform(policyRows)),
    targetRecall === undefined ? {} : { targetRecall },
  );
  const pipeline = (guard: PipelineGuard | null = null) =>
    ModelPipeline.create({
      schema: 'secondary',
      modelKind: kind,
      encoder: enc,
      estimator: est,
      policy,
      guard,
    });
  return { enc, est, policy, pipeline };
}

describe('ModelPipeline', () => {
  const train = records(600, 1);
  const val = records(200, 2);
  const test = records(200, 3);
  const y = (r: CleanRecord[]) => Uint8Array.from(r.map((x) => x.label));

  const fitParts = (kind: Kind) => fitPipelineParts(kind, train, val, 20, 0.99);

  for (const kind of ['logistic-regression', 'decision-tree', 'gradient-boosting'] as const) {
    it(`${kind}: reloaded from JSON gives bit-identical predictions and decisions`, () => {
      const { pipeline } = fitParts(kind);
      const pipe = pipeline();
      const again = ModelPipeline.fromJSON(JSON.parse(JSON.stringify(pipe.toJSON())));
      const a = pipe.predictProba(pipe.transform(test));
      const b = again.predictProba(again.transform(test));
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      for (let i = 0; i < test.length; i++) {
        const one = again.predictOne(test[i].values);
        expect(one.probability).toBe(a[i]);
        expect(one.decision).toBe(['edible', 'poisonous', 'uncertain'][pipe.policy.decide(a[i])]);
      }
      // the model learned the rule: accuracy well above chance
      let right = 0;
      for (let i = 0; i < test.length; i++) right += (a[i] >= 0.5 ? 1 : 0) === test[i].label ? 1 : 0;
      expect(right / test.length).toBeGreaterThan(0.8);
    });
  }

  for (const kind of ['logistic-regression', 'decision-tree', 'gradient-boosting'] as const) {
    it(`${kind}: predictMany gives exactly what predictOne gives, row by row, with and without the guard`, () => {
      const { enc, pipeline } = fitParts(kind);
      const tree = enc instanceof TreeEncoder ? enc : new TreeEncoder().fit(train, SECONDARY_SCHEMA);
      const detector = new NoveltyDetector().fit(tree.transform(train), tree.featureInfo());
      // a low threshold, so that some rows are novel and some are not
      const guard = NoveltyGuard.fromThreshold(detector, 0.05);
      // odd rows: values never seen in training (far numerics, missing nominals)
      const rows = test.map((r, i) =>
        i % 2 === 0 ? r.values : r.values.map((v) => (typeof v === 'number' ? v * 40 : null)),
      );
      for (const g of [null, { encoder: tree, guard }]) {
        const pipe = pipeline(g);
        const many = pipe.predictMany(rows);
        expect(many).toHaveLength(rows.length);
        const decisions = new Set<string>();
        for (let i = 0; i < rows.length; i++) {
          expect(many[i]).toEqual(pipe.predictOne(rows[i]));
          decisions.add(`${many[i].decision}/${many[i].reason}`);
        }
        if (g !== null) expect([...decisions].some((d) => d.includes('unlike'))).toBe(true);
        expect(pipe.predictMany([])).toEqual([]);
      }
    });
  }

  it('refuses malformed artifacts, naming the problem', () => {
    expect(() => ModelPipeline.fromJSON({})).toThrow(/formatVersion/);
    const enc = new TreeEncoder().fit(train, SECONDARY_SCHEMA);
    const est = createEstimator('decision-tree', { maxDepth: 3 });
    est.fit(enc.transform(train), y(train), { features: enc.featureInfo() });
    const policy = DecisionPolicy.fit(y(val), est.predictProba(enc.transform(val)));
    const json = ModelPipeline.create({
      schema: 'secondary',
      modelKind: 'decision-tree',
      encoder: enc,
      estimator: est,
      policy,
    }).toJSON();
    expect(() => ModelPipeline.fromJSON({ ...json, modelKind: 'gradient-boosting' })).toThrow(
      /modelKind|encoder|kind/,
    );
    expect(() => ModelPipeline.fromJSON({ ...json, featureNames: ['a'] })).toThrow(/featureNames/);
    expect(() =>
      ModelPipeline.create({
        schema: 'secondary',
        modelKind: 'logistic-regression',
        encoder: enc,
        estimator: est,
        policy,
      }),
    ).toThrow(/linear encoder/);
  });

  it('warns about missing features and numeric values far outside the training range', () => {
    const enc = new TreeEncoder().fit(train, SECONDARY_SCHEMA);
    const est = createEstimator('decision-tree', { maxDepth: 3 });
    est.fit(enc.transform(train), y(train), { features: enc.featureInfo() });
    const pipe = ModelPipeline.create({
      schema: 'secondary',
      modelKind: 'decision-tree',
      encoder: enc,
      estimator: est,
      policy: DecisionPolicy.fit(y(val), est.predictProba(enc.transform(val))),
      numericRanges: { 'cap-diameter': { min: 0.4, max: 62 } },
    });
    // a record with every feature given (the test row's missing ones filled with a code)
    const values = test[0].values.map((v, j) =>
      v !== null ? v : (Object.keys(pipe.schema.features[j].codes ?? {})[0] ?? 1),
    );
    values[0] = 500;
    expect(pipe.rangeWarnings(values)).toEqual([expect.stringMatching(/cap-diameter = 500 is far outside/)]);
    values[0] = 30;
    expect(pipe.rangeWarnings(values)).toEqual([]);
    // missing features are named, first among the warnings
    const sparse = pipe.schema.features.map(() => null as string | number | null);
    sparse[0] = 500;
    sparse[1] = 'x';
    const names = pipe.schema.features.slice(2).map((f) => f.name);
    const w = pipe.rangeWarnings(sparse);
    expect(w).toEqual([`missing features: ${names.join(', ')}`, expect.stringMatching(/cap-diameter = 500/)]);
  });
});

describe('ModelPipeline JSON: each kind of defect is refused, naming its path', () => {
  const train = records(300, 4);
  const { enc, est, policy } = fitPipelineParts('logistic-regression', train, records(100, 5), 0, 0.99);
  const tree = new TreeEncoder().fit(train, SECONDARY_SCHEMA);
  const guard = NoveltyGuard.fromThreshold(
    new NoveltyDetector().fit(tree.transform(train), tree.featureInfo()),
    0.5,
  );
  const json = ModelPipeline.create({
    schema: 'secondary',
    modelKind: 'logistic-regression',
    encoder: enc,
    estimator: est,
    policy,
    numericRanges: { 'cap-diameter': { min: 0.5, max: 15 } },
    guard: { encoder: tree, guard },
  }).toJSON();

  type Json = Record<string, unknown>;
  /** A deep copy of the pipeline JSON with `change` applied to it. */
  const edited = (change: (copy: Json) => void): Json => {
    const copy = structuredClone(json) as unknown as Json;
    change(copy);
    return copy;
  };
  const part = (copy: Json, ...keys: string[]): Json => keys.reduce((node, key) => node[key] as Json, copy);

  it.each([
    {
      what: 'wrong kind',
      doc: { ...json, kind: 'sporeprint-model' },
      message: 'pipeline: /kind must be equal to constant "sporeprint-pipeline"',
      path: '/kind',
    },
    {
      what: 'unknown model kind',
      doc: { ...json, modelKind: 'svm' },
      message:
        'pipeline: /modelKind must be equal to one of the allowed values: "logistic-regression", "decision-tree", "gradient-boosting"',
      path: '/modelKind',
    },
    {
      what: 'missing field',
      doc: edited((j) => {
        delete j.policy;
      }),
      message: "pipeline: / must have required property 'policy'",
      path: '',
    },
    {
      what: 'missing field of a numeric range',
      doc: edited((j) => {
        delete part(j, 'numericRanges', 'cap-diameter').max;
      }),
      message: "pipeline: /numericRanges/cap-diameter must have required property 'max'",
      path: '/numericRanges/cap-diameter',
    },
    {
      what: 'missing part of the guard',
      doc: { ...json, novelty: {} },
      message: "pipeline: /novelty must have required property 'encoder'",
      path: '/novelty',
    },
    {
      what: 'wrong format version',
      doc: { ...json, formatVersion: 2 },
      message: 'pipeline: /formatVersion must be equal to constant 1',
      path: '/formatVersion',
    },
    {
      what: 'NaN in memory (JSON cannot hold it)',
      doc: edited((j) => {
        part(j, 'numericRanges', 'cap-diameter').min = Number.NaN;
      }),
      message: 'pipeline: /numericRanges/cap-diameter/min must be number',
      path: '/numericRanges/cap-diameter/min',
    },
    {
      what: 'negative where positive, in the encoder',
      doc: edited((j) => {
        (part(j, 'encoder', 'features') as unknown as Json[])[0].std = -1;
      }),
      message: 'linear encoder: /features/0/std must be > 0',
      path: '/features/0/std',
    },
    {
      what: 'negative where positive, in the policy',
      doc: edited((j) => {
        part(j, 'policy').targetRecall = -0.5;
      }),
      message: 'decision policy: /targetRecall must be > 0',
      path: '/targetRecall',
    },
    {
      what: 'negative where positive, in the guard',
      doc: edited((j) => {
        part(j, 'novelty', 'guard').threshold = -1;
      }),
      message: 'novelty guard: /threshold must be >= 0',
      path: '/threshold',
    },
    {
      what: 'wrong kind of the guard encoder',
      doc: edited((j) => {
        part(j, 'novelty', 'encoder').kind = 'linear-encoder';
      }),
      message: 'tree encoder: /kind must be equal to constant "tree-encoder"',
      path: '/kind',
    },
  ])('$message ($what)', ({ doc, message, path }) => {
    expect(() => ModelPipeline.fromJSON(doc)).toThrow(
      expect.objectContaining({ code: 'SP_ERR_MODEL_FORMAT', message, details: { path } }),
    );
  });

  it('accepts and ignores unknown properties (the pipeline format is not strict)', () => {
    const extra = edited((j) => {
      j.note = 'trained on a laptop';
      part(j, 'numericRanges', 'cap-diameter').unit = 'cm';
    });
    expect(ModelPipeline.fromJSON(extra).toJSON()).toEqual(json);
  });

  it('loads a pipeline without the novelty property as one without a guard', () => {
    const { novelty: _, ...withoutGuard } = json;
    expect(ModelPipeline.fromJSON(withoutGuard).guard).toBeNull();
  });
});

describe('ModelPipeline.explainOne', () => {
  const train = records(600, 11);
  for (const kind of ['logistic-regression', 'decision-tree', 'gradient-boosting'] as const) {
    it(`${kind}: contributions add up to the raw score`, () => {
      const { enc, est, pipeline } = fitPipelineParts(kind, train, train, 15);
      const pipe = pipeline();
      for (const r of train.slice(0, 20)) {
        const e = pipe.explainOne(r.values);
        const raw = est.decisionFunction(enc.transform([r]))[0];
        const sum = e.base + e.contributions.reduce((a, c) => a + c.contribution, 0);
        expect(sum).toBeCloseTo(raw, 9);
        expect(new Set(e.contributions.map((c) => c.feature)).size).toBe(e.contributions.length);
      }
      expect(pipe.explainOne(train[0].values, 3).contributions).toHaveLength(3);
    });
  }
});
