import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;
let lastMs = 0;
let seq = 0;
/** The time part (`xxxxxxxx-xxxx-`) of the last millisecond, reused while it lasts. */
let prefixMs = -1;
let prefix = '';
const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits, with a 12-bit counter in
 * `rand_a` so ids made in the same millisecond still sort in creation order. Time-ordered ids keep
 * inserts at the end of the prediction log's primary-key index instead of rewriting pages all over it.
 */
export function uuidv7(now = Date.now()): string {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  // indexes into the pool (no per-id Buffer view: creating one costs more than the rest)
  const o = poolOffset;
  const b = pool;
  poolOffset += 16;
  if (now > lastMs) {
    lastMs = now;
    seq = b[o + 6] & 0x03; // random start, leaves room for ~4,000 ids in the same millisecond
  } else {
    seq++;
    if (seq > 0xfff) {
      lastMs++;
      seq = 0;
    }
  }
  const ms = lastMs;
  if (ms !== prefixMs) {
    prefixMs = ms;
    const t0 = hex[Math.floor(ms / 2 ** 40) & 0xff] + hex[Math.floor(ms / 2 ** 32) & 0xff];
    prefix = `${t0}${hex[(ms >>> 24) & 0xff]}${hex[(ms >>> 16) & 0xff]}-${hex[(ms >>> 8) & 0xff]}${hex[ms & 0xff]}-`;
  }
  return (
    `${prefix}${hex[0x70 | ((seq >>> 8) & 0x0f)]}${hex[seq & 0xff]}-` +
    `${hex[0x80 | (b[o + 8] & 0x3f)]}${hex[b[o + 9]]}-${hex[b[o + 10]]}${hex[b[o + 11]]}${hex[b[o + 12]]}` +
    `${hex[b[o + 13]]}${hex[b[o + 14]]}${hex[b[o + 15]]}`
  );
}
