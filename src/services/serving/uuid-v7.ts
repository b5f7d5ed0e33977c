import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;
let lastMs = 0;
let seq = 0;
/** ASCII codes of the hex digits. */
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const DASH = 0x2d;
/** Text of ids being made (36 ASCII characters each), grown as needed. */
let text = Buffer.alloc(36 * 1024);

/** The next id's 16 bytes into `out` at `o`: time, version and counter, variant and random bits. */
function nextBytes(now: number, out: Uint8Array, o: number): void {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += 16;
  if (now > lastMs) {
    lastMs = now;
    seq = pool[r + 6] & 0x03; // random start, leaves room for ~4,000 ids in the same millisecond
  } else {
    seq++;
    if (seq > 0xfff) {
      lastMs++;
      seq = 0;
    }
  }
  const ms = lastMs;
  const hi = Math.floor(ms / 2 ** 32);
  out[o] = (hi >>> 8) & 0xff;
  out[o + 1] = hi & 0xff;
  out[o + 2] = (ms >>> 24) & 0xff;
  out[o + 3] = (ms >>> 16) & 0xff;
  out[o + 4] = (ms >>> 8) & 0xff;
  out[o + 5] = ms & 0xff;
  out[o + 6] = 0x70 | ((seq >>> 8) & 0x0f);
  out[o + 7] = seq & 0xff;
  out[o + 8] = 0x80 | (pool[r + 8] & 0x3f);
  for (let k = 9; k < 16; k++) out[o + k] = pool[r + k];
}

const bytes = new Uint8Array(16);

/** Writes the 36-character text of the 16 `bytes` into `out` at `o`. */
function writeText(b: Uint8Array, out: Buffer, o: number): void {
  let p = o;
  for (let k = 0; k < 16; k++) {
    if (k === 4 || k === 6 || k === 8 || k === 10) out[p++] = DASH;
    out[p++] = HEX[b[k] >>> 4];
    out[p++] = HEX[b[k] & 0x0f];
  }
}

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits, with a 12-bit counter in
 * `rand_a` so ids made in the same millisecond still sort in creation order. Time-ordered ids keep
 * inserts at the end of the prediction log's primary-key index instead of rewriting pages all over it.
 */
export function uuidv7(now = Date.now()): string {
  nextBytes(now, bytes, 0);
  writeText(bytes, text, 0);
  return text.toString('latin1', 0, 36);
}

/**
 * `n` {@link uuidv7} ids in creation order, made as one string and cut into pieces (V8 keeps each
 * piece as a view of that string: one allocation for the batch, no per-id concatenation).
 */
export function uuidv7Many(n: number, now = Date.now()): string[] {
  if (text.length < 36 * n) text = Buffer.alloc(36 * n);
  for (let i = 0; i < n; i++) {
    nextBytes(now, bytes, 0);
    writeText(bytes, text, 36 * i);
  }
  const all = text.toString('latin1', 0, 36 * n);
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = all.slice(36 * i, 36 * i + 36);
  return ids;
}
