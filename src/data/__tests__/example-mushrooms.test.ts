import { describe, expect, it } from 'vitest';
import { detectFormat, EXAMPLE_MUSHROOMS, getSchema, SCHEMAS } from '../index.js';
import { validateRow } from '../validate-row.js';
import { allRows, readData } from './helpers.js';

const FILES = { secondary: 'secondary_data.csv', classic: 'agaricus-lepiota.data' } as const;

describe('EXAMPLE_MUSHROOMS', () => {
  it('is the first data row of each bundled file, without its class and missing features', async () => {
    for (const name of Object.keys(SCHEMAS) as (keyof typeof FILES)[]) {
      const text = readData(FILES[name]);
      const format = detectFormat(text.subarray(0, 65536), { schema: name });
      const [first] = await allRows(text.subarray(0, 4096), format);
      const schema = getSchema(name);
      const row = validateRow(first, schema);
      expect(row.ok, name).toBe(true);
      if (!row.ok) continue;
      const expected: Record<string, string | number> = {};
      schema.features.forEach((f, i) => {
        const v = row.record.values[i];
        if (v !== null) expected[f.name] = v;
      });
      expect(EXAMPLE_MUSHROOMS[name], name).toEqual(expected);
    }
  });
});
