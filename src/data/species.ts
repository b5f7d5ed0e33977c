/**
 * Species of the secondary data: the primary_data.csv species table, and a streaming check that a
 * secondary file is in its generation order (173 species × 353 rows, each block agreeing with its
 * species' value sets), so that species = floor(row / 353) can be trusted.
 */
import { SporeprintError } from '../core/index.js';
import { SECONDARY_SCHEMA } from './schemas.js';
import type { CleanRecord } from './validate-row.js';

/** Rows per species in the generated secondary data. */
export const ROWS_PER_SPECIES = 353;

/**
 * Minimum share of nominal values in a 353-row block that must lie in its species' value sets. The
 * bundled secondary_data.csv agrees 100.0% in every block; a shuffled copy agrees about 53% overall
 * and at most ~65% in any block, so 98% separates them with a wide margin.
 */
export const SPECIES_AGREEMENT_THRESHOLD = 0.98;

/** One species of primary_data.csv. */
export interface SpeciesInfo {
  /** 0-based position in the table (= species id of rows `index*353 … index*353+352`). */
  readonly index: number;
  readonly family: string;
  readonly name: string;
  /** 1 = poisonous, 0 = edible. */
  readonly label: 0 | 1;
  /** Allowed codes per nominal secondary feature; an empty set means "none" (the value is missing). */
  readonly nominal: Map<string, Set<string>>;
  /** [min, max] per numeric feature that has a range (a single value gives [v, v]). */
  readonly numeric: Map<string, [number, number]>;
}

function bad(message: string, details?: Record<string, unknown>): SporeprintError {
  return new SporeprintError('SP_ERR_SPECIES_FILE', `primary_data.csv: ${message}`, details);
}

function parseList(cell: string, line: number, column: string): string[] | null {
  const s = cell.trim();
  if (s === '') return null;
  if (!s.startsWith('[') || !s.endsWith(']')) {
    throw bad(`line ${line}, column ${column}: expected a list like [x, f], found '${cell}'`, {
      line,
      column,
    });
  }
  const items = s
    .slice(1, -1)
    .split(',')
    .map((x) => x.trim().toLowerCase());
  if (items.some((x) => x === ''))
    throw bad(`line ${line}, column ${column}: empty item in '${cell}'`, { line, column });
  return items;
}

/**
 * Parses primary_data.csv (`;`-delimited, header matched case-insensitively; sets like `[x, f]`,
 * ranges like `[10, 20]`, empty = none).
 *
 * @throws SporeprintError `SP_ERR_SPECIES_FILE` on malformed input, naming line and column.
 */
export function parseSpeciesTable(text: string): SpeciesInfo[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first >= lines.length) throw bad('the file is empty');
  const header = lines[first].split(';').map((h) => h.trim().toLowerCase());
  const col = new Map<string, number>();
  header.forEach((h, i) => {
    col.set(h, i);
  });
  const required = ['family', 'name', 'class', ...SECONDARY_SCHEMA.features.map((f) => f.name)];
  const missing = required.filter((r) => !col.has(r));
  if (missing.length > 0) throw bad(`missing column(s): ${missing.join(', ')}`, { missing });
  const out: SpeciesInfo[] = [];
  for (let li = first + 1; li < lines.length; li++) {
    const raw = lines[li];
    if (raw.trim() === '') continue;
    const line = li + 1;
    const cells = raw.split(';');
    if (cells.length !== header.length) {
      throw bad(`line ${line} has ${cells.length} fields, the header has ${header.length}`, { line });
    }
    const get = (name: string): string => cells[col.get(name) as number];
    const cls = get('class').trim().toLowerCase();
    if (cls !== 'e' && cls !== 'p')
      throw bad(`line ${line}: class '${get('class')}' is not e or p`, { line });
    const nominal = new Map<string, Set<string>>();
    const numeric = new Map<string, [number, number]>();
    for (const f of SECONDARY_SCHEMA.features) {
      const items = parseList(get(f.name), line, f.name);
      if (f.kind === 'nominal') {
        const codes = f.codes ?? {};
        const set = new Set(items ?? []);
        for (const c of set) {
          if (!(c in codes))
            throw bad(`line ${line}, column ${f.name}: unknown code '${c}'`, { line, column: f.name });
        }
        nominal.set(f.name, set);
      } else if (items !== null) {
        const nums = items.map(Number);
        if (nums.length > 2 || nums.some((x) => !Number.isFinite(x))) {
          throw bad(`line ${line}, column ${f.name}: expected [min, max] or [mean], found '${get(f.name)}'`, {
            line,
            column: f.name,
          });
        }
        numeric.set(f.name, [Math.min(...nums), Math.max(...nums)]);
      }
    }
    out.push({
      index: out.length,
      family: get('family').trim(),
      name: get('name').trim(),
      label: cls === 'p' ? 1 : 0,
      nominal,
      numeric,
    });
  }
  if (out.length === 0) throw bad('the file has a header but no species rows');
  return out;
}

/** A row whose class contradicts the class of its species. */
export interface LabelConflict {
  readonly index: number;
  readonly line: number;
  readonly species: string;
  readonly expected: 'e' | 'p';
  readonly actual: 'e' | 'p';
}

