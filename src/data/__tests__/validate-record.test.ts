import { describe, expect, it } from 'vitest';
import { CLASSIC_SCHEMA, SECONDARY_SCHEMA } from '../schemas.js';
import { validateRecord } from '../validate-record.js';
import { type RowResult, validateRow } from '../validate-row.js';

const ROW = 'p;15.26;x;g;o;f;e;;w;16.95;17.09;s;y;w;u;w;t;g;;d;w';

/** The record a prediction log holds for ROW: features by name, missing ones left out. */
function loggedRecord(): Record<string, string | number> {
  const fields = ROW.split(';').slice(1);
  const record: Record<string, string | number> = {};
  SECONDARY_SCHEMA.features.forEach((f, j) => {
    if (fields[j] === '') return;
    record[f.name] = f.kind === 'numeric' ? Number(fields[j]) : fields[j];
  });
  return record;
}

const at = { index: 40, line: 3 };

function issuesOf(r: RowResult) {
  if (r.ok) throw new Error('expected the record to be rejected');
  return r.issues;
}

describe('validateRecord', () => {
  it('cleans a logged record exactly as the same row of a file', () => {
    const fromFile = validateRow({ index: 40, line: 3, fields: ROW.split(';') }, SECONDARY_SCHEMA);
    const r = validateRecord(loggedRecord(), 'p', SECONDARY_SCHEMA, at);
    expect(r).toEqual(fromFile);
    expect(r.ok && r.record.values[6]).toBeNull();
    // the label is the one given (feedback), whatever the record says
    const e = validateRecord(loggedRecord(), 'e', SECONDARY_SCHEMA, at);
    expect(e.ok && e.record.label).toBe(0);
    // null and absent both mean missing; classic data has its own missing marker
    const withNull = validateRecord({ ...loggedRecord(), 'gill-spacing': null }, 'p', SECONDARY_SCHEMA, at);
    expect(withNull).toEqual(fromFile);
    const classic = validateRecord({ odor: 'n' }, 'e', CLASSIC_SCHEMA, at);
    expect(classic.ok && classic.record.values.filter((v) => v !== null)).toEqual(['n']);
  });

  it('quarantines what a file row would not pass, naming field, value and reason', () => {
    const issues = issuesOf(
      validateRecord(
        { ...loggedRecord(), 'cap-shape': 'q', 'cap-diameter': 9000 },
        'p',
        SECONDARY_SCHEMA,
        at,
      ),
    );
    expect(issues.map((i) => [i.column, i.value])).toEqual([
      ['cap-diameter', '9000'],
      ['cap-shape', 'q'],
    ]);
    expect(issues[0]).toMatchObject({ index: 40, line: 3 });
    expect(issues[0].reason).toMatch(/outside the plausible range/);
    expect(issues[1].reason).toMatch(/unknown code 'q' for cap-shape/);
  });

  it('refuses unknown fields, nested values and what is not an object', () => {
    const unknown = issuesOf(validateRecord({ ...loggedRecord(), colour: 'red' }, 'p', SECONDARY_SCHEMA, at));
    expect(unknown).toEqual([
      { ...at, column: 'colour', value: 'red', reason: "unknown field 'colour' for the secondary schema" },
    ]);
    const nested = issuesOf(
      validateRecord({ ...loggedRecord(), 'cap-shape': { code: 'x' } }, 'p', SECONDARY_SCHEMA, at),
    );
    expect(nested[0]).toMatchObject({ column: 'cap-shape', value: '{"code":"x"}' });
    expect(nested[0].reason).toBe('cap-shape must be a code, a number or null, not object');
    for (const [input, kind] of [
      [null, 'null'],
      [[1, 2], 'an array'],
      ['{"odor"', 'string'],
      [7, 'number'],
    ] as const) {
      const [issue] = issuesOf(validateRecord(input, 'e', CLASSIC_SCHEMA, at));
      expect(issue).toEqual({
        ...at,
        column: null,
        value: null,
        reason: `the record is ${kind}, not an object of features`,
      });
    }
    const long = issuesOf(validateRecord({ odor: 'x'.repeat(500) }, 'e', CLASSIC_SCHEMA, at));
    expect(long[0].value).toHaveLength(500); // validateRow keeps the raw cell as it was
    const longUnknown = issuesOf(
      validateRecord({ ['y'.repeat(9)]: 'x'.repeat(500) }, 'e', CLASSIC_SCHEMA, at),
    );
    expect(longUnknown[0].value).toHaveLength(201);
  });
});
