import { describe, expect, it } from 'vitest';
import { once } from '../once.js';

describe('once', () => {
  it('computes on the first call only, and keeps the value (undefined included)', () => {
    let calls = 0;
    const get = once(() => {
      calls++;
      return calls === 1 ? undefined : 'again';
    });
    expect(calls).toBe(0);
    expect(get()).toBeUndefined();
    expect(get()).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('computes again after a throw (nothing is kept from a failed load)', () => {
    let calls = 0;
    const get = once(() => {
      calls++;
      if (calls === 1) throw new Error('not installed');
      return 42;
    });
    expect(get).toThrow('not installed');
    expect(get()).toBe(42);
    expect(get()).toBe(42);
    expect(calls).toBe(2);
  });
});