/** The verdict of {@link SpeciesOrderChecker.result}. */
export interface SpeciesOrderResult {
  readonly inGenerationOrder: boolean;
  /** Why the file is not in generation order; null when it is. */
  readonly reason: string | null;
  /** Share of checked nominal values that lie in their species' sets (over all blocks). */
  readonly agreement: number;
  /** Lowest per-block agreement. */
  readonly minBlockAgreement: number;
  /** Species index of a data row, or -1 when the file is not in generation order. */
  speciesOf(index: number): number;
  /** Label conflicts (only when in generation order; empty otherwise). */
  readonly labelConflicts: LabelConflict[];
}

const NOMINAL = SECONDARY_SCHEMA.features
  .map((f, j) => ({ name: f.name, j, nominal: f.kind === 'nominal' }))
  .filter((f) => f.nominal);

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * Streams the clean records of a secondary file and decides whether the file is in its generation
 * order. Feed every valid record with {@link add} (invalid rows may be skipped), then call
 * {@link result} with the total number of data rows, valid or not.
 *
 * @example
 * const checker = new SpeciesOrderChecker(parseSpeciesTable(primaryCsv));
 * for (const r of records) checker.add(r);
 * const { inGenerationOrder, reason, speciesOf } = checker.result(totalRows);
 */
export class SpeciesOrderChecker {
  private readonly table: readonly SpeciesInfo[];
  private readonly sets: Set<string>[][];
  private readonly matched: Int32Array;
  private readonly checked: Int32Array;
  private readonly conflicts: LabelConflict[] = [];

  constructor(table: readonly SpeciesInfo[]) {
    this.table = table;
    this.sets = table.map((s) => NOMINAL.map((f) => s.nominal.get(f.name) ?? new Set<string>()));
    this.matched = new Int32Array(table.length);
    this.checked = new Int32Array(table.length);
  }

  /** Checks one clean secondary record against the species of its block. */
  add(record: CleanRecord): void {
    const block = Math.floor(record.index / ROWS_PER_SPECIES);
    if (block >= this.table.length) return; // the row count check in result() reports these
    if (record.values.length !== SECONDARY_SCHEMA.features.length) {
      throw new SporeprintError(
        'SP_ERR_SPECIES_SPLIT',
        `species can only be derived for the secondary schema; record ${record.index} has ${record.values.length} values`,
      );
    }
    const sets = this.sets[block];
    let ok = 0;
    for (let k = 0; k < NOMINAL.length; k++) {
      const v = record.values[NOMINAL[k].j];
      const set = sets[k];
      if (v === null ? set.size === 0 : set.has(v as string)) ok++;
    }
    this.matched[block] += ok;
    this.checked[block] += NOMINAL.length;
    const sp = this.table[block];
    if (record.label !== sp.label) {
      this.conflicts.push({
        index: record.index,
        line: record.line,
        species: sp.name,
        expected: sp.label === 1 ? 'p' : 'e',
        actual: record.label === 1 ? 'p' : 'e',
      });
    }
  }

  /** The verdict, given the number of data rows in the file (valid or not). */
  result(totalDataRows: number): SpeciesOrderResult {
    let matched = 0;
    let checked = 0;
    let minBlock = 1;
    let reason: string | null = null;
    for (let b = 0; b < this.table.length; b++) {
      matched += this.matched[b];
      checked += this.checked[b];
      const share = this.checked[b] > 0 ? this.matched[b] / this.checked[b] : 0;
      if (share < minBlock) minBlock = share;
      if (reason === null && share < SPECIES_AGREEMENT_THRESHOLD) {
        const from = b * ROWS_PER_SPECIES;
        const to = from + ROWS_PER_SPECIES - 1;
        reason =
          this.checked[b] === 0
            ? `rows ${fmtInt(from)}–${fmtInt(to)} (species '${this.table[b].name}') have no valid rows to check`
            : `rows ${fmtInt(from)}–${fmtInt(to)} do not match species '${this.table[b].name}' ` +
              `(${pct(share)} of nominal values agree, at least ${pct(SPECIES_AGREEMENT_THRESHOLD)} needed)`;
      }
    }
    const expectedRows = this.table.length * ROWS_PER_SPECIES;
    if (totalDataRows !== expectedRows) {
      reason =
        `file has ${fmtInt(totalDataRows)} rows, the generation order has ${fmtInt(expectedRows)} ` +
        `(${this.table.length} species × ${ROWS_PER_SPECIES} rows)`;
    }
    const inOrder = reason === null;
    const n = this.table.length;
    return {
      inGenerationOrder: inOrder,
      reason,
      agreement: checked > 0 ? matched / checked : 0,
      minBlockAgreement: n > 0 ? minBlock : 0,
      speciesOf: inOrder
        ? (index: number) => (index >= 0 && index < expectedRows ? Math.floor(index / ROWS_PER_SPECIES) : -1)
        : () => -1,
      labelConflicts: inOrder ? [...this.conflicts] : [],
    };
  }
}
