import { describe, expect, it } from 'vitest';
import { getSchema } from '../../../data/index.js';
import { mushroomJson, parseMushroom } from '../parse-mushroom.js';

const secondary = getSchema('secondary');
const classic = getSchema('classic');

describe('mushroomJson', () => {
  it('writes the parsed mushroom as canonical JSON: codes lower-cased, numbers as numbers, missing left out', () => {
    const parsed = parseMushroom(
      {
        'cap-diameter': '15.26',
        'cap-shape': 'X',
        'cap-color': ' o ',
        'stem-height': 16.95,
        'stem-root': null,
        'ring-type': '',
      },
      secondary,
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const text = mushroomJson(parsed.values, secondary);
    expect(JSON.parse(text)).toEqual({
      'cap-diameter': 15.26,
      'cap-shape': 'x',
      'cap-color': 'o',
      'stem-height': 16.95,
    });
    // keys in schema order, exactly what JSON.stringify gives for the same object
    expect(text).toBe(
      JSON.stringify({ 'cap-diameter': 15.26, 'cap-shape': 'x', 'cap-color': 'o', 'stem-height': 16.95 }),
    );
  });

  it('matches JSON.stringify of the keyed values for every feature of both schemas', () => {
    for (const schema of [secondary, classic]) {
      const input: Record<string, string | number> = {};
      for (const f of schema.features) {
        input[f.name] = f.kind === 'numeric' ? 1.5e-7 + (f.range?.min ?? 0) : Object.keys(f.codes ?? {})[0];
      }
      const parsed = parseMushroom(input, schema);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(mushroomJson(parsed.values, schema)).toBe(JSON.stringify(input));
    }
  });

  it('writes an empty object for a mushroom with every feature missing', () => {
    const parsed = parseMushroom({}, secondary);
    expect(parsed.ok && mushroomJson(parsed.values, secondary)).toBe('{}');
  });
});
