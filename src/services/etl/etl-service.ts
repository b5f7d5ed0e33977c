import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SporeprintError } from '../../core/index.js';
import {
  type CleanRecord,
  type DatasetSchema,
  type DetectedFormat,
  detectFormat,
  getSchema,
  ROWS_PER_SPECIES,
  type SplitRatios,
} from '../../data/index.js';
import {
  type DatasetRepository,
  type DatasetVersionRecord,
  type DatasetVersionSummary,
  type QuarantineRecord,
  type SourceRow,
  SPLIT_CODE,
} from '../../storage/index.js';
import type {
  EtlRequest,
  EtlSummary,
  FeedbackEtlRequest,
  HeldOutRecords,
  UnseenSpeciesRecords,
  VersionParams,
} from './etl-types.js';
import { checkFeedbackFilter, type LabelledRecordReader, readFeedbackRecords } from './feedback-records.js';
import { derivedVersionId, deriveRows, etlLineage, lineageInput, storeDerived } from './feedback-version.js';
import { type FileInput, hashFile, openFileInput, sha256Hex } from './file-input.js';
import { INVALID_ROW, loadPass } from './load-pass.js';
import { sourceRecord } from './source-record.js';
import { planSplit } from './split-plan.js';
import { unseenSpeciesRecords } from './unseen-species.js';
import { checkInvalidShare, type ExtraCounts, versionInput } from './version-input.js';

/** Defaults of the ETL service, from config. */
export interface EtlDefaults {
  readonly invalidThreshold: number;
  readonly seed: number;
  /** The bundled primary_data.csv, used when none lies beside the source. */
  readonly speciesFile: string;
}

const DEFAULT_RATIOS: SplitRatios = { train: 0.7, validation: 0.15, test: 0.15 };
const QUARANTINE_SAMPLE = 20;

/** Derives the dataset version id from the source hash and the parameters. */
export function datasetVersionId(sourceId: string, params: VersionParams): string {
  const canonical = JSON.stringify([
    sourceId,
    params.schema,
    params.split,
    params.seed,
    params.ratios.train,
    params.ratios.validation,
    params.ratios.test,
    params.invalidThreshold,
  ]);
  return `ds-${sha256Hex(canonical).slice(0, 16)}`;
}

/**
 * The ETL stage: extract, validate, clean, encode, split and load a mushroom CSV into an immutable
 * dataset version. See `sporeprint etl --help`.
 */
export class EtlService {
  /**
   * @param feedback - where {@link addFeedback} reads labelled production records (the feedback store);
   * without it, only files can be loaded
   */
  constructor(
    private readonly datasets: DatasetRepository,
    private readonly defaults: EtlDefaults,
    private readonly feedback?: LabelledRecordReader,
  ) {}

  /** Runs the ETL for one file; a repeated run with the same input and parameters is a no-op. */
  async run(req: EtlRequest): Promise<EtlSummary> {
    const started = performance.now();
    const progress = req.onProgress ?? (() => {});
    const input = await openFileInput(req.source);
    const format = detectFormat(input.head, { schema: req.schema ?? 'auto' });
    const schema = getSchema(format.schema);
    const params: VersionParams = {
      schema: format.schema,
      split: req.split ?? 'stratified',
      seed: req.seed ?? this.defaults.seed,
      ratios: req.ratios ?? DEFAULT_RATIOS,
      invalidThreshold: req.invalidThreshold ?? this.defaults.invalidThreshold,
    };
    checkParams(params);
    if (params.split === 'species' && schema.name !== 'secondary') {
      throw new SporeprintError(
        'SP_ERR_SPECIES_SPLIT',
        'species split refused: the classic 1987 data has no species labels (use --split stratified)',
      );
    }
    progress({ phase: 'hash', done: 0, total: input.byteSize });
    const sourceId = await hashFile(input);
    progress({ phase: 'hash', done: input.byteSize, total: input.byteSize });
    const datasetId = datasetVersionId(sourceId, params);

    const existing = await this.datasets.findVersion(datasetId);
    if (existing !== undefined) {
      return this.summarise('unchanged', existing, input.fileName, params, started);
    }
    const source = await this.datasets.findSource(sourceId);
    if (source !== undefined) {
      const version = await this.newVersionOverStoredSource(sourceId, datasetId, schema, params, progress);
      return this.summarise('new-version', version, source.fileName, params, started);
    }
    const speciesCsv = schema.name === 'secondary' ? await this.readSpeciesFile(req) : null;
    const version = await this.loadSource(
      input,
      format,
      schema,
      sourceId,
      datasetId,
      params,
      speciesCsv,
      progress,
    );
    return this.summarise('created', version, input.fileName, params, started);
  }

