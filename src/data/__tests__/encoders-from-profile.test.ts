import { describe, expect, it } from 'vitest';
import { LinearEncoder, TreeEncoder } from '../encoders.js';
import { encodersFromProfile } from '../encoders-from-profile.js';
import { ProfileBuilder } from '../profile.js';
import { SECONDARY_SCHEMA } from '../schemas.js';
import { loadAll, readData } from './helpers.js';

describe('encodersFromProfile', () => {
  it('equals fitting the encoders on the training records', async () => {
    const { records } = await loadAll(readData('secondary_data.csv'));
    const train = records.filter((r) => r.index % 4 !== 0);
    const pb = new ProfileBuilder(SECONDARY_SCHEMA);
    for (const r of train) pb.add(r, 0);
    const { linear, tree } = encodersFromProfile(pb.build(), SECONDARY_SCHEMA);
    const lin = new LinearEncoder().fit(train, SECONDARY_SCHEMA).toJSON();
    expect(tree.toJSON()).toEqual(new TreeEncoder().fit(train, SECONDARY_SCHEMA).toJSON());
    const got = linear.toJSON();
    expect(got.features.map((f) => f.name)).toEqual(lin.features.map((f) => f.name));
    got.features.forEach((f, j) => {
      const want = lin.features[j];
      if (f.kind === 'numeric' && want.kind === 'numeric') {
        expect(f.mean).toBeCloseTo(want.mean, 9);
        expect(f.std).toBeCloseTo(want.std, 9);
      } else expect(f).toEqual(want);
    });
  });

  it('refuses an empty training profile', () => {
    expect(() => encodersFromProfile(new ProfileBuilder(SECONDARY_SCHEMA).build(), SECONDARY_SCHEMA)).toThrow(
      /training split has no rows/,
    );
  });
});
