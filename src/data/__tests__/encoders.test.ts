import { describe, expect, it } from 'vitest';
import { NotFittedError, SporeprintError } from '../../core/index.js';
import { LinearEncoder, labelsOf, TreeEncoder } from '../encoders.js';
import { type DatasetSchema, SECONDARY_SCHEMA } from '../schemas.js';
import type { CleanRecord } from '../validate-row.js';
import { loadAll, readData } from './helpers.js';

/** A tiny schema: one numeric and one nominal feature. */
const TINY: DatasetSchema = {
  ...SECONDARY_SCHEMA,
  features: [SECONDARY_SCHEMA.features[0], SECONDARY_SCHEMA.features[1]],
};

function rec(index: number, label: 0 | 1, d: number | null, shape: string | null): CleanRecord {
  return { index, line: index + 2, label, values: [d, shape] };
}

/** Byte-wise equality of two float arrays (fast for millions of values; NaN equals NaN). */
function sameBytes(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

const TRAIN = [rec(0, 1, 1, 'x'), rec(1, 0, 3, 'f'), rec(2, 1, null, null), rec(3, 0, 5, 'x')];

describe('LinearEncoder', () => {
  it('one-hot encodes with a missing level and standardises numerics with train mean/std', () => {
    const enc = new LinearEncoder().fit(TRAIN, TINY);
    expect(enc.featureInfo().map((f) => f.name)).toEqual([
      'cap-diameter',
      'cap-shape=f',
      'cap-shape=x',
      'cap-shape=<missing>',
    ]);
    expect(enc.featureInfo().every((f) => f.kind === 'numeric')).toBe(true);
    expect(enc.width).toBe(4);
    const std = Math.sqrt(8 / 3); // values 1, 3, 5: mean 3, population variance 8/3
    const X = enc.transform([...TRAIN, rec(4, 0, 9, 'b')]);
    expect(Array.from(X.data)).toEqual([
      -2 / std,
      0,
      1,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      1, // missing numeric → 0 (mean-imputed); missing level set
      2 / std,
      0,
      1,
      0,
      6 / std,
      0,
      0,
      0, // 'b' unseen at fit → all zeros
    ]);
  });

  it('transform carries the non-zero entries as sparse rows, the same values as its dense array', async () => {
    const records = (await loadAll(readData('secondary_data.csv'))).records.slice(0, 3000);
    const enc = new LinearEncoder().fit(records, SECONDARY_SCHEMA);
    const X = enc.transform(records);
    const rows = X.sparse;
    expect(rows).toBeDefined();
    if (!rows) return;
    expect(rows.ptr).toHaveLength(records.length + 1);
    // the dense array (built on first read) holds exactly the rows' entries, row by row as encodeInto
    const row = new Float64Array(enc.width);
    for (let i = 0; i < records.length; i++) {
      enc.encodeInto(records[i].values, row, 0);
      expect(sameBytes(X.data.subarray(i * enc.width, (i + 1) * enc.width), row)).toBe(true);
      const fromRows = new Float64Array(enc.width);
      for (let t = rows.ptr[i]; t < rows.ptr[i + 1]; t++) {
        if (t > rows.ptr[i]) expect(rows.cols[t]).toBeGreaterThan(rows.cols[t - 1]);
        expect(rows.vals[t]).not.toBe(0);
        fromRows[rows.cols[t]] = rows.vals[t];
      }
      expect(sameBytes(fromRows, row)).toBe(true);
    }
    expect(X.data).toBe(X.data); // built once
  });

  it('encodeInto writes one row at an offset without touching the rest', () => {
    const enc = new LinearEncoder().fit(TRAIN, TINY);
    const out = new Float64Array(10).fill(7);
    enc.encodeInto([3, 'f'], out, 3);
    expect(Array.from(out)).toEqual([7, 7, 7, 0, 1, 0, 0, 7, 7, 7]);
  });

  it('round-trips through JSON to identical matrices', () => {
    const enc = new LinearEncoder().fit(TRAIN, TINY);
    const back = LinearEncoder.fromJSON(JSON.parse(JSON.stringify(enc)));
    expect(back.toJSON()).toEqual(enc.toJSON());
    expect(back.transform(TRAIN).data).toEqual(enc.transform(TRAIN).data);
  });

  it('throws NotFittedError before fit and SP_ERR_MODEL_FORMAT on bad JSON', () => {
    expect(() => new LinearEncoder().transform(TRAIN)).toThrow(NotFittedError);
    const good = new LinearEncoder().fit(TRAIN, TINY).toJSON();
    for (const bad of [
      null,
      { ...good, formatVersion: 99 },
      { ...good, kind: 'tree-encoder' },
      { ...good, features: [] },
    ]) {
      expect(() => LinearEncoder.fromJSON(bad)).toThrow(SporeprintError);
      try {
        LinearEncoder.fromJSON(bad);
      } catch (e) {
        expect((e as SporeprintError).code).toBe('SP_ERR_MODEL_FORMAT');
      }
    }
    const dup = {
      ...good,
      features: [
        good.features[0],
        { name: 'cap-shape', kind: 'nominal', categories: ['x', 'x'], missingLevel: false },
      ],
    };
    expect(() => LinearEncoder.fromJSON(dup)).toThrow(/twice/);
  });
});

describe('TreeEncoder', () => {
  it('gives sorted integer codes, NaN for missing and unseen, raw numerics', () => {
    const enc = new TreeEncoder().fit(TRAIN, TINY);
    expect(enc.featureInfo()).toEqual([
      { name: 'cap-diameter', kind: 'numeric' },
      { name: 'cap-shape', kind: 'categorical', categories: 2 },
    ]);
    expect(enc.categoriesOf('cap-shape')).toEqual(['f', 'x']);
    const X = enc.transform([...TRAIN, rec(4, 0, 9, 'b')]);
    expect(Array.from(X.data)).toEqual([1, 1, 3, 0, Number.NaN, Number.NaN, 5, 1, 9, Number.NaN]);
  });

  it('round-trips through JSON and rejects bad JSON', () => {
    const enc = new TreeEncoder().fit(TRAIN, TINY);
    const back = TreeEncoder.fromJSON(JSON.parse(JSON.stringify(enc)));
    expect(back.transform(TRAIN).data).toEqual(enc.transform(TRAIN).data);
    expect(() => TreeEncoder.fromJSON({ formatVersion: 1, kind: 'tree-encoder' })).toThrow(
      "tree encoder: / must have required property 'schema'",
    );
  });
});

describe('encoders on the bundled secondary file', () => {
  it('fit on a part, transform everything, identical after JSON round trip', async () => {
    const { records } = await loadAll(readData('secondary_data.csv'));
    const train = records.filter((_, i) => i % 3 !== 0);
    const lin = new LinearEncoder().fit(train, SECONDARY_SCHEMA);
    const tree = new TreeEncoder().fit(train, SECONDARY_SCHEMA);
    const X = lin.transform(records);
    expect(X.rows).toBe(61069);
    expect(X.cols).toBe(lin.width);
    const X2 = LinearEncoder.fromJSON(JSON.parse(JSON.stringify(lin))).transform(records).data;
    expect(sameBytes(X2, X.data)).toBe(true);
    const T2 = TreeEncoder.fromJSON(JSON.parse(JSON.stringify(tree))).transform(records).data;
    expect(sameBytes(T2, tree.transform(records).data)).toBe(true);
    X2[5] += 1;
    expect(sameBytes(X2, X.data)).toBe(false);
    // each nominal feature contributes exactly one 1 per row (every category was seen in training)
    let ones = 0;
    for (let k = 0; k < lin.width; k++) if (X.data[k] === 1) ones++;
    expect(ones).toBe(17);
    expect(labelsOf(records).reduce((a, b) => a + b, 0)).toBe(33888);
  });
});
