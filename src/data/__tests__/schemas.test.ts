import { describe, expect, it } from 'vitest';
import { CLASSIC_SCHEMA, describeAllowed, getSchema, SECONDARY_SCHEMA, schemaColumns } from '../schemas.js';
import { loadAll, readData } from './helpers.js';

describe('schemas', () => {
  it('secondary has 20 features in file order, 3 numeric', () => {
    expect(SECONDARY_SCHEMA.features).toHaveLength(20);
    expect(SECONDARY_SCHEMA.features.filter((f) => f.kind === 'numeric').map((f) => f.name)).toEqual([
      'cap-diameter',
      'stem-height',
      'stem-width',
    ]);
    const header = readData('secondary_data.csv').toString('utf8').split('\n')[0].split(';');
    expect(schemaColumns(SECONDARY_SCHEMA)).toEqual(header);
  });

  it('classic has class then the 22 UCI features', () => {
    expect(CLASSIC_SCHEMA.features).toHaveLength(22);
    expect(CLASSIC_SCHEMA.features[4].name).toBe('odor');
    expect(CLASSIC_SCHEMA.features[21].name).toBe('habitat');
    expect(CLASSIC_SCHEMA.features.every((f) => f.kind === 'nominal')).toBe(true);
    expect(CLASSIC_SCHEMA.missingMarkers).toEqual(['?']);
  });

  it('includes the undocumented codes present in the published secondary file', () => {
    const byName = new Map(SECONDARY_SCHEMA.features.map((f) => [f.name, f]));
    expect(byName.get('cap-surface')?.codes?.d).toMatch(/undocumented/);
    expect(byName.get('stem-root')?.codes?.f).toBe('none');
    expect(byName.get('cap-shape')?.codes?.x).toBe('convex');
  });

  it('describeAllowed lists codes with meanings', () => {
    const capShape = SECONDARY_SCHEMA.features[1];
    expect(describeAllowed(capShape)).toBe(
      'b = bell, c = conical, x = convex, f = flat, s = sunken, p = spherical, o = others',
    );
    expect(describeAllowed(SECONDARY_SCHEMA.features[0])).toBe('a number from 0 to 100 cm');
  });

  it('getSchema rejects unknown names', () => {
    expect(getSchema('classic')).toBe(CLASSIC_SCHEMA);
    expect(() => getSchema('tertiary' as 'classic')).toThrow(/unknown dataset schema/);
  });

  it('accepts every row of the bundled secondary file', async () => {
    const { format, records, issues, total } = await loadAll(readData('secondary_data.csv'));
    expect(format.schema).toBe('secondary');
    expect(total).toBe(61069);
    expect(issues).toEqual([]);
    expect(records).toHaveLength(61069);
    expect(records.filter((r) => r.label === 1)).toHaveLength(33888);
  });

  it('accepts every row of the bundled classic file', async () => {
    const { format, records, issues } = await loadAll(readData('agaricus-lepiota.data'));
    expect(format).toMatchObject({ schema: 'classic', delimiter: ',', hasHeader: false });
    expect(issues).toEqual([]);
    expect(records).toHaveLength(8124);
    expect(records.filter((r) => r.label === 0)).toHaveLength(4208);
    // stalk-root '?' is missing in 2,480 rows
    expect(records.filter((r) => r.values[10] === null)).toHaveLength(2480);
  });
});
