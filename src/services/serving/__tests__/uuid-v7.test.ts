import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Many } from '../uuid-v7.js';

describe('uuidv7', () => {
  it('makes RFC 9562 version-7 ids that sort in creation order and never repeat', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    for (const id of ids.slice(0, 100))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('encodes the time in the first 48 bits', () => {
    const t = Date.UTC(2026, 10, 26, 12, 0, 0) + 10_000_000;
    const id = uuidv7(t);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(t);
  });

  it('uuidv7Many makes the same ids as calls one by one would: valid, unique, in order after the last', () => {
    const before = uuidv7();
    const ids = [...uuidv7Many(3000), ...uuidv7Many(1), ...uuidv7Many(2500)];
    expect(ids).toHaveLength(5501);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0] > before).toBe(true);
    expect(uuidv7() > ids[ids.length - 1]).toBe(true);
    expect(uuidv7Many(0)).toEqual([]);
  });
});
