/**
 * Conversions between the public dataset records and the table rows of {@link DatabaseSchema}, with
 * the checks that keep bad values out of the database (never silently coerced).
 */
import type { Insertable, Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { fromJsonText, timestamp, toBuffer, toBytes, toJsonText } from '../db/column-values.js';
import type {
  DatasetLineageTable,
  DatasetVersionsTable,
  QuarantineRowsTable,
  SourceRowsTable,
  SourcesTable,
} from './dataset-tables.js';
import {
  type DatasetLineageInput,
  type DatasetLineageRecord,
  type DatasetSchemaName,
  type DatasetVersionInput,
  type DatasetVersionRecord,
  type FeatureValue,
  LABEL_SOURCES,
  type Label,
  type QuarantineInput,
  type QuarantineRecord,
  type SourceInput,
  type SourceRecord,
  type SourceRow,
  SPLIT_CODE,
  type SplitKind,
} from './dataset-types.js';

function badData(message: string, details?: Record<string, unknown>): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_DATA', message, details);
}

/** The `sources` row of a new source (counts zero until the load finishes); checks the id is a sha256 hex. */
export function sourceToRow(source: SourceInput): Insertable<SourcesTable> {
  if (!/^[0-9a-f]{64}$/.test(source.id)) {
    throw badData(`Source id "${source.id}" is not a sha256 hex digest (64 lower-case hex characters)`);
  }
  return {
    id: source.id,
    file_name: source.fileName,
    byte_size: source.byteSize,
    schema_name: source.schemaName,
    delimiter: source.delimiter,
    data_rows: 0,
    valid_rows: 0,
    invalid_rows: 0,
    duplicate_rows: 0,
    label_conflicts: 0,
    created_at: timestamp(source.createdAt),
    parent_source_id: source.parentSourceId ?? null,
  };
}

/** A {@link SourceRecord} from its `sources` row. */
export function sourceFromRow(row: Selectable<SourcesTable>): SourceRecord {
  return {
    id: row.id,
    fileName: row.file_name,
    byteSize: Number(row.byte_size),
    schemaName: row.schema_name as DatasetSchemaName,
    delimiter: row.delimiter,
    dataRows: row.data_rows,
    validRows: row.valid_rows,
    invalidRows: row.invalid_rows,
    duplicateRows: row.duplicate_rows,
    labelConflicts: row.label_conflicts,
    parentSourceId: row.parent_source_id ?? null,
    createdAt: new Date(row.created_at),
  };
}

/** JSON text of a feature array; non-finite numbers are refused (JSON would turn them into null). */
export function featuresToJson(features: readonly FeatureValue[], rowIndex: number): string {
  for (let i = 0; i < features.length; i++) {
    const v = features[i];
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw badData(`Row ${rowIndex}: feature ${i} is ${v}, which cannot be stored (use null for missing)`, {
        rowIndex,
        feature: i,
      });
    }
  }
  return JSON.stringify(features);
}

/** The `source_rows` row of a source row (features as JSON text, booleans as 0/1). */
export function sourceRowToRow(sourceId: string, row: SourceRow): Insertable<SourceRowsTable> {
  return {
    source_id: sourceId,
    row_index: row.rowIndex,
    line_no: row.line,
    label: row.label,
    features: featuresToJson(row.features, row.rowIndex),
    species_index: row.speciesIndex,
    is_duplicate: row.isDuplicate ? 1 : 0,
    is_label_conflict: row.isLabelConflict ? 1 : 0,
  };
}

/** A {@link SourceRow} from its `source_rows` columns, features parsed back. */
export function sourceRowFromRow(
  row: Pick<
    Selectable<SourceRowsTable>,
    'row_index' | 'line_no' | 'label' | 'features' | 'species_index' | 'is_duplicate' | 'is_label_conflict'
  >,
): SourceRow {
  return {
    rowIndex: row.row_index,
    line: row.line_no,
    label: row.label as Label,
    features: JSON.parse(row.features) as FeatureValue[],
    speciesIndex: row.species_index,
    isDuplicate: Number(row.is_duplicate) !== 0,
    isLabelConflict: Number(row.is_label_conflict) !== 0,
  };
}

/** The `quarantine_rows` row of a quarantine entry. */
export function quarantineToRow(sourceId: string, item: QuarantineInput): Insertable<QuarantineRowsTable> {
  return {
    source_id: sourceId,
    row_index: item.rowIndex,
    line_no: item.line,
    column_name: item.column,
    value: item.value,
    reason: item.reason,
  };
}

/** A {@link QuarantineRecord} from its `quarantine_rows` row. */
export function quarantineFromRow(row: Selectable<QuarantineRowsTable>): QuarantineRecord {
  return {
    id: Number(row.id),
    rowIndex: row.row_index,
    line: row.line_no,
    column: row.column_name,
    value: row.value,
    reason: row.reason,
  };
}

const SPLIT_CODES: ReadonlySet<number> = new Set(Object.values(SPLIT_CODE));

/**
 * Checks a version against its source's data-row count: one split byte per data row, each a known
 * {@link SPLIT_CODE}.
 */
