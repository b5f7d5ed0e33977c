import { describe, expect, it } from 'vitest';
import { LinearEncoder, TreeEncoder } from '../encoders.js';
import { type DatasetSchema, SECONDARY_SCHEMA } from '../schemas.js';
import type { CleanRecord } from '../validate-row.js';

/** One numeric and one nominal feature. */
const TINY: DatasetSchema = {
  ...SECONDARY_SCHEMA,
  features: [SECONDARY_SCHEMA.features[0], SECONDARY_SCHEMA.features[1]],
};
const TRAIN: CleanRecord[] = [
  { index: 0, line: 2, label: 1, values: [1, 'x'] },
  { index: 1, line: 3, label: 0, values: [3, 'f'] },
];
const linear = new LinearEncoder().fit(TRAIN, TINY).toJSON();
const tree = new TreeEncoder().fit(TRAIN, TINY).toJSON();

type Json = Record<string, unknown>;

/** A deep copy of `doc` with `change` applied to feature `j`. */
function withFeature<T extends { features: unknown[] }>(doc: T, j: number, change: (f: Json) => void): T {
  const copy = structuredClone(doc);
  change(copy.features[j] as Json);
  return copy;
}

const loadLinear = (json: unknown) => LinearEncoder.fromJSON(json);
const loadTree = (json: unknown) => TreeEncoder.fromJSON(json);

/** Each kind of defect, the message naming its path, and that path (`details.path`). */
const DEFECTS: {
  what: string;
  load: (json: unknown) => unknown;
  doc: unknown;
  message: string;
  path: string;
}[] = [
  {
    what: 'wrong kind',
    load: loadLinear,
    doc: { ...linear, kind: 'tree-encoder' },
    message: 'linear encoder: /kind must be equal to constant "linear-encoder"',
    path: '/kind',
  },
  {
    what: 'wrong kind of feature',
    load: loadLinear,
    doc: withFeature(linear, 1, (f) => {
      f.kind = 'categorical';
    }),
    message:
      'linear encoder: /features/1/kind must be equal to one of the allowed values: "numeric", "nominal"',
    path: '/features/1/kind',
  },
  {
    what: 'missing field',
    load: loadLinear,
    doc: { ...linear, schema: undefined },
    message: "linear encoder: / must have required property 'schema'",
    path: '',
  },
  {
    what: 'missing field of a feature',
    load: loadLinear,
    doc: withFeature(linear, 1, (f) => {
      delete f.missingLevel;
    }),
    message: "linear encoder: /features/1 must have required property 'missingLevel'",
    path: '/features/1',
  },
  {
    what: 'wrong format version',
    load: loadLinear,
    doc: { ...linear, formatVersion: 2 },
    message: 'linear encoder: /formatVersion must be equal to constant 1',
    path: '/formatVersion',
  },
  {
    what: 'negative where positive',
    load: loadLinear,
    doc: withFeature(linear, 0, (f) => {
      f.std = -1;
    }),
    message: 'linear encoder: /features/0/std must be > 0',
    path: '/features/0/std',
  },
  {
    what: 'NaN in memory (JSON cannot hold it)',
    load: loadLinear,
    doc: withFeature(linear, 0, (f) => {
      f.mean = Number.NaN;
    }),
    message: 'linear encoder: /features/0/mean must be number',
    path: '/features/0/mean',
  },
  {
    what: 'no features',
    load: loadLinear,
    doc: { ...linear, features: [] },
    message: 'linear encoder: /features must NOT have fewer than 1 items',
    path: '/features',
  },
  {
    what: 'wrong kind',
    load: loadTree,
    doc: { ...tree, kind: 'linear-encoder' },
    message: 'tree encoder: /kind must be equal to constant "tree-encoder"',
    path: '/kind',
  },
  {
    what: 'missing field of a feature',
    load: loadTree,
    doc: withFeature(tree, 1, (f) => {
      delete f.categories;
    }),
    message: "tree encoder: /features/1 must have required property 'categories'",
    path: '/features/1',
  },
  {
    what: 'wrong format version',
    load: loadTree,
    doc: { ...tree, formatVersion: '1' },
    message: 'tree encoder: /formatVersion must be number',
    path: '/formatVersion',
  },
  {
    what: 'unknown schema',
    load: loadTree,
    doc: { ...tree, schema: 'tertiary' },
    message: 'tree encoder: /schema must be equal to one of the allowed values: "secondary", "classic"',
    path: '/schema',
  },
];

describe('encoder JSON: each kind of defect is refused, naming its path', () => {
  it.each(DEFECTS)('$message ($what)', ({ load, doc, message, path }) => {
    expect(() => load(doc)).toThrow(
      expect.objectContaining({ code: 'SP_ERR_MODEL_FORMAT', message, details: { path } }),
    );
  });

  it('accepts and ignores unknown properties (the encoder formats are not strict)', () => {
    const extra = withFeature({ ...linear, note: 'fitted on split 0' }, 0, (f) => {
      f.unit = 'cm';
    });
    expect(LinearEncoder.fromJSON(extra).toJSON()).toEqual(linear);
    expect(TreeEncoder.fromJSON({ ...tree, note: 'x' }).toJSON()).toEqual(tree);
  });

  it('keeps no reference to the JSON it loaded', () => {
    const linearCopy = structuredClone(linear);
    const treeCopy = structuredClone(tree);
    const lin = LinearEncoder.fromJSON(linearCopy);
    const tr = TreeEncoder.fromJSON(treeCopy);
    for (const doc of [linearCopy, treeCopy]) {
      const nominal = doc.features[1] as { categories: string[] };
      nominal.categories.reverse();
    }
    expect(lin.toJSON()).toEqual(linear);
    expect(tr.toJSON()).toEqual(tree);
    expect(tr.categoriesOf('cap-shape')).toEqual(['f', 'x']);
  });
});
