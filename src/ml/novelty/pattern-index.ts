/**
 * A hash index over the distinct nominal patterns of the training rows that finds, for a query
 * pattern, every training pattern within `radius` mismatches: each pattern is entered once per
 * "mask" (a set of at most `radius` wildcard positions) under the hash of its codes outside the mask,
 * so a pattern that differs from the query exactly at positions S is found under the mask S.
 * Internal to the novelty module.
 */

/** The code a missing (NaN) nominal value gets: missing is a level of its own. */
export const MISSING_CODE = 0xffff;
/** The code of a value that is no valid category code (e.g. out of range): it matches nothing. */
export const UNSEEN_CODE = 0xfffe;

/** The masks (wildcard position sets) of size 0…radius over `m` positions, smallest first. */
export interface MaskSet {
  /** Number of masks. */
  readonly count: number;
  /** Flags per mask and position (`count × m`): 1 = wildcard. */
  readonly flags: Uint8Array;
  /** First mask of each size: masks of size s are `[sizeStart[s], sizeStart[s + 1])`. */
  readonly sizeStart: Int32Array;
}

/** All masks of size 0, 1, …, `radius` over `m` positions. */
export function buildMasks(m: number, radius: number): MaskSet {
  const lists: number[][] = [[]];
  const sizeStart = [0, 1];
  if (radius >= 1) {
    for (let a = 0; a < m; a++) lists.push([a]);
    sizeStart.push(lists.length);
  }
  if (radius >= 2) {
    for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) lists.push([a, b]);
    sizeStart.push(lists.length);
  }
  const flags = new Uint8Array(lists.length * m);
  lists.forEach((l, k) => {
    for (const t of l) flags[k * m + t] = 1;
  });
  return { count: lists.length, flags, sizeStart: Int32Array.from(sizeStart) };
}

/** 32-bit hash of `codes[base … base+m)` outside mask `k` (FNV-1a step, murmur3 finaliser). */
export function maskedHash(codes: Uint16Array, base: number, m: number, masks: MaskSet, k: number): number {
  const flags = masks.flags;
  const fo = k * m;
  let h = (0x811c9dc5 ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
  for (let t = 0; t < m; t++) {
    if (flags[fo + t] === 1) continue;
    h = Math.imul(h ^ codes[base + t], 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Open-addressing table from masked hash to a bucket of pattern ids. Buckets may hold patterns of
 * colliding keys: callers compute every candidate's true distance, so a collision costs time, never
 * correctness.
 */
export interface PatternTable {
  readonly mask: number;
  readonly slotHash: Uint32Array;
  /** Start of the slot's bucket in `items`, or -1 for an empty slot. */
  readonly slotStart: Int32Array;
  readonly slotLen: Int32Array;
  readonly items: Int32Array;
}

/** Builds the table of `patternCount` patterns (`codes`, `m` per pattern) under every mask. */
export function buildTable(
  codes: Uint16Array,
  patternCount: number,
  m: number,
  masks: MaskSet,
): PatternTable {
  const total = patternCount * masks.count;
  let size = 16;
  while (size < total * 2) size *= 2;
  const mask = size - 1;
  const slotHash = new Uint32Array(size);
  const slotStart = new Int32Array(size).fill(-1);
  const slotLen = new Int32Array(size);
  const hashes = new Uint32Array(total);
  for (let p = 0; p < patternCount; p++) {
    for (let k = 0; k < masks.count; k++) hashes[p * masks.count + k] = maskedHash(codes, p * m, m, masks, k);
  }
  // pass 1: claim slots and count; slotStart is 0 while counting (any value ≠ -1 marks "used")
  for (let i = 0; i < total; i++) {
    const h = hashes[i];
    let s = h & mask;
    while (slotStart[s] !== -1 && slotHash[s] !== h) s = (s + 1) & mask;
    slotStart[s] = 0;
    slotHash[s] = h;
    slotLen[s]++;
  }
  // pass 2: bucket offsets
  let next = 0;
  for (let s = 0; s < size; s++) {
    if (slotStart[s] === -1) continue;
    slotStart[s] = next;
    next += slotLen[s];
    slotLen[s] = 0;
  }
  // pass 3: fill, skipping a pattern already entered in the bucket (the same pattern under 2 masks
  // whose keys collide)
  const items = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    const h = hashes[i];
    const p = (i / masks.count) | 0;
    let s = h & mask;
    while (slotHash[s] !== h || slotStart[s] === -1) s = (s + 1) & mask;
    const st = slotStart[s];
    const len = slotLen[s];
    if (len > 0 && items[st + len - 1] === p) continue;
    items[st + len] = p;
    slotLen[s] = len + 1;
  }
  return { mask, slotHash, slotStart, slotLen, items };
}

/** The slot of hash `h`, or -1 when no pattern has it. */
export function findSlot(table: PatternTable, h: number): number {
  const { slotHash, slotStart, mask } = table;
  let s = h & mask;
  while (slotStart[s] !== -1) {
    if (slotHash[s] === h) return s;
    s = (s + 1) & mask;
  }
  return -1;
}
