import { describe, expect, it } from 'vitest';
import { DuplicateCounter, hashRecord } from '../duplicate-counter.js';
import { ProfileBuilder } from '../profile.js';
import { type DatasetSchema, SECONDARY_SCHEMA } from '../schemas.js';
import type { CleanRecord } from '../validate-row.js';
import { loadAll, readData } from './helpers.js';

const TINY: DatasetSchema = {
  ...SECONDARY_SCHEMA,
  features: [SECONDARY_SCHEMA.features[0], SECONDARY_SCHEMA.features[1]],
};

function rec(index: number, label: 0 | 1, d: number | null, shape: string | null): CleanRecord {
  return { index, line: index + 2, label, values: [d, shape] };
}

describe('ProfileBuilder', () => {
  it('counts classes, splits, missing values, categories and numeric summaries', () => {
    const pb = new ProfileBuilder(TINY);
    pb.add(rec(0, 1, 1, 'x'), 0);
    pb.add(rec(1, 0, 2, 'x'), 0);
    pb.add(rec(2, 1, 3, 'f'), 1);
    pb.add(rec(3, 1, null, null), 2);
    pb.add(rec(4, 0, 4, 'x'), 0);
    const p = pb.build();
    expect(p.schema).toBe('secondary');
    expect(p.rows).toBe(5);
    expect(p.classes).toEqual({ e: 2, p: 3 });
    expect(p.splits).toEqual({ train: 3, validation: 1, test: 1 });
    expect(p.classBySplit).toEqual({
      train: { e: 2, p: 1 },
      validation: { e: 0, p: 1 },
      test: { e: 0, p: 1 },
    });
    const [dia, shape] = p.columns;
    expect(shape).toEqual({
      name: 'cap-shape',
      kind: 'nominal',
      missing: 1,
      missingShare: 0.2,
      categories: { f: 1, x: 3 },
    });
    expect(dia.missingShare).toBe(0.2);
    expect(dia.numeric).toMatchObject({ count: 4, missing: 1, min: 1, max: 4, mean: 2.5 });
    expect(dia.numeric?.std).toBeCloseTo(Math.sqrt(5 / 3), 12); // sample std of 1..4
    expect(dia.numeric?.p50).toBeCloseTo(2.5, 12);
    expect(dia.numeric?.p5).toBeCloseTo(1.15, 12);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('approximates percentiles from a bounded reservoir on large inputs', () => {
    const pb = new ProfileBuilder(TINY, { reservoirSize: 2000, seed: 3 });
    for (let i = 0; i < 100_000; i++) pb.add(rec(i, 0, (i % 1000) / 10, 'x'), 0);
    const n = pb.build().columns[0].numeric;
    expect(n?.count).toBe(100_000);
    expect(n?.p50).toBeGreaterThan(45);
    expect(n?.p50).toBeLessThan(55);
    expect(n?.p95).toBeGreaterThan(92);
    expect(n?.max).toBe(99.9);
  });
});

describe('DuplicateCounter', () => {
  it('counts exact duplicates including the label', () => {
    const d = new DuplicateCounter();
    expect(d.add(rec(0, 1, 1.5, 'x'))).toBe(false);
    expect(d.add(rec(1, 1, 1.5, 'x'))).toBe(true);
    expect(d.add(rec(2, 0, 1.5, 'x'))).toBe(false); // other label
    expect(d.add(rec(3, 1, null, 'x'))).toBe(false);
    expect(d.add(rec(4, 1, 1.5, null))).toBe(false);
    expect(d.add(rec(5, 1, null, 'x'))).toBe(true);
    expect(d.count).toBe(2);
    expect(d.distinct).toBe(4);
    expect(hashRecord(rec(0, 1, 2, 'x'))).not.toBe(hashRecord(rec(0, 1, 2, 'f')));
    expect(Number.isSafeInteger(hashRecord(rec(0, 1, 2, 'x')))).toBe(true);
  });

  it('finds 146 duplicates in the bundled secondary file', async () => {
    const { records } = await loadAll(readData('secondary_data.csv'));
    const d = new DuplicateCounter();
    for (const r of records) d.add(r);
    expect(d.count).toBe(146);
    expect(d.distinct).toBe(61069 - 146);
  });
});