export function checkVersion(version: DatasetVersionInput, dataRows: number): void {
  if (version.id === '' || version.id.length > 64) {
    throw badData(`Dataset version id "${version.id}" must have 1 to 64 characters`);
  }
  if (version.split.length !== dataRows) {
    throw badData(
      `Dataset version ${version.id}: split has ${version.split.length} entries but source ${version.sourceId} has ${dataRows} data rows`,
    );
  }
  const split = version.split;
  for (let i = 0; i < split.length; i++) {
    if (!SPLIT_CODES.has(split[i])) {
      throw badData(
        `Dataset version ${version.id}: split code ${split[i]} at row ${i} is not 0, 1, 2 or 255`,
      );
    }
  }
  if (!Number.isSafeInteger(version.seed)) {
    throw badData(`Dataset version ${version.id}: seed ${version.seed} is not a safe integer`);
  }
}

/** The `dataset_versions` row of a version (JSON fields as text, split as a BLOB). */
export function versionToRow(version: DatasetVersionInput): Insertable<DatasetVersionsTable> {
  return {
    id: version.id,
    source_id: version.sourceId,
    schema_name: version.schemaName,
    split_kind: version.splitKind,
    seed: version.seed,
    params: toJsonText('params', version.params),
    split_assignment: toBuffer(version.split),
    counts: toJsonText('counts', version.counts),
    profile: toJsonText('profile', version.profile),
    preprocessing: toJsonText('preprocessing', version.preprocessing),
    created_at: timestamp(version.createdAt),
  };
}

/** A {@link DatasetVersionRecord} from its `dataset_versions` row. */
export function versionFromRow(row: Selectable<DatasetVersionsTable>): DatasetVersionRecord {
  return {
    id: row.id,
    sourceId: row.source_id,
    schemaName: row.schema_name as DatasetSchemaName,
    splitKind: row.split_kind as SplitKind,
    seed: Number(row.seed),
    params: fromJsonText(row.params),
    split: toBytes(row.split_assignment),
    counts: fromJsonText(row.counts),
    profile: fromJsonText(row.profile),
    preprocessing: fromJsonText(row.preprocessing),
    createdAt: new Date(row.created_at),
  };
}

const COUNT_FIELDS = ['records', 'rowsAdded'] as const;

/** The `dataset_lineage` row of a derived version's lineage, refusing what does not hold together. */
export function lineageToRow(
  versionId: string,
  lineage: DatasetLineageInput,
): Insertable<DatasetLineageTable> {
  const bad = (why: string) => badData(`Lineage of dataset version ${versionId}: ${why}`, { versionId });
  if (lineage.parentVersionId === versionId) throw bad('a version cannot be its own parent');
  if (lineage.parentVersionId === '' || lineage.parentVersionId.length > 64) {
    throw bad(`parent version id "${lineage.parentVersionId}" must have 1 to 64 characters`);
  }
  if (!LABEL_SOURCES.includes(lineage.labelSource)) {
    throw bad(`label source "${String(lineage.labelSource)}" is not one of ${LABEL_SOURCES.join(', ')}`);
  }
  for (const field of COUNT_FIELDS) {
    const n = lineage[field];
    if (!Number.isSafeInteger(n) || n < 0) throw bad(`${field} ${n} is not a non-negative integer`);
  }
  if (lineage.rowsAdded > lineage.records) {
    throw bad(`rowsAdded ${lineage.rowsAdded} is more than the ${lineage.records} records read`);
  }
  const time = (name: string, d: Date | null): string | null => {
    if (d === null) return null;
    if (!(d instanceof Date) || !Number.isFinite(d.getTime())) throw bad(`${name} is not a valid Date`);
    return timestamp(d);
  };
  const first = time('firstLabelledAt', lineage.firstLabelledAt);
  const last = time('lastLabelledAt', lineage.lastLabelledAt);
  if ((first === null) !== (last === null) || (first !== null && last !== null && first > last)) {
    throw bad(`the labelled-at range ${first} to ${last} is not a range`);
  }
  return {
    version_id: versionId,
    parent_version_id: lineage.parentVersionId,
    label_source: lineage.labelSource,
    records: lineage.records,
    rows_added: lineage.rowsAdded,
    first_labelled_at: first,
    last_labelled_at: last,
    details: toJsonText('details', lineage.details),
    created_at: timestamp(undefined),
  };
}

/** A {@link DatasetLineageRecord} from its `dataset_lineage` row. */
export function lineageFromRow(row: Selectable<DatasetLineageTable>): DatasetLineageRecord {
  return {
    versionId: row.version_id,
    parentVersionId: row.parent_version_id,
    labelSource: row.label_source as DatasetLineageRecord['labelSource'],
    records: Number(row.records),
    rowsAdded: Number(row.rows_added),
    firstLabelledAt: row.first_labelled_at === null ? null : new Date(row.first_labelled_at),
    lastLabelledAt: row.last_labelled_at === null ? null : new Date(row.last_labelled_at),
    details: fromJsonText(row.details),
    createdAt: new Date(row.created_at),
  };
}
