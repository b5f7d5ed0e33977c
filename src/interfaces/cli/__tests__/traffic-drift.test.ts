import { describe, expect, it } from 'vitest';
import { getSchema } from '../../../data/index.js';
import { applySeasonDrift, describeSeasonDrift, seasonDrift } from '../traffic-drift.js';
import type { LabelledRecord } from '../traffic-simulator.js';

const secondary = getSchema('secondary');

function rows(n: number): LabelledRecord[] {
  return Array.from({ length: n }, (_, i): LabelledRecord => {
    const record: Record<string, string | number> = { habitat: i % 3 === 0 ? 'u' : 'g' };
    if (i > 0) record['cap-diameter'] = i;
    return { label: i % 2 === 0 ? 'p' : 'e', record };
  });
}

describe('season drift', () => {
  it('defaults to the first numeric feature × 1.5; multiplies every row that has it, caps at the range', () => {
    const drift = seasonDrift(secondary, {});
    expect(drift).toMatchObject({ kind: 'scale', feature: { name: 'cap-diameter' }, factor: 1.5 });
    if (drift.kind !== 'scale') throw new Error('a numeric feature is scaled');
    const input = rows(5);
    const out = applySeasonDrift(input, { ...drift, factor: 40 }, Math.random);
    // row 0 has no cap-diameter: left missing; 3 × 40 and 4 × 40 exceed 100 cm
    expect(out.records.map((r) => r.record['cap-diameter'])).toEqual([undefined, 40, 80, 100, 100]);
    expect(out.records.map((r) => r.label)).toEqual(input.map((r) => r.label));
    expect([out.changed, out.capped]).toEqual([4, 2]);
    expect(input[1].record['cap-diameter']).toBe(1); // the input is not changed
    expect(describeSeasonDrift({ ...drift, factor: 40 }, out, 5)).toBe(
      'season drift: cap-diameter × 40 in 4 of 5 rows (2 capped at 100, its largest valid value)',
    );
  });

  it('replaces exactly round(share × rows) rows of a categorical feature, other features and labels kept', () => {
    const drift = seasonDrift(secondary, { feature: 'habitat', to: 'w', share: 0.25 });
    expect(drift).toMatchObject({ kind: 'replace', to: 'w', share: 0.25 });
    const input = rows(10);
    let seed = 7;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const out = applySeasonDrift(input, drift, random);
    expect(out.changed).toBe(3);
    expect(out.records.filter((r) => r.record.habitat === 'w')).toHaveLength(3);
    out.records.forEach((r, i) => {
      expect(r.label).toBe(input[i].label);
      expect(r.record['cap-diameter']).toBe(input[i].record['cap-diameter']);
    });
    expect(seasonDrift(secondary, { feature: 'season', to: 'w' })).toMatchObject({ share: 0.6 });
  });

  it.each([
    [
      { feature: 'colour' },
      /--drift-feature: 'colour' is not a feature of the secondary data; features: cap-diameter, /,
    ],
    [{ feature: 'habitat' }, /--drift-to <code> is needed to shift habitat: one of g = grasses/],
    [{ feature: 'habitat', to: 'x' }, /--drift-to: 'x' is not a code of habitat/],
    [{ feature: 'habitat', to: 'u', factor: 2 }, /--drift-factor applies to a numeric --drift-feature/],
    [
      { feature: 'stem-width', to: 'u' },
      /--drift-to applies to a categorical --drift-feature; stem-width is numeric/,
    ],
    [{ share: 0.5 }, /--drift-share applies to a categorical --drift-feature; cap-diameter is numeric/],
  ])('refuses %j with a usage error naming the option', (options, message) => {
    expect(() => seasonDrift(secondary, options)).toThrow(message);
    try {
      seasonDrift(secondary, options);
    } catch (e) {
      expect((e as { code: string }).code).toBe('SP_ERR_USAGE');
    }
  });

  it('the classic data has no numeric feature: a feature and code must be named', () => {
    expect(() => seasonDrift(getSchema('classic'), {})).toThrow(
      '--drift season on the classic data needs --drift-feature <name> and --drift-to <code>',
    );
  });
});
