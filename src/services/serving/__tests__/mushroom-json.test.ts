import { describe, expect, it } from 'vitest';
import { getSchema } from '../../../data/index.js';
import { featureNames, mushroomJson, parseMushroom } from '../parse-mushroom.js';

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

  it("featureNames and the parsed values name the object mushroomJson writes (what the log's roll-up counts)", () => {
    for (const schema of [secondary, classic]) {
      const names = featureNames(schema);
      expect(featureNames(schema)).toBe(names); // one array per schema: the roll-up caches by it
      const input: Record<string, string | number> = {};
      schema.features.forEach((f, j) => {
        if (j % 3 === 1) return; // some missing
        input[f.name] = f.kind === 'numeric' ? 2.25 + j : (Object.keys(f.codes ?? {}).at(-1) ?? '');
      });
      const parsed = parseMushroom(input, schema);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const named = Object.fromEntries(
        names.flatMap((n, j) => (parsed.values[j] === null ? [] : [[n, parsed.values[j]]])),
      );
      expect(named).toEqual(JSON.parse(mushroomJson(parsed.values, schema)));
      expect(Object.keys(named).length).toBe(Object.keys(input).length);
    }
  });

  it('writes an empty object for a mushroom with every feature missing', () => {
    const parsed = parseMushroom({}, secondary);
    expect(parsed.ok && mushroomJson(parsed.values, secondary)).toBe('{}');
  });
});

describe('parseMushroom and mushroomJson fast paths', () => {
  it('every code of every feature, and more distinct numbers than are remembered, give JSON.stringify', () => {
    for (const schema of [secondary, classic]) {
      const nominal = schema.features.filter((f) => f.kind === 'nominal');
      const numeric = schema.features.filter((f) => f.kind === 'numeric');
      const rounds = Math.max(6000, ...nominal.map((f) => Object.keys(f.codes ?? {}).length));
      for (let r = 0; r < rounds; r++) {
        const input: Record<string, string | number> = {};
        for (const f of schema.features) {
          if (f.kind === 'numeric') {
            const { min, max } = f.range ?? { min: 0, max: 100 };
            // values repeat (r % 97) and go past the 4,096 remembered per feature (r / 7)
            input[f.name] = r % 3 === 0 ? min + (r % 97) / 10 : Math.min(max, min + r / 7);
          } else {
            const codes = Object.keys(f.codes ?? {});
            input[f.name] = codes[r % codes.length];
          }
        }
        const parsed = parseMushroom(input, schema);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
        const text = mushroomJson(parsed.values, schema);
        if (text !== JSON.stringify(input)) {
          expect(text).toBe(JSON.stringify(input));
        }
      }
      expect(numeric.length + nominal.length).toBe(schema.features.length);
    }
  });

  it('refuses what the full check refuses: foreign one-letter codes, numbers out of range or not finite', () => {
    const problemOf = (input: Record<string, unknown>): string | undefined => {
      const parsed = parseMushroom(input, secondary);
      return parsed.ok ? undefined : parsed.problems.map((p) => `${p.field}:${p.problem}`).join();
    };
    const shape = secondary.features.find((f) => f.name === 'cap-shape')!;
    const foreign = 'abcdefghijklmnopqrstuvwxyz0'.split('').find((ch) => !(ch in (shape.codes ?? {})))!;
    expect(problemOf({ 'cap-shape': foreign })).toBe('cap-shape:unknown_code');
    expect(problemOf({ 'cap-shape': 'é' })).toBe('cap-shape:unknown_code');
    expect(problemOf({ 'cap-shape': 1 })).toBe('cap-shape:wrong_type');
    expect(problemOf({ 'cap-diameter': -1 })).toBe('cap-diameter:out_of_range');
    expect(problemOf({ 'cap-diameter': Number.NaN })).toBe('cap-diameter:wrong_type');
    expect(problemOf({ 'cap-diameter': Number.POSITIVE_INFINITY })).toBe('cap-diameter:wrong_type');
    expect(problemOf({ 'cap-diameter': 'x' })).toBe('cap-diameter:wrong_type');
    // upper case and padding still go through the full check, and are accepted there
    const parsed = parseMushroom({ 'cap-shape': 'X', 'cap-color': ' o ' }, secondary);
    expect(parsed.ok && mushroomJson(parsed.values, secondary)).toBe('{"cap-shape":"x","cap-color":"o"}');
  });
});
