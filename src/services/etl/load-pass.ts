import {
  type DatasetSchema,
  type DetectedFormat,
  DuplicateCounter,
  parseRows,
  parseSpeciesTable,
  ROWS_PER_SPECIES,
  SpeciesOrderChecker,
  type SpeciesOrderResult,
  validateRow,
} from '../../data/index.js';
import type { QuarantineInput, SourceLoad, SourceRowInput } from '../../storage/index.js';
import { CompactRows } from './compact-rows.js';
import { type FileInput, streamFile } from './file-input.js';

/** Marks a row that failed validation in {@link LoadPassResult.labels}. */
export const INVALID_ROW = 255;

const ROW_BATCH = 2000;
const QUARANTINE_BATCH = 1000;

/** What the single pass over a file learned while loading it into the open transaction. */
export interface LoadPassResult {
  readonly dataRows: number;
  /** Per data row: 0 edible, 1 poisonous, {@link INVALID_ROW} invalid. */
  readonly labels: Uint8Array;
  readonly duplicates: number;
  readonly invalidRows: number;
  /** The first quarantine entries (for error messages); all of them went to the database. */
  readonly firstProblems: QuarantineInput[];
  /** Species verdict (secondary data with a species table), else null. */
  readonly species: SpeciesOrderResult | null;
  /** The valid rows, kept compactly for the profile and encoder fit once the split is known. */
  readonly rows: CompactRows;
}

/**
 * Streams the file once: parse, validate, write valid rows and quarantine entries into the open load
 * (one transaction), count duplicates and check the species order.
 */
export async function loadPass(
  input: FileInput,
  format: DetectedFormat,
  schema: DatasetSchema,
  speciesCsv: string | null,
  load: SourceLoad,
  onBytes: (read: number) => void,
): Promise<LoadPassResult> {
  let labels = new Uint8Array(1 << 16);
  const dups = new DuplicateCounter();
  const table = speciesCsv !== null ? parseSpeciesTable(speciesCsv) : null;
  const checker = table !== null ? new SpeciesOrderChecker(table) : null;
  // Species are assumed from the generation order while streaming (row i → species ⌊i/353⌋) and
  // cleared at the end if the whole file proves not to be in that order.
  const speciesRows = table === null ? 0 : table.length * ROWS_PER_SPECIES;
  const compact = new CompactRows(schema);
  const firstProblems: QuarantineInput[] = [];
  let quarantine: QuarantineInput[] = [];
  let rows: SourceRowInput[] = [];
  let n = 0;
  let invalid = 0;
  for await (const batch of parseRows(streamFile(input, onBytes), format)) {
    for (const raw of batch) {
      if (raw.index >= labels.length) labels = grow(labels, raw.index + 1);
      n = raw.index + 1;
      const res = validateRow(raw, schema);
      if (!res.ok) {
        invalid++;
        labels[raw.index] = INVALID_ROW;
        for (const issue of res.issues) {
          const q: QuarantineInput = {
            rowIndex: issue.index,
            line: issue.line,
            column: issue.column,
            value: issue.value,
            reason: issue.reason,
          };
          quarantine.push(q);
          if (firstProblems.length < 5) firstProblems.push(q);
        }
        continue;
      }
      const r = res.record;
      labels[r.index] = r.label;
      const isDuplicate = dups.add(r);
      checker?.add(r);
      compact.add(r);
      const species = r.index < speciesRows ? Math.floor(r.index / ROWS_PER_SPECIES) : null;
      rows.push({
        rowIndex: r.index,
        line: r.line,
        label: r.label === 1 ? 'p' : 'e',
        features: r.values,
        speciesIndex: species,
        isDuplicate,
        isLabelConflict: species !== null && table !== null && table[species].label !== r.label,
      });
    }
    if (rows.length >= ROW_BATCH) {
      await load.addRows(rows);
      rows = [];
    }
    if (quarantine.length >= QUARANTINE_BATCH) {
      await load.addQuarantine(quarantine);
      quarantine = [];
    }
  }
  if (rows.length > 0) await load.addRows(rows);
  if (quarantine.length > 0) await load.addQuarantine(quarantine);
  return {
    dataRows: n,
    labels: labels.subarray(0, n),
    duplicates: dups.count,
    invalidRows: invalid,
    firstProblems,
    species: checker?.result(n) ?? null,
    rows: compact,
  };
}

function grow(a: Uint8Array<ArrayBuffer>, min: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}