  /**
   * A new dataset version made of the parent version's rows plus the labelled production records:
   * answered predictions of the parent's schema (of `modelName`, if given) whose true label was
   * recorded before `labelledBefore`, their stored inputs validated and cleaned like rows of a file.
   * Parent rows keep their split; a valid record joins the training split, or no split when its
   * features are those of a validation or test row of the parent (see {@link EtlLineage}). The id is
   * content-addressed: the same parent and the same records give the same version (`unchanged`).
   *
   * @throws SporeprintError `SP_ERR_INPUT_EMPTY` when there are no such records yet (nothing is made),
   * `SP_ERR_INVALID_SHARE` when more of them are invalid than the parent's threshold allows,
   * `SP_ERR_NOT_FOUND` for an unknown parent, `SP_ERR_USAGE` for a parent that is itself derived,
   * `SP_ERR_BAD_PARAM` for a bad model name or time.
   */
  async addFeedback(req: FeedbackEtlRequest): Promise<EtlSummary> {
    const started = performance.now();
    const progress = req.onProgress ?? (() => {});
    const reader = this.feedback;
    if (reader === undefined) {
      throw new SporeprintError('SP_ERR_USAGE', 'this ETL service was built without the feedback store');
    }
    const filter = checkFeedbackFilter(req);
    const parent = await this.#version(req.parent);
    const grandparent = (await this.datasets.findLineage(parent.id))?.parentVersionId;
    if (grandparent !== undefined) {
      throw new SporeprintError(
        'SP_ERR_USAGE',
        `${parent.id} is itself ${grandparent} plus labelled production records: derive from ${grandparent}, or its records would be added twice`,
      );
    }
    const parentSource = await this.datasets.findSource(parent.sourceId);
    if (parentSource === undefined) {
      throw new SporeprintError('SP_ERR_NOT_FOUND', `source ${parent.sourceId} of ${parent.id} is missing`);
    }
    const schema = getSchema(parent.schemaName);
    const feedback = await readFeedbackRecords(reader, parentSource, schema, filter, (n) =>
      progress({ phase: 'feedback', done: n, total: n }),
    );
    const params = parent.params as VersionParams;
    checkInvalidShare(
      {
        total: feedback.count,
        invalid: feedback.invalid,
        firstProblems: feedback.quarantine.slice(0, 5),
        noun: 'labelled production records',
        where: (q) => `record ${q.line}`,
        empty:
          `no labelled production records to add to ${parent.id}: no answered ${schema.name} prediction` +
          `${filter.modelName === undefined ? '' : ` of ${filter.modelName}`} has a true label recorded before ` +
          `${filter.labelledBefore.toISOString()} (send labels with POST /v1/feedback)`,
      },
      params.invalidThreshold,
    );
    const datasetId = derivedVersionId(parent.id, feedback.sourceId);
    const existing = await this.datasets.findVersion(datasetId);
    if (existing !== undefined) {
      return this.summarise('unchanged', existing, `${parentSource.fileName} + feedback`, params, started);
    }
    const derived = await deriveRows(this.datasets, parent, parentSource, feedback, progress);
    const species = (parent.counts as Partial<ExtraCounts>).species;
    const version = versionInput(
      { sourceId: feedback.sourceId, datasetId, schema, params, split: derived.split },
      derived.records,
      {
        species: species ?? { derived: false, count: 0, reason: null },
        labelConflicts: (parent.counts as Partial<ExtraCounts>).labelConflicts ?? [],
      },
    );
    const lineage = lineageInput(parent.id, feedback, derived, {
      modelName: filter.modelName ?? null,
      labelledBefore: filter.labelledBefore,
    });
    const status = await storeDerived(this.datasets, { parentSource, feedback, derived, version, lineage });
    const fileName = `${parentSource.fileName} + feedback`;
    return this.summarise(status, { ...version, createdAt: new Date() }, fileName, params, started);
  }

