import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/index.js';
import { type CountedRow, FeatureCounts, type InputFeatures, MAX_KEY_CHARS } from '../feature-counts.js';

const MARKER = 'unknown species';

/**
 * The JSON text of the object `features` stands for (null values left out), written as the serving
 * path writes it (`mushroomJson`): as text, so that a feature named `__proto__` is a key like any other.
 */
function jsonOf(f: InputFeatures): string {
  const pairs: string[] = [];
  f.names.forEach((name, j) => {
    const v = f.values[j];
    if (v !== null) pairs.push(`${JSON.stringify(name)}:${JSON.stringify(v)}`);
  });
  return `{${pairs.join(',')}}`;
}

/** The counts as a sorted list of rows (the table's rows). */
const rowsOf = (c: FeatureCounts) => [...c.rows()];

describe('FeatureCounts', () => {
  const names = [
    'cap-diameter',
    'cap-shape',
    'gill-color',
    '__proto__',
    'x'.repeat(MAX_KEY_CHARS + 20),
    'höhe',
  ];
  const row = (i: number, input = ''): CountedRow => ({
    modelName: 'm',
    modelVersion: 1 + (i % 2),
    experimentId: i % 3 === 0 ? 'exp' : null,
    arm: i % 3 === 0 ? 'b' : null,
    createdAt: `2026-12-08T0${i % 4}:12:00.000Z`,
    input,
    decision: (['edible', 'poisonous', 'uncertain'] as const)[i % 3],
    probability: (i % 101) / 100,
    output: i % 6 === 2 ? `{"reason":"${MARKER}"}` : '{}',
  });

  it('counts named values exactly as it counts their JSON text, for 3,000 random inputs', () => {
    const rng = new Rng(7);
    const rand = () => rng.next();
    const pick = (): string | number | null => {
      const r = rand();
      if (r < 0.15) return null;
      if (r < 0.5) return 'abcxyz'[Math.floor(rand() * 6)];
      if (r < 0.6) return `'q"\\${'y'.repeat(Math.floor(rand() * 150))}`; // quotes, backslash, a long code
      if (r < 0.7) return Math.round(rand() * 3000) / 100; // two decimals
      if (r < 0.8) return rand() * 1e6; // many digits: rounded to 4
      if (r < 0.9) return -Math.round(rand() * 10);
      return [0, -0, 1e-9, 123456789][Math.floor(rand() * 4)];
    };
    const fromText = new FeatureCounts();
    const fromValues = new FeatureCounts();
    for (let i = 0; i < 3000; i++) {
      const features: InputFeatures = { names, values: names.map(pick) };
      fromText.add(row(i, jsonOf(features)), MARKER);
      fromValues.addFeatures(row(i), features, MARKER);
    }
    expect(rowsOf(fromValues)).toEqual(rowsOf(fromText));
    expect(rowsOf(fromValues).length).toBeGreaterThan(500);
    // the long feature name is cut as the text path cuts it
    expect(rowsOf(fromValues).some((r) => r[5] === 'x'.repeat(MAX_KEY_CHARS))).toBe(true);
  });

  it('pendingJson parses back into the same counts (format 2), hostile names and keys included', () => {
    const counts = new FeatureCounts();
    const hostile: InputFeatures = {
      names: ['__proto__', 'a"b', 'line\nbreak', 'constructor', '1'],
      values: ['"', '\\', 'ünï ✓', 3.25, 'x'],
    };
    for (let i = 0; i < 40; i++) counts.addFeatures(row(i), hostile, MARKER);
    const text = counts.pendingJson();
    const parsed = JSON.parse(text) as { v: number; g: unknown[][] };
    expect(parsed.v).toBe(2);
    const again = new FeatureCounts();
    expect(again.addPending(parsed)).toBe(true);
    expect(rowsOf(again)).toEqual(rowsOf(counts));
    expect(new FeatureCounts().pendingJson()).toBe('{"v":2,"g":[]}');
  });
});
