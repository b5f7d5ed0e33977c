/*
 * Runtime code generation, kept because it is measurably faster (issue 15): on the secondary data's
 * model (100 trees, depth ≤ 6), batch prediction of 1,000,000 rows runs at 1.90 M rows/s compiled against
 * 0.27 M rows/s for the FlatForest interpreter, plain typed-array loops: ×7.1 (×8.1 in a second run on a
 * busier box; `npm run bench:predict` times both interleaved in one process and checks that their
 * margins are bit-identical).
 */
import type { TreeArrays } from '../tree-arrays.js';
import { FlatForest, type MarginPrecision } from './flat-forest.js';

/** Signature of one generated chunk: adds its trees' outputs to `out[i]` for rows `[r0, r1)`. */
type ChunkFn = (data: Float64Array, cols: number, out: Float64Array, r0: number, r1: number) => void;

/**
 * A JavaScript literal that evaluates to exactly `v`. `String(v)` is the shortest decimal that
 * round-trips for every finite double; `-0`, the infinities and NaN are spelled out.
 */
export function exactLiteral(v: number): string {
  if (Number.isNaN(v)) return '(0/0)';
  if (v === Number.POSITIVE_INFINITY) return '(1/0)';
  if (v === Number.NEGATIVE_INFINITY) return '(-1/0)';
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${String(v)})` : String(v);
}

/** Per chunk: which features its trees read, and how. */
interface FeatureUse {
  /** Read as a number (`x<f>`): every used feature. */
  readonly read: Set<number>;
  /** Categorical features tested against one-word bitsets (`m<f>` = `1 << code` or 0). */
  readonly bit: Set<number>;
  /** Categorical features tested against wider bitsets (`k<f>` = code, or 2^32 − 1 when negative/NaN). */
  readonly code: Set<number>;
}

/**
 * Emits nested if/else source for one tree that adds the reached leaf's value to `s`.
 * The split semantics are exactly those of `findLeaf` (src/ml/tree-arrays.ts):
 * - NaN follows `defaultLeft`;
 * - numeric: `x < threshold` goes left;
 * - categorical: right iff `x >= 0` and the word `ToUint32(x) >>> 5` exists in the node's bitset and has bit
 *   `ToUint32(x) & 31` set (as `inCategorySet`: `code >>> 5`, `1 << (code & 31)`).
 * Per row, a categorical feature's code `u = ToUint32(x)` (for `x >= 0`) is turned once into `m<f>` =
 * `1 << u` when `u < 32`, else 0, so a one-word test is `(m<f> & WORD) !== 0`; wider bitsets read `k<f>`
 * from the shared table `K` at a fixed offset. NaN and negative codes give `m<f> = 0`, `k<f> = 2^32 − 1`.
 */
function emitTree(
  t: TreeArrays,
  add: (v: number) => string,
  table: number[],
  use: FeatureUse,
  lines: string[],
  indent: string,
): void {
  const { left, right, feature, threshold, defaultLeft, isCategorical, catOffset, catWords, catBits, value } =
    t;
  // Iterative emission (trees may be deep): a stack of pending actions.
  type Item = { node: number; ind: string } | { text: string };
  const stack: Item[] = [{ node: 0, ind: indent }];
  while (stack.length > 0) {
    const item = stack.pop() as Item;
    if ('text' in item) {
      lines.push(item.text);
      continue;
    }
    const { node, ind } = item;
    if (left[node] === -1) {
      lines.push(`${ind}${add(value[node])}`);
      continue;
    }
    const f = feature[node];
    const x = `x${f}`;
    const dl = defaultLeft[node] === 1;
    let goLeft: string;
    if (isCategorical[node] === 1) {
      const words = catWords[node];
      let inSet: string;
      if (words <= 0) inSet = 'false';
      else if (words === 1) {
        const m = catBits[catOffset[node]] | 0;
        use.bit.add(f);
        inSet = m === 0 ? 'false' : `(m${f} & ${m < 0 ? `(${m})` : m}) !== 0`;
      } else {
        const at = table.length;
        for (let k = 0; k < words; k++) table.push(catBits[catOffset[node] + k] >>> 0);
        use.code.add(f);
        inSet = `k${f} < ${32 * words} && ((K[${at} + (k${f} >>> 5)] >>> (k${f} & 31)) & 1) !== 0`;
      }
      use.read.add(f);
      // Not in the set goes left; NaN is never in the set.
      goLeft = dl ? `!(${inSet})` : `${x} === ${x} && !(${inSet})`;
    } else {
      const thr = threshold[node];
      use.read.add(f);
      if (Number.isNaN(thr)) goLeft = dl ? `${x} !== ${x}` : 'false';
      // For non-NaN thresholds: `!(x >= t)` is `x < t` for numbers and true for NaN.
      else goLeft = dl ? `!(${x} >= ${exactLiteral(thr)})` : `${x} < ${exactLiteral(thr)}`;
    }
    const inner = `${ind}  `;
    lines.push(`${ind}if (${goLeft}) {`);
    // Pushed in reverse: left body, "} else {", right body, "}".
    stack.push({ text: `${ind}}` });
    stack.push({ node: right[node], ind: inner });
    stack.push({ text: `${ind}} else {` });
    stack.push({ node: left[node], ind: inner });
  }
}

function internalNodes(t: TreeArrays): number {
  let n = 0;
  for (let i = 0; i < t.left.length; i++) if (t.left[i] !== -1) n++;
  return n;
}

function maxFeature(t: TreeArrays): number {
  let m = -1;
  for (let i = 0; i < t.left.length; i++) if (t.left[i] !== -1 && t.feature[i] > m) m = t.feature[i];
  return m;
}

/**
 * Generates the chunk functions for `trees` (grouped so that each chunk stays small enough for V8's
 * optimising compiler). Returns null when code generation from strings is not allowed.
 */
function compileChunks(trees: readonly TreeArrays[], precision: MarginPrecision): ChunkFn[] | null {
  const add =
    precision === 'float32'
      ? (v: number) => `s = fround(s + ${exactLiteral(v)});`
      : (v: number) => `s += ${exactLiteral(v)};`;
  const chunks: ChunkFn[] = [];
  let t = 0;
  while (t < trees.length) {
    const table: number[] = [];
    const use: FeatureUse = { read: new Set(), bit: new Set(), code: new Set() };
    const body: string[] = [];
    let budget = 0;
    do {
      body.push(`    // tree ${t}`);
      emitTree(trees[t], add, table, use, body, '    ');
      budget += internalNodes(trees[t]);
      t++;
    } while (t < trees.length && budget + internalNodes(trees[t]) <= CompiledForest.CHUNK_NODES);
    const lines: string[] = [
      '"use strict";',
      'return function chunk(data, cols, out, r0, r1) {',
      '  for (let i = r0, b = r0 * cols; i < r1; i++, b += cols) {',
    ];
    for (const f of [...use.read].sort((a, c) => a - c)) {
      lines.push(`    const x${f} = data[b + ${f}];`);
      if (use.bit.has(f))
        lines.push(`    const m${f} = x${f} >= 0 && x${f} >>> 0 < 32 ? 1 << (x${f} >>> 0) : 0;`);
      if (use.code.has(f)) lines.push(`    const k${f} = x${f} >= 0 ? x${f} >>> 0 : 4294967295;`);
    }
    lines.push('    let s = out[i];', ...body, '    out[i] = s;', '  }', '};');
    try {
      const factory = new Function('fround', 'K', lines.join('\n')) as (
        fround: (x: number) => number,
        K: Uint32Array,
      ) => ChunkFn;
      chunks.push(factory(Math.fround, Uint32Array.from(table)));
    } catch {
      return null; // e.g. --disallow-code-generation-from-strings or a CSP
    }
  }
  return chunks;
}

