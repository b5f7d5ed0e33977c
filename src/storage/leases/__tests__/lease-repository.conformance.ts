/**
 * Conformance suite of the lease repository (DESIGN convention 5): exactly one holder under
 * concurrency, expired leases taken over, renew and release only by the holder — on every backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { failure } from '../../__tests__/storage-fixtures.js';
import { openStorage, type Storage } from '../../index.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/** Registers the lease conformance tests for one backend. */
export function describeLeaseRepositoryConformance(name: string, makeUrl: () => string): void {
  describe(`lease repository (${name})`, () => {
    const open: Storage[] = [];
    const storage = async (url: string) => {
      const s = await openStorage(url);
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('one holder at a time; the holder re-acquires and renews; others get null', async () => {
      const s = await storage(makeUrl());
      const a = await s.leases.acquire('monitor-check', 'host-a:1', 60_000, T0);
      expect(a).toEqual({
        name: 'monitor-check',
        owner: 'host-a:1',
        token: 1,
        acquiredAt: T0,
        expiresAt: at(60_000),
      });
      expect(await s.leases.acquire('monitor-check', 'host-b:2', 60_000, at(1000))).toBeNull();
      const again = await s.leases.acquire('monitor-check', 'host-a:1', 60_000, at(2000));
      expect(again).toMatchObject({ owner: 'host-a:1', token: 1, acquiredAt: T0, expiresAt: at(62_000) });
      // same instant twice: still held (an UPDATE that changes nothing still matched the row)
      expect(await s.leases.acquire('monitor-check', 'host-a:1', 60_000, at(2000))).not.toBeNull();
      const renewed = await s.leases.renew('monitor-check', 'host-a:1', 30_000, at(10_000));
      expect(renewed?.expiresAt).toEqual(at(40_000));
      expect(await s.leases.renew('monitor-check', 'host-b:2', 30_000, at(10_000))).toBeNull();
      expect(await s.leases.acquire('other-lease', 'host-b:2', 1000, T0)).not.toBeNull();
    });

    it('an expired lease is taken over with the next token; the old holder can no longer renew or release', async () => {
      const s = await storage(makeUrl());
      await s.leases.acquire('monitor-check', 'host-a:1', 5000, T0);
      expect(await s.leases.acquire('monitor-check', 'host-b:2', 5000, at(4999))).toBeNull();
      const b = await s.leases.acquire('monitor-check', 'host-b:2', 5000, at(5000));
      expect(b).toMatchObject({ owner: 'host-b:2', token: 2, acquiredAt: at(5000), expiresAt: at(10_000) });
      expect(await s.leases.renew('monitor-check', 'host-a:1', 5000, at(6000))).toBeNull();
      expect(await s.leases.release('monitor-check', 'host-a:1')).toBe(false);
      expect((await s.leases.get('monitor-check'))?.owner).toBe('host-b:2');
      // an expired lease cannot be renewed, only acquired again
      expect(await s.leases.renew('monitor-check', 'host-b:2', 5000, at(10_000))).toBeNull();
      expect(await s.leases.release('monitor-check', 'host-b:2')).toBe(true);
      expect(await s.leases.get('monitor-check')).toBeNull();
      expect((await s.leases.acquire('monitor-check', 'host-a:1', 5000, at(11_000)))?.token).toBe(1);
    });

    it('exactly one of many concurrent callers (several connections) takes a free or expired lease', async () => {
      const url = makeUrl();
      const stores = [await storage(url)];
      for (let i = 1; i < 6; i++) stores.push(await storage(url));
      for (const round of [0, 1, 2]) {
        const now = at(round * 100_000);
        const results = await Promise.all(
          stores.flatMap((s, i) =>
            [0, 1, 2].map((j) => s.leases.acquire('race', `owner-${round}-${i}-${j}`, 50_000, now)),
          ),
        );
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect((await stores[0].leases.get('race'))?.owner).toBe(winners[0]?.owner);
        expect(winners[0]?.token).toBe(round + 1);
      }
    });

    it('refuses bad names, owners and TTLs, storing nothing', async () => {
      const s = await storage(makeUrl());
      expect((await failure(s.leases.acquire('Bad Name', 'a', 1000))).message).toMatch(
        /Lease name "Bad Name"/,
      );
      expect((await failure(s.leases.acquire('x', ' ', 1000))).message).toMatch(/owner/);
      for (const ttl of [0, -5, 1.5, Number.NaN]) {
        const f = await failure(s.leases.acquire('x', 'a', ttl));
        expect(f.code).toBe('SP_ERR_BAD_PARAM');
        expect(f.message).toMatch(/TTL/);
      }
      expect(await s.leases.get('x')).toBeNull();
    });
  });
}
