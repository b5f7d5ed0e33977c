/**
 * A dataset version derived from a parent version plus the labelled production records (issue 18,
 * `includeFeedback`), on every backend: predictions logged through the real prediction log, true
 * labels through the real feedback store, the parent and a model of the other schema trained and
 * registered for real.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/data/index.js';
import { EtlService, type EtlSummary, TrainingService } from '../../src/services/index.js';
import { failure } from '../../src/storage/__tests__/storage-fixtures.js';
import {
  createInProcessEventBus,
  type DatasetVersionRecord,
  openArtifactStore,
  openStorage,
  type SourceRow,
  SPLIT_CODE,
  type Storage,
} from '../../src/storage/index.js';
import { CLASSIC, PRIMARY, secondaryLines, tempFiles } from '../helpers/fixture-files.js';
import { logPredictions } from '../helpers/logged-predictions.js';
import { prepareServingDatabase, registryOver } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const CLASSIC_MODEL = 'sporeprint-classic';
const SECONDARY_MODEL = 'sporeprint-secondary';
const DEFAULTS = { invalidThreshold: 0.01, seed: 42, speciesFile: PRIMARY };

/** One prediction to log: its input as the serving path stores it, and the answered one it shadows. */
interface Logged {
  readonly input: unknown;
  readonly modelName?: string;
  readonly modelVersion?: number;
  readonly shadowOf?: string;
}

/** 2026-03-01 10:00 UTC plus `m` minutes: when test labels are recorded. */
const minute = (m: number) => new Date(Date.UTC(2026, 2, 1, 10, m));