/**
 * A forest compiled to specialised JavaScript: each tree becomes nested if/else on its exact thresholds
 * and category bitsets (V8 turns these into native branches), several trees per generated function, run
 * over blocks of rows. Margins are bit-identical to {@link FlatForest} and `findLeaf`: tree outputs are
 * added to each row's running sum in tree order (rounded to float32 after each tree for `float32`).
 *
 * Falls back to the {@link FlatForest} interpreter for forests larger than {@link CompiledForest.MAX_NODES}
 * internal nodes, where code generation from strings is forbidden, and for partial-forest calls.
 */
export class CompiledForest {
  /** Largest forest (internal nodes) that is compiled; larger ones are interpreted. */
  static MAX_NODES = 32_768;
  /**
   * Internal nodes per generated function, kept below V8's optimisation size limit (measured on the
   * secondary-data model: 1024 still optimised, 1536 did not and ran ~8× slower).
   */
  static CHUNK_NODES = 512;
  /** Rows per block: every chunk runs over one block before the next block starts. */
  static BLOCK = 256;

  private readonly trees: readonly TreeArrays[];
  private readonly flat: FlatForest;
  private readonly compilable: boolean;
  private readonly maxFeat: number;
  private compiled64: ChunkFn[] | null | undefined;
  private compiled32: ChunkFn[] | null | undefined;

  constructor(trees: readonly TreeArrays[], options: { compile?: boolean } = {}) {
    this.trees = trees;
    // Also validates the forest (a feature split both as numeric and categorical is refused).
    this.flat = new FlatForest(trees);
    let nodes = 0;
    let mf = -1;
    for (const t of trees) {
      nodes += internalNodes(t);
      mf = Math.max(mf, maxFeature(t));
    }
    this.maxFeat = mf;
    this.compilable = options.compile !== false && nodes <= CompiledForest.MAX_NODES;
  }

  /** Number of trees. */
  get size(): number {
    return this.trees.length;
  }

  /** True when predictions run through generated code (compiling on first use if needed). */
  isCompiled(precision: MarginPrecision = 'float64'): boolean {
    return this.chunks(precision) !== null;
  }

  private chunks(precision: MarginPrecision): ChunkFn[] | null {
    if (!this.compilable) return null;
    if (precision === 'float32') {
      if (this.compiled32 === undefined) this.compiled32 = compileChunks(this.trees, 'float32');
      return this.compiled32;
    }
    if (this.compiled64 === undefined) this.compiled64 = compileChunks(this.trees, 'float64');
    return this.compiled64;
  }

  /**
   * Adds the outputs of trees `[0, nTrees)` to `out[i]` for rows `[0, rows)` of `data` (row-major, `cols`
   * columns). Same contract and results as {@link FlatForest.accumulate}.
   */
  accumulate(
    data: Float64Array,
    rows: number,
    cols: number,
    out: Float64Array,
    nTrees: number = this.trees.length,
    precision: MarginPrecision = 'float64',
  ): void {
    const chunks = nTrees === this.trees.length && this.maxFeat < cols ? this.chunks(precision) : null;
    if (chunks === null) {
      this.flat.accumulate(data, rows, cols, out, nTrees, precision);
      return;
    }
    if (rows * cols > data.length) throw new RangeError('data is shorter than rows × cols');
    const BLOCK = CompiledForest.BLOCK;
    const nc = chunks.length;
    if (rows <= BLOCK) {
      for (let c = 0; c < nc; c++) chunks[c](data, cols, out, 0, rows);
      return;
    }
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = Math.min(rows, r0 + BLOCK);
      for (let c = 0; c < nc; c++) chunks[c](data, cols, out, r0, r1);
    }
  }
}
