import { describe, expect, it } from 'vitest';
import { singleFlight } from '../single-flight.js';

describe('singleFlight', () => {
  it('shares one running computation per key, then computes afresh', async () => {
    let calls = 0;
    let release: (v: string) => void = () => {};
    const compute = (id: string) => {
      calls++;
      return new Promise<string>((resolve) => {
        release = (v) => resolve(`${id}:${v}`);
      });
    };
    const shared = singleFlight((id: string) => id, compute);
    const a = shared('exp-1');
    const b = shared('exp-1');
    expect(calls).toBe(1);
    release('first');
    expect(await a).toBe('exp-1:first');
    expect(await b).toBe('exp-1:first');
    const c = shared('exp-1'); // settled: nothing kept
    expect(calls).toBe(2);
    release('second');
    expect(await c).toBe('exp-1:second');
  });

  it('keeps keys apart and lets a failure reach every waiting caller once', async () => {
    let calls = 0;
    const shared = singleFlight(
      (id: string) => id,
      async (id: string) => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        if (id === 'bad') throw new Error('query failed');
        return id;
      },
    );
    const results = await Promise.allSettled([shared('bad'), shared('bad'), shared('ok')]);
    expect(calls).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(await shared('bad').catch((e: Error) => e.message)).toBe('query failed');
    expect(calls).toBe(3);
  });
});
