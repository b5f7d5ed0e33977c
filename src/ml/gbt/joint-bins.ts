import type { BinnedData } from './binning.js';

/** Most histogram cells of one joint group: the distinct bin combinations its features take in the data. */
const JOINT_CELL_LIMIT = 256;
/** Features with at most this many bins (the missing bin included) may share a joint group. */
const GROUPABLE_BINS = 32;

/**
 * Histogram units of a fit: features with few bins are packed into joint groups whose cells are the bin
 * combinations that occur in the training rows; the other features are units of their own. A row then
 * adds its gradient pair to one cell per unit instead of one bin per feature (fewer memory updates,
 * which bound histogram building), and the per-feature histograms are recovered by summing the joint
 * cells ({@link marginalize}).
 */
export interface JointLayout {
  /** Number of units. */
  readonly units: number;
  /** Total cells over all units. */
  readonly cells: number;
  /** Per row and unit (row-major, `units` per row): the row's global cell. */
  readonly cellOf: Uint16Array | Uint32Array;
  /** Units of a single feature: `[firstCell, firstBin, bins]` each (bins include missing). */
  readonly singles: Int32Array;
  /** Joint groups: `[firstCell, cells, members]` each. */
  readonly groups: Int32Array;
  /** Per group, per cell, per member: the global bin (feature offset + local bin) the cell adds to. */
  readonly cellBins: Int32Array;
  /** Per group, per member: `[firstBin, bins]` (for clearing the members' marginal bins). */
  readonly memberBins: Int32Array;
}

interface Group {
  members: number[];
  /** Dense id (0 … count − 1) of each row's bin combination. */
  ids: Int32Array;
  count: number;
}

/**
 * Adds feature `f` to `group` when the combined distinct combinations stay within `limit`; returns
 * whether it did. Scratch: `remap` of at least `limit × GROUPABLE_BINS` entries, `next` of one per row.
 */
function tryJoin(
  binned: BinnedData,
  group: Group,
  f: number,
  limit: number,
  remap: Int32Array,
  next: Int32Array,
): boolean {
  const { rows, colBins, offset, nBins } = binned;
  const size = nBins[f] + 1;
  const span = group.count * size;
  remap.fill(-1, 0, span);
  const ids = group.ids;
  const off = offset[f];
  const base = f * rows;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const key = ids[r] * size + (colBins[base + r] - off);
    let id = remap[key];
    if (id < 0) {
      if (count === limit) return false;
      id = count++;
      remap[key] = id;
    }
    next[r] = id;
  }
  ids.set(next);
  group.count = count;
  group.members.push(f);
  return true;
}

/**
 * Packs the features of `binned` into units (first fit, features by decreasing bin count, groups capped
 * at `limit` distinct combinations; deterministic) and computes every row's cell per unit.
 */
export function jointLayout(binned: BinnedData, limit = JOINT_CELL_LIMIT): JointLayout {
  const { rows, cols, colBins, offset, nBins } = binned;
  const size = (f: number): number => nBins[f] + 1;
  const candidates: number[] = [];
  const alone: number[] = [];
  for (let f = 0; f < cols; f++) (size(f) <= GROUPABLE_BINS && size(f) <= limit ? candidates : alone).push(f);
  candidates.sort((a, b) => size(b) - size(a) || a - b);
  const remap = new Int32Array(limit * GROUPABLE_BINS);
  const next = new Int32Array(rows);
  const groups: Group[] = [];
  for (const f of candidates) {
    if (groups.some((g) => tryJoin(binned, g, f, limit, remap, next))) continue;
    const g: Group = { members: [], ids: new Int32Array(rows), count: 1 };
    tryJoin(binned, g, f, limit, remap, next);
    groups.push(g);
  }
  // groups of one feature are plain units
  for (const g of groups) if (g.members.length === 1) alone.push(g.members[0]);
  alone.sort((a, b) => a - b);
  const joint = groups.filter((g) => g.members.length > 1);
  const units = alone.length + joint.length;
  let cells = 0;
  const singles = new Int32Array(3 * alone.length);
  alone.forEach((f, k) => {
    singles.set([cells, offset[f], size(f)], 3 * k);
    cells += size(f);
  });
  const groupInfo = new Int32Array(3 * joint.length);
  const memberBins: number[] = [];
  const cellBins: number[] = [];
  const firstCell: number[] = [];
  for (let k = 0; k < joint.length; k++) {
    const { members, ids, count } = joint[k];
    groupInfo.set([cells, count, members.length], 3 * k);
    for (const f of members) memberBins.push(offset[f], size(f));
    // the members' bins of each cell, read off the first row that has it
    const at = cellBins.length;
    for (let t = 0; t < count * members.length; t++) cellBins.push(0);
    const seen = new Uint8Array(count);
    for (let r = 0; r < rows; r++) {
      const c = ids[r];
      if (seen[c] === 1) continue;
      seen[c] = 1;
      for (let m = 0; m < members.length; m++)
        cellBins[at + c * members.length + m] = colBins[members[m] * rows + r];
    }
    firstCell.push(cells);
    cells += count;
  }
  const cellOf = cells <= 65_536 ? new Uint16Array(rows * units) : new Uint32Array(rows * units);
  for (let k = 0; k < alone.length; k++) {
    const f = alone[k];
    const shift = singles[3 * k] - offset[f];
    for (let r = 0, at = f * rows; r < rows; r++) cellOf[r * units + k] = colBins[at + r] + shift;
  }
  for (let k = 0; k < joint.length; k++) {
    const u = alone.length + k;
    const { ids } = joint[k];
    const first = firstCell[k];
    for (let r = 0; r < rows; r++) cellOf[r * units + u] = first + ids[r];
  }
  return {
    units,
    cells,
    cellOf,
    singles,
    groups: groupInfo,
    cellBins: Int32Array.from(cellBins),
    memberBins: Int32Array.from(memberBins),
  };
}

/**
 * Writes the per-feature histogram (interleaved g, h per global bin, as {@link BinnedData} numbers
 * bins) of the joint histogram `joint` (interleaved g, h per cell) into `out`.
 */
export function marginalize(layout: JointLayout, joint: Float64Array, out: Float64Array): void {
  const { singles, groups, cellBins, memberBins } = layout;
  for (let k = 0; k < singles.length; k += 3) {
    const c0 = 2 * singles[k];
    out.set(joint.subarray(c0, c0 + 2 * singles[k + 2]), 2 * singles[k + 1]);
  }
  let t = 0;
  let mb = 0;
  for (let k = 0; k < groups.length; k += 3) {
    const first = groups[k];
    const nc = groups[k + 1];
    const nm = groups[k + 2];
    for (let m = 0; m < nm; m++, mb += 2) {
      out.fill(0, 2 * memberBins[mb], 2 * (memberBins[mb] + memberBins[mb + 1]));
    }
    for (let c = 0; c < nc; c++, t += nm) {
      const g = joint[2 * (first + c)];
      const h = joint[2 * (first + c) + 1];
      for (let m = 0; m < nm; m++) {
        const b = cellBins[t + m] << 1;
        out[b] += g;
        out[b + 1] += h;
      }
    }
  }
}
