import { describe, expect, it } from 'vitest';
import { featureWords, SCHEMAS } from '../index.js';

describe('featureWords', () => {
  it('gives every feature of both schemas its own label and help', () => {
    for (const schema of Object.values(SCHEMAS)) {
      for (const f of schema.features) {
        const w = featureWords(f.name);
        expect(w.help, f.name).not.toBe('');
        expect(w.label, f.name).toMatch(/^[A-Z][a-z]/);
        expect(w.label.includes('-'), f.name).toBe(false);
      }
    }
    expect(featureWords('does-bruise-or-bleed').label).toBe('Bruises or bleeds');
    expect(featureWords('odor').label).toBe('Smell');
  });

  it('falls back to the name with spaces for a feature it does not know', () => {
    expect(featureWords('spore-shape_size')).toEqual({ label: 'Spore shape size', help: '' });
  });
});
