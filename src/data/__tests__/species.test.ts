import { beforeAll, describe, expect, it } from 'vitest';
import { SporeprintError } from '../../core/index.js';
import { parseSpeciesTable, ROWS_PER_SPECIES, type SpeciesInfo, SpeciesOrderChecker } from '../species.js';
import type { CleanRecord } from '../validate-row.js';
import { loadAll, readData } from './helpers.js';

const primary = readData('primary_data.csv').toString('utf8');

function check(table: SpeciesInfo[], records: readonly CleanRecord[], total = records.length) {
  const c = new SpeciesOrderChecker(table);
  for (const r of records) c.add(r);
  return c.result(total);
}

describe('parseSpeciesTable', () => {
  it('parses 173 species with sets, ranges and classes', () => {
    const t = parseSpeciesTable(primary);
    expect(t).toHaveLength(173);
    expect(t[0]).toMatchObject({ index: 0, family: 'Amanita Family', name: 'Fly Agaric', label: 1 });
    expect(t[0].nominal.get('cap-shape')).toEqual(new Set(['x', 'f']));
    expect(t[0].nominal.get('cap-surface')).toEqual(new Set(['g', 'h'])); // header 'Cap-surface'
    expect(t[0].nominal.get('gill-spacing')).toEqual(new Set()); // empty = none
    expect(t[0].numeric.get('cap-diameter')).toEqual([10, 20]);
    expect(t[1].name).toBe('Panther Cap');
    expect(t.filter((s) => s.label === 1)).toHaveLength(96);
    expect(t.some((s) => s.label === 0)).toBe(true);
  });

  it('refuses malformed input with SP_ERR_SPECIES_FILE', () => {
    const lines = primary.split('\n');
    const bad = [
      '',
      'family;name\nA;B\n',
      [lines[0], lines[1].replace('[x, f]', 'x, f')].join('\n'),
      [lines[0], lines[1].replace(';p;', ';q;')].join('\n'),
      [lines[0], lines[1].replace('[x, f]', '[x, zz]')].join('\n'),
      [lines[0], lines[1].replace('[10, 20]', '[10, ten]')].join('\n'),
      [lines[0], `${lines[1]};extra`].join('\n'),
    ];
    for (const text of bad) {
      expect(() => parseSpeciesTable(text)).toThrow(SporeprintError);
      try {
        parseSpeciesTable(text);
      } catch (e) {
        expect((e as SporeprintError).code).toBe('SP_ERR_SPECIES_FILE');
      }
    }
  });
});

describe('SpeciesOrderChecker', () => {
  let table: SpeciesInfo[];
  let records: CleanRecord[];
  beforeAll(async () => {
    table = parseSpeciesTable(primary);
    records = (await loadAll(readData('secondary_data.csv'))).records;
  });

  it('accepts the bundled file: 100% agreement, no label conflicts', () => {
    const r = check(table, records);
    expect(r.inGenerationOrder).toBe(true);
    expect(r.reason).toBeNull();
    expect(r.agreement).toBe(1);
    expect(r.minBlockAgreement).toBe(1);
    expect(r.labelConflicts).toEqual([]);
    expect(r.speciesOf(0)).toBe(0);
    expect(r.speciesOf(352)).toBe(0);
    expect(r.speciesOf(353)).toBe(1);
    expect(r.speciesOf(61068)).toBe(172);
  });

  it('rejects a shuffled copy and says which block does not match', () => {
    const order = records.map((_, i) => i);
    let s = 99;
    for (let i = order.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const j = s % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const shuffled = order.map((from, i) => ({ ...records[from], index: i, line: i + 2 }));
    const r = check(table, shuffled);
    expect(r.inGenerationOrder).toBe(false);
    expect(r.reason).toMatch(
      /^rows [\d,]+–[\d,]+ do not match species '.+' \(\d+\.\d% of nominal values agree/,
    );
    expect(r.agreement).toBeLessThan(0.7);
    expect(r.speciesOf(0)).toBe(-1);
    expect(r.labelConflicts).toEqual([]);
  });

  it('rejects a truncated file with the row counts', () => {
    const r = check(table, records.slice(0, 61000));
    expect(r.inGenerationOrder).toBe(false);
    expect(r.reason).toBe('file has 61,000 rows, the generation order has 61,069 (173 species × 353 rows)');
  });

  it('rejects a file with two species blocks swapped', () => {
    const a = records.slice(0, ROWS_PER_SPECIES);
    const b = records.slice(ROWS_PER_SPECIES, 2 * ROWS_PER_SPECIES);
    const swapped = [...b, ...a, ...records.slice(2 * ROWS_PER_SPECIES)].map((r, i) => ({ ...r, index: i }));
    const r = check(table, swapped);
    expect(r.inGenerationOrder).toBe(false);
    expect(r.reason).toMatch(/^rows 0–352 do not match species 'Fly Agaric'/);
  });

  it('flags rows whose class contradicts their species, keeping the verdict', () => {
    const flipped = records.map((r) => (r.index === 5 ? { ...r, label: (1 - r.label) as 0 | 1 } : r));
    const r = check(table, flipped);
    expect(r.inGenerationOrder).toBe(true);
    expect(r.labelConflicts).toEqual([
      { index: 5, line: 7, species: 'Fly Agaric', expected: 'p', actual: 'e' },
    ]);
  });
});
