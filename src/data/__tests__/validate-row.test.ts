import { describe, expect, it } from 'vitest';
import { CLASSIC_SCHEMA, SECONDARY_SCHEMA } from '../schemas.js';
import { type RowResult, rowKey, validateRow } from '../validate-row.js';

const ROW = 'p;15.26;x;g;o;f;e;;w;16.95;17.09;s;y;w;u;w;t;g;;d;w';

function check(line: string, patch: Record<number, string> = {}): RowResult {
  const fields = line.split(';');
  for (const [i, v] of Object.entries(patch)) fields[Number(i)] = v;
  return validateRow({ index: 7, line: 9, fields }, SECONDARY_SCHEMA);
}

function issuesOf(r: RowResult) {
  if (r.ok) throw new Error('expected the row to be rejected');
  return r.issues;
}

describe('validateRow', () => {
  it('normalises a valid row', () => {
    const r = check(ROW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.record.label).toBe(1);
    expect(r.record.index).toBe(7);
    expect(r.record.line).toBe(9);
    expect(r.record.values.slice(0, 3)).toEqual([15.26, 'x', 'g']);
    expect(r.record.values[6]).toBeNull(); // gill-spacing empty
    expect(r.record.values).toHaveLength(20);
  });

  it('trims and lower-cases codes, never changing their meaning', () => {
    const r = check(ROW, { 0: ' E ', 2: 'X', 3: ' g', 1: ' 3.5 ' });
    expect(r.ok && r.record.label).toBe(0);
    expect(r.ok && r.record.values.slice(0, 3)).toEqual([3.5, 'x', 'g']);
  });

  it('rejects an unknown category code, naming the column and the allowed codes', () => {
    const [issue] = issuesOf(check(ROW, { 2: 'q' }));
    expect(issue).toMatchObject({ index: 7, line: 9, column: 'cap-shape', value: 'q' });
    expect(issue.reason).toContain("unknown code 'q' for cap-shape");
    expect(issue.reason).toContain('x = convex');
  });

  it('rejects spreadsheet-mangled numbers as dates', () => {
    for (const v of ['17.wrz', '16.cze', '3-Mar', 'Sep-17']) {
      const [issue] = issuesOf(check(ROW, { 1: v }));
      expect(issue.column).toBe('cap-diameter');
      expect(issue.value).toBe(v);
      expect(issue.reason).toContain('looks like a number a spreadsheet turned into a date');
    }
  });

  it('rejects other non-numbers and comma decimals without coercing', () => {
    expect(issuesOf(check(ROW, { 9: 'abc' }))[0].reason).toBe("stem-height 'abc' is not a number");
    expect(issuesOf(check(ROW, { 9: '16,95' }))[0].reason).toMatch(/comma as the decimal separator/);
    expect(issuesOf(check(ROW, { 9: 'NaN' }))[0].column).toBe('stem-height');
    expect(issuesOf(check(ROW, { 9: 'Infinity' }))[0].column).toBe('stem-height');
  });

  it('rejects numbers outside the plausible range', () => {
    const [issue] = issuesOf(check(ROW, { 1: '150' }));
    expect(issue.reason).toBe('cap-diameter 150 cm is outside the plausible range 0–100 cm');
    expect(issuesOf(check(ROW, { 10: '-1' }))[0].reason).toContain('stem-width -1 mm');
    expect(check(ROW, { 10: '300' }).ok).toBe(true);
  });

  it('rejects a wrong field count', () => {
    const r = validateRow(
      { index: 0, line: 2, fields: ['p', '1', 'x', 'g', 'o', 'f', 'e'] },
      SECONDARY_SCHEMA,
    );
    expect(issuesOf(r)).toEqual([
      {
        index: 0,
        line: 2,
        column: null,
        value: null,
        reason: 'expected 21 fields, found 7 — truncated line?',
      },
    ]);
    const long = validateRow({ index: 0, line: 2, fields: [...ROW.split(';'), 'x'] }, SECONDARY_SCHEMA);
    expect(issuesOf(long)[0].reason).toMatch(/expected 21 fields, found 22/);
  });

  it("rejects class 'x' and a missing class", () => {
    const [issue] = issuesOf(check(ROW, { 0: 'x' }));
    expect(issue).toMatchObject({ column: 'class', value: 'x' });
    expect(issue.reason).toContain('e = edible, p = poisonous');
    expect(issuesOf(check(ROW, { 0: '' }))[0].reason).toMatch(/class is missing/);
  });

  it('reports every problem of a row', () => {
    expect(issuesOf(check(ROW, { 0: 'x', 1: '17.wrz', 2: 'q' })).map((i) => i.column)).toEqual([
      'class',
      'cap-diameter',
      'cap-shape',
    ]);
  });

  it("treats '?' as missing in the classic schema only", () => {
    const fields = 'e,x,s,y,t,a,f,c,b,k,e,?,s,s,w,w,p,w,o,p,n,n,g'.split(',');
    const r = validateRow({ index: 0, line: 1, fields }, CLASSIC_SCHEMA);
    expect(r.ok && r.record.values[10]).toBeNull();
    expect(check(ROW, { 7: '?' }).ok).toBe(false); // gill-spacing has no '?' code
    const unknown = check(ROW, { 6: '?' }); // gill-attachment documents '?' = unknown: a code, not missing
    expect(unknown.ok && unknown.record.values[5]).toBe('?');
  });

  it('rowKey is equal for equal rows and differs by label and value', () => {
    const a = check(ROW);
    const b = check(ROW);
    const c = check(ROW, { 0: 'e' });
    const d = check(ROW, { 8: 'y' });
    if (!a.ok || !b.ok || !c.ok || !d.ok) throw new Error('rows should be valid');
    expect(rowKey(a.record)).toBe(rowKey(b.record));
    expect(rowKey(a.record)).not.toBe(rowKey(c.record));
    expect(rowKey(a.record)).not.toBe(rowKey(d.record));
  });
});