export function describeFeedbackEtlConformance(backend: TestBackend): void {
  describe(`dataset versions with feedback: ${backend.name}`, () => {
    const files = tempFiles();
    let storage: Storage;
    let cleanup = () => {};
    let etl: EtlService;
    let parent: DatasetVersionRecord;
    let parentRows: SourceRow[];
    let secondaryId: string;
    const names = getSchema('classic').features.map((f) => f.name);

    /** A stored row as the logged input of a prediction (missing values left out). */
    const inputOf = (row: SourceRow, edit: Record<string, string> = {}) => {
      const input: Record<string, string | number> = {};
      names.forEach((n, j) => {
        const v = row.features[j];
        if (v !== null) input[n] = v;
      });
      return { ...input, ...edit };
    };
    const rowsOf = async (sourceId: string): Promise<SourceRow[]> => {
      const out: SourceRow[] = [];
      for await (const batch of storage.datasets.readRows(sourceId)) out.push(...batch);
      return out;
    };
    const inSplit = (split: number) => parentRows.filter((r) => parent.split[r.rowIndex] === split);
    const other = (label: 'e' | 'p'): 'e' | 'p' => (label === 'e' ? 'p' : 'e');

    /** Logs predictions of the classic model (version 1 unless said) through the real log; their ids. */
    const log = (items: readonly Logged[]) =>
      logPredictions(
        storage,
        items.map((i) => ({
          ...i,
          modelName: i.modelName ?? CLASSIC_MODEL,
          modelVersion: i.modelVersion ?? 1,
        })),
      );

    /** Records true labels through the feedback store, one minute apart from `from`. */
    async function label(
      ids: readonly string[],
      labels: readonly ('e' | 'p')[],
      from: number,
    ): Promise<void> {
      for (let i = 0; i < ids.length; i++) {
        await storage.feedback.record({
          predictionId: ids[i],
          trueLabel: labels[i],
          createdAt: minute(from + i),
        });
      }
    }

    beforeAll(async () => {
      const url = backend.freshUrl();
      const prepared = await prepareServingDatabase(url);
      cleanup = prepared.cleanup;
      storage = await openStorage(url);
      etl = new EtlService(storage.datasets, DEFAULTS, storage.feedback);
      parent = (await storage.datasets.findVersion(prepared.datasetId)) as DatasetVersionRecord;
      parentRows = await rowsOf(parent.sourceId);
      // a model of the other schema, registered: its labelled predictions never join classic data
      const lines = secondaryLines();
      const sample = lines.slice(1).filter((_, i) => i % 80 === 0);
      const small = files.write('secondary-small.csv', `${[lines[0], ...sample].join('\n')}\n`);
      secondaryId = (await etl.run({ source: small })).datasetId;
      const artifacts = openArtifactStore(storage, { kind: 'file', dir: join(prepared.varDir, 'artifacts') });
      const trained = await new TrainingService({
        datasets: storage.datasets,
        runs: storage.runs,
        artifacts,
        codeVersion: 'test',
        seed: 42,
      }).train({ dataset: secondaryId, models: ['decision-tree'] });
      const { registry } = registryOver(storage, prepared, createInProcessEventBus());
      await registry.register(trained.models[0].runId, { author: 'test', modelName: SECONDARY_MODEL });
    }, 600_000);
    afterAll(async () => {
      await storage?.close();
      cleanup();
    });

    it('refuses clearly before any labelled production record exists, and on bad requests', async () => {
      const versions = (await storage.datasets.listVersions()).length;
      const none = await failure(etl.addFeedback({ parent: parent.id }));
      expect(none.code).toBe('SP_ERR_INPUT_EMPTY');
      expect(none.message).toMatch(
        new RegExp(
          `^no labelled production records to add to ${parent.id}: no answered classic prediction has a true label recorded before .*POST /v1/feedback`,
        ),
      );
      expect((await failure(etl.addFeedback({ parent: 'ds-nope' }))).message).toBe(
        "no dataset version 'ds-nope'",
      );
      expect((await failure(etl.addFeedback({ parent: parent.id, modelName: '' }))).code).toBe(
        'SP_ERR_BAD_PARAM',
      );
      const badTime = await failure(etl.addFeedback({ parent: parent.id, labelledBefore: new Date('nope') }));
      expect(badTime).toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
        message: 'labelledBefore is not a valid time',
      });
      const fileOnly = new EtlService(storage.datasets, DEFAULTS);
      expect((await failure(fileOnly.addFeedback({ parent: parent.id }))).code).toBe('SP_ERR_USAGE');
      expect(await storage.datasets.listVersions()).toHaveLength(versions);
    });

    let derived: EtlSummary;
    let answered: string[];
    let unlabelled: string[];
    let labels: ('e' | 'p')[];

    it('derives a version: the parent rows with their split, then the answered labelled records', async () => {
      const train = inSplit(SPLIT_CODE.train);
      const test = inSplit(SPLIT_CODE.test);
      // 120 new mushrooms (a train row seen in another habitat), 5 held-out rows sent again, 3 train
      // rows labelled the other way, 2 train rows again, 1 record with a code the schema does not know
      const seen = new Set(parentRows.map((r) => JSON.stringify(r.features)));
      const novel = train
        .map((r) => {
          const habitat = r.features[21] === 'w' ? 'l' : 'w';
          const features = r.features.map((v, j) => (j === 21 ? habitat : v));
          return { row: r, input: inputOf(r, { habitat }), label: r.label, key: JSON.stringify(features) };
        })
        .filter((x) => !seen.has(x.key) && seen.add(x.key))
        .slice(0, 120);
      const records = [
        ...novel,
        ...test.slice(0, 5).map((r) => ({ row: r, input: inputOf(r), label: r.label })),
        ...train.slice(200, 203).map((r) => ({ row: r, input: inputOf(r), label: other(r.label) })),
        ...train.slice(300, 302).map((r) => ({ row: r, input: inputOf(r), label: r.label })),
        { row: train[400], input: inputOf(train[400], { odor: 'z' }), label: train[400].label },
      ];
      answered = await log(records.map((r) => ({ input: r.input })));
      labels = records.map((r) => r.label);
      await label(answered, labels, 0);
      // not labelled: left out; shadow rows (labelled by the log writer as they arrive): left out
      unlabelled = await log(train.slice(500, 510).map((r) => ({ input: inputOf(r) })));
      const shadows = await log(
        answered.slice(0, 5).map((id, i) => ({ input: records[i].input, modelVersion: 2, shadowOf: id })),
      );
      // a labelled prediction of the secondary model: another schema, left out
      const secondaryInput = { 'cap-diameter': 15.26, 'cap-shape': 'x' };
      const [secondary] = await log([{ input: secondaryInput, modelName: SECONDARY_MODEL }]);
      await label([secondary], ['p'], 500);

      derived = await etl.addFeedback({ parent: parent.id });
      expect(derived).toMatchObject({
        status: 'created',
        fileName: 'agaricus-lepiota.data + feedback',
        schema: 'classic',
        rows: { data: 8124 + 131, valid: 8124 + 130, invalid: 1, duplicates: 7, labelConflicts: 3 },
      });
      expect(derived.lineage).toMatchObject({
        parentId: parent.id,
        labelSource: 'feedback',
        records: 131,
        rowsAdded: 125,
        quarantined: 1,
        heldOutOverlap: 5,
        duplicates: 7, // the 2 train rows sent again, and the 5 held-out ones
        labelConflicts: 3,
        firstLabelledAt: minute(0).toISOString(),
        lastLabelledAt: minute(130).toISOString(),
        modelName: null,
        models: [{ modelName: CLASSIC_MODEL, modelVersion: 1, records: 131 }],
      });
      expect(derived.lineage?.conflicts.map((c) => c.predictionId).sort()).toEqual(
        answered.slice(125, 128).sort(),
      );
      expect(derived.lineage?.conflicts.map((c) => c.conflictsWithRow)).toEqual(
        expect.arrayContaining(train.slice(200, 203).map((r) => r.rowIndex)),
      );

      // one row per answered labelled prediction, with the feedback's label; origins name them
      const origins = await storage.datasets.readOrigins(derived.sourceId);
      expect(origins.map((o) => o.rowIndex)).toEqual(Array.from({ length: 131 }, (_, k) => 8124 + k));
      const byRow = new Map(origins.map((o) => [o.rowIndex, o.predictionId]));
      const rowOf = new Map(origins.map((o) => [o.predictionId, o.rowIndex]));
      expect(new Set(byRow.values())).toEqual(new Set(answered));
      for (const id of [...shadows, ...unlabelled, secondary])
        expect(new Set(byRow.values()).has(id)).toBe(false);
      const rows = await rowsOf(derived.sourceId);
      expect(rows.slice(0, 8124)).toEqual(parentRows);
      const own = rows.slice(8124);
      expect(own).toHaveLength(130);
      const labelOf = new Map(answered.map((id, i) => [id, labels[i]]));
      for (const r of own) expect(r.label).toBe(labelOf.get(byRow.get(r.rowIndex) ?? ''));
      expect(own.filter((r) => r.isLabelConflict)).toHaveLength(3);
      expect(own.filter((r) => r.isDuplicate)).toHaveLength(7);
      expect(own.every((r) => r.speciesIndex === null)).toBe(true);
      const quarantined = derived.quarantine.sample.filter((q) => q.rowIndex >= 8124);
      const badRow = rowOf.get(answered[130]) ?? -1;
      expect(quarantined).toEqual([
        expect.objectContaining({ column: 'odor', value: 'z', line: badRow - 8124 + 1, rowIndex: badRow }),
      ]);
      expect(quarantined[0].reason).toMatch(
        new RegExp(`^prediction ${answered[130]}: unknown code 'z' for odor`),
      );

      // the parent's split kept; records in train, or in no split when they repeat a held-out row
      const version = (await storage.datasets.findVersion(derived.datasetId)) as DatasetVersionRecord;
      expect(version.split.subarray(0, 8124)).toEqual(parent.split);
      const splitOf = (id: string) => version.split[rowOf.get(id) ?? -1];
      expect(
        answered
          .slice(0, 120)
          .map(splitOf)
          .every((s) => s === SPLIT_CODE.train),
      ).toBe(true);
      expect(
        answered
          .slice(120, 125)
          .map(splitOf)
          .every((s) => s === SPLIT_CODE.none),
      ).toBe(true);
      expect(
        answered
          .slice(125, 130)
          .map(splitOf)
          .every((s) => s === SPLIT_CODE.train),
      ).toBe(true);
      expect(splitOf(answered[130])).toBe(SPLIT_CODE.none);
      const before = (await etl.show(parent.id)).profile.splits;
      expect(derived.profile.splits).toEqual({ ...before, train: before.train + 125 });
      // the held-out rows are the parent's: the gate compares candidate and Production on the same rows
      expect(await etl.heldOutRecords(derived.datasetId)).toEqual({
        ...(await etl.heldOutRecords(parent.id)),
        datasetId: derived.datasetId,
      });
      expect((await etl.show(derived.datasetId)).lineage).toEqual(derived.lineage);
      const listed = await storage.datasets.listVersions();
      expect(listed.find((v) => v.id === derived.datasetId)?.parentId).toBe(parent.id);
    });

    it('is content-addressed: the same parent and records give the same version, nothing stored twice', async () => {
      const versions = (await storage.datasets.listVersions()).length;
      const again = await etl.addFeedback({
        parent: parent.id,
        labelledBefore: new Date(Date.now() + 60_000),
      });
      expect(again).toMatchObject({
        status: 'unchanged',
        datasetId: derived.datasetId,
        sourceId: derived.sourceId,
      });
      const filtered = await etl.addFeedback({ parent: parent.id, modelName: CLASSIC_MODEL });
      expect(filtered).toMatchObject({ status: 'unchanged', datasetId: derived.datasetId });
      expect(await storage.datasets.listVersions()).toHaveLength(versions);
      expect(await rowsOf(derived.sourceId)).toHaveLength(8124 + 130);
      expect(await storage.datasets.readOrigins(derived.sourceId)).toHaveLength(131);

      // another version of the same file (another seed) with the same records: a new version over the
      // same derived source, whose rows are not stored again
      const reseeded = await etl.run({ source: CLASSIC, seed: 7 });
      const sibling = await etl.addFeedback({ parent: reseeded.datasetId });
      expect(sibling).toMatchObject({ status: 'new-version', sourceId: derived.sourceId });
      expect(sibling.datasetId).not.toBe(derived.datasetId);
      expect(sibling.lineage).toMatchObject({ parentId: reseeded.datasetId, records: 131 });
      expect(await storage.datasets.readOrigins(derived.sourceId)).toHaveLength(131);

      // a derived version is no parent: its records would be added twice
      const twice = await failure(etl.addFeedback({ parent: derived.datasetId }));
      expect(twice.code).toBe('SP_ERR_USAGE');
      expect(twice.message).toBe(
        `${derived.datasetId} is itself ${parent.id} plus labelled production records: derive from ${parent.id}, or its records would be added twice`,
      );

      // a snapshot that ends earlier holds fewer records: another version, its range within it
      const early = await etl.addFeedback({ parent: parent.id, labelledBefore: minute(60) });
      expect(early.status).toBe('created');
      expect(early.lineage).toMatchObject({
        records: 60,
        rowsAdded: 60,
        lastLabelledAt: minute(59).toISOString(),
        labelledBefore: minute(60).toISOString(),
      });
      // a new label makes a new version; no model of that name: a clear refusal
      await label(unlabelled.slice(0, 1), ['e'], 200);
      const more = await etl.addFeedback({ parent: parent.id });
      expect(more.lineage?.records).toBe(132);
      expect(more.datasetId).not.toBe(derived.datasetId);
      const nobody = await failure(etl.addFeedback({ parent: parent.id, modelName: 'nobody' }));
      expect(nobody.code).toBe('SP_ERR_INPUT_EMPTY');
      expect(nobody.message).toMatch(/no answered classic prediction of nobody has a true label/);

      // the secondary parent takes only the secondary model's record
      const secondary = await etl.addFeedback({ parent: secondaryId });
      expect(secondary.lineage).toMatchObject({
        records: 1,
        rowsAdded: 1,
        models: [{ modelName: SECONDARY_MODEL, modelVersion: 1, records: 1 }],
      });
      expect(secondary.rows.data).toBe(Math.ceil(61069 / 80) + 1);
    });

    it('refuses records too many of which fail validation, storing nothing', async () => {
      const versions = (await storage.datasets.listVersions()).length;
      const bad = await log(parentRows.slice(0, 2).map((r) => ({ input: { ...inputOf(r), colour: 'red' } })));
      await label(bad, ['e', 'e'], 300);
      const refused = await failure(etl.addFeedback({ parent: parent.id }));
      expect(refused.code).toBe('SP_ERR_INVALID_SHARE');
      expect(refused.message).toMatch(
        /^3 of 134 labelled production records \(2\.24%\) are invalid, above the 1\.00% threshold; nothing was loaded\. First problems: record \d+ column (odor|colour): /,
      );
      expect(await storage.datasets.listVersions()).toHaveLength(versions);
    });
  });
}