  /** Dataset versions, newest first. */
  list(options?: { limit?: number; offset?: number }): Promise<DatasetVersionSummary[]> {
    return this.datasets.listVersions(options);
  }

  /**
   * The held-out rows of a dataset version (its test split; `latest` names the newest version): each
   * row's cleaned values keyed by feature name (missing values left out) with its true class — what
   * `sporeprint simulate` replays through the API.
   */
  async heldOutRecords(id: string): Promise<HeldOutRecords> {
    const version = await this.#version(id);
    const schema = getSchema(version.schemaName);
    const records: HeldOutRecords['records'][number][] = [];
    for await (const batch of this.datasets.readRows(version.sourceId)) {
      for (const row of batch) {
        if (version.split[row.rowIndex] !== SPLIT_CODE.test) continue;
        if (row.label !== 'e' && row.label !== 'p') continue;
        records.push({ record: sourceRecord(schema, row), label: row.label });
      }
    }
    if (records.length === 0) {
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        `Dataset version ${version.id} has no held-out (test) rows`,
      );
    }
    return { datasetId: version.id, schemaName: version.schemaName, records };
  }

  /**
   * The test-split rows of dataset version `id` whose species has no training row in it nor in the
   * versions `alsoTrainedOn` — species a model trained on them never saw (`sporeprint simulate --drift
   * species`). Refused with `SP_ERR_USAGE` naming the species-split commands when there are none.
   */
  async unseenSpeciesRecords(
    id: string,
    alsoTrainedOn: readonly string[] = [],
  ): Promise<UnseenSpeciesRecords> {
    const others: DatasetVersionRecord[] = [];
    for (const other of new Set(alsoTrainedOn)) if (other !== id) others.push(await this.#version(other));
    return unseenSpeciesRecords(this.datasets, await this.#version(id), others);
  }

  async #version(id: string): Promise<DatasetVersionRecord> {
    const version =
      id === 'latest' ? await this.datasets.latestVersion() : await this.datasets.findVersion(id);
    if (version === undefined) {
      throw new SporeprintError(
        'SP_ERR_NOT_FOUND',
        id === 'latest'
          ? 'no dataset versions yet: run `sporeprint etl --source <file>`'
          : `no dataset version '${id}'`,
      );
    }
    return version;
  }

  /** One dataset version with its source counts and a quarantine sample; `latest` names the newest. */
  async show(id: string): Promise<EtlSummary> {
    const version = await this.#version(id);
    const source = await this.datasets.findSource(version.sourceId);
    const params = version.params as VersionParams;
    return this.summarise('unchanged', version, source?.fileName ?? '?', params, performance.now());
  }

  private async readSpeciesFile(req: EtlRequest): Promise<string | null> {
    const candidates = req.speciesFile
      ? [req.speciesFile]
      : [join(dirname(req.source), 'primary_data.csv'), this.defaults.speciesFile];
    for (const path of candidates) {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        if (req.speciesFile) {
          throw new SporeprintError(
            'SP_ERR_SPECIES_FILE',
            `cannot read species file ${path}: ${(e as Error).message}`,
          );
        }
      }
    }
    return null;
  }

  /**
   * Streams the file once into one transaction: rows, quarantine, species flags, then the split,
   * profile, fitted encoders and the version. Any failure (too many invalid rows, a refused species
   * split, a database error) rolls everything back.
   */
  private async loadSource(
    input: FileInput,
    format: DetectedFormat,
    schema: DatasetSchema,
    sourceId: string,
    datasetId: string,
    params: VersionParams,
    speciesCsv: string | null,
    progress: NonNullable<EtlRequest['onProgress']>,
  ): Promise<DatasetVersionRecord> {
    const load = await this.datasets.beginSourceLoad({
      id: sourceId,
      fileName: input.fileName,
      byteSize: input.byteSize,
      schemaName: schema.name,
      delimiter: format.delimiter,
    });
    try {
      const pass = await loadPass(input, format, schema, speciesCsv, load, (read) =>
        progress({ phase: 'load', done: read, total: input.byteSize }),
      );
      checkInvalidShare(
        {
          total: pass.dataRows,
          invalid: pass.invalidRows,
          firstProblems: pass.firstProblems,
          noun: 'rows',
          empty: 'the file has no data rows',
        },
        params.invalidThreshold,
      );
      const species = pass.species;
      const inOrder = species?.inGenerationOrder === true;
      if (params.split === 'species' && !inOrder) {
        throw new SporeprintError(
          'SP_ERR_SPECIES_SPLIT',
          `species split refused: species can only be derived from the secondary file in its generation order; ${
            species?.reason ?? 'no species reference file (primary_data.csv) was found'
          }`,
        );
      }
      const conflicts = inOrder ? species.labelConflicts.map((c) => c.index) : [];
      if (species !== null && !inOrder) await load.clearSpecies();
      const split = planSplit(
        { labels: pass.labels, speciesOf: inOrder ? (i) => species.speciesOf(i) : undefined },
        params.split,
        params.ratios,
        params.seed,
      );
      const extra = {
        species: {
          derived: inOrder,
          count: inOrder ? Math.ceil(pass.dataRows / ROWS_PER_SPECIES) : 0,
          reason: species === null ? 'species apply to the secondary data only' : species.reason,
        },
        labelConflicts: inOrder ? species.labelConflicts.slice(0, 1000) : [],
      };
      const version = versionInput(
        { sourceId, datasetId, schema, params, split },
        pass.rows.records(),
        extra,
      );
      await load.finish({
        counts: {
          dataRows: pass.dataRows,
          validRows: pass.dataRows - pass.invalidRows,
          invalidRows: pass.invalidRows,
          duplicateRows: pass.duplicates,
          labelConflicts: conflicts.length,
        },
        version,
      });
      return { ...version, createdAt: new Date() };
    } catch (e) {
      await load.abort();
      throw e;
    }
  }

  /** A new split over a source already stored: no file parsing, rows come from the database. */
  private async newVersionOverStoredSource(
    sourceId: string,
    datasetId: string,
    schema: DatasetSchema,
    params: VersionParams,
    progress: NonNullable<EtlRequest['onProgress']>,
  ): Promise<DatasetVersionRecord> {
    const source = await this.datasets.findSource(sourceId);
    const n = source?.dataRows ?? 0;
    const labels = new Uint8Array(n).fill(INVALID_ROW);
    const species = new Int32Array(n).fill(-1);
    const records: CleanRecord[] = [];
    const conflicts: ExtraCounts['labelConflicts'] = [];
    let haveSpecies = true;
    let done = 0;
    for await (const batch of this.datasets.readRows(sourceId)) {
      for (const row of batch) {
        labels[row.rowIndex] = row.label === 'p' ? 1 : 0;
        if (row.speciesIndex === null) haveSpecies = false;
        else species[row.rowIndex] = row.speciesIndex;
        if (row.isLabelConflict && conflicts.length < 1000) {
          conflicts.push({
            index: row.rowIndex,
            line: row.line,
            species: `#${row.speciesIndex}`,
            expected: row.label === 'p' ? 'e' : 'p',
            actual: row.label,
          });
        }
        records.push(fromSourceRow(row));
      }
      done += batch.length;
      progress({ phase: 'reuse', done, total: n });
    }
    haveSpecies = haveSpecies && records.length > 0;
    if (params.split === 'species' && !haveSpecies) {
      throw new SporeprintError(
        'SP_ERR_SPECIES_SPLIT',
        'species split refused: this source was loaded without species (the file is not in its generation order)',
      );
    }
    const split = planSplit(
      { labels, speciesOf: (i) => species[i] },
      params.split,
      params.ratios,
      params.seed,
    );
    const extra: ExtraCounts = {
      species: {
        derived: haveSpecies,
        count: haveSpecies ? new Set(species.filter((x) => x >= 0)).size : 0,
        reason: haveSpecies ? null : 'the source was loaded without species',
      },
      labelConflicts: conflicts,
    };
    const version = versionInput({ sourceId, datasetId, schema, params, split }, records, extra);
    await this.datasets.createVersion(version);
    return { ...version, createdAt: new Date() };
  }

  private async summarise(
    status: EtlSummary['status'],
    version: DatasetVersionRecord,
    fileName: string,
    params: VersionParams,
    started: number,
  ): Promise<EtlSummary> {
    const source = await this.datasets.findSource(version.sourceId);
    const quarantineTotal = await this.datasets.countQuarantine(version.sourceId);
    const sample: QuarantineRecord[] = await this.datasets.readQuarantine(version.sourceId, {
      limit: QUARANTINE_SAMPLE,
    });
    const extra = version.counts as Partial<ExtraCounts>;
    const lineage = await this.datasets.findLineage(version.id);
    return {
      status,
      datasetId: version.id,
      sourceId: version.sourceId,
      fileName,
      schema: version.schemaName,
      splitKind: version.splitKind,
      seed: version.seed,
      ratios: params.ratios,
      invalidThreshold: params.invalidThreshold,
      rows: {
        data: source?.dataRows ?? 0,
        valid: source?.validRows ?? 0,
        invalid: source?.invalidRows ?? 0,
        duplicates: source?.duplicateRows ?? 0,
        labelConflicts: source?.labelConflicts ?? 0,
      },
      species: extra.species ?? { derived: false, count: 0, reason: null },
      labelConflicts: (extra.labelConflicts ?? []).map((c) => ({
        line: c.line,
        rowIndex: c.index,
        species: c.species,
        expected: c.expected,
        actual: c.actual,
      })),
      quarantine: { total: quarantineTotal, sample },
      profile: version.profile as EtlSummary['profile'],
      ...(lineage === undefined ? {} : { lineage: etlLineage(lineage) }),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

function fromSourceRow(row: SourceRow): CleanRecord {
  return { index: row.rowIndex, line: row.line, label: row.label === 'p' ? 1 : 0, values: [...row.features] };
}

function checkParams(p: VersionParams): void {
  const { train, validation, test } = p.ratios;
  if (
    ![train, validation, test].every((x) => Number.isFinite(x) && x >= 0) ||
    Math.abs(train + validation + test - 1) > 1e-9
  ) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `split ratios must be non-negative and sum to 1, got ${train}/${validation}/${test}`,
    );
  }
  const empty = (['train', 'validation', 'test'] as const).filter((k) => p.ratios[k] === 0);
  if (empty.length > 0) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `every split needs a ratio above 0, got 0 for ${empty.join(' and ')} (${train}/${validation}/${test})`,
    );
  }
  if (!(p.invalidThreshold >= 0 && p.invalidThreshold <= 1)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `invalid-row threshold must lie in [0, 1], got ${p.invalidThreshold}`,
    );
  }
  if (!Number.isInteger(p.seed) || p.seed < 0) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `seed must be a non-negative integer, got ${p.seed}`);
  }
}
