/**
 * Conformance suite for the prediction log, feedback, API keys and the group-commit log (DESIGN
 * convention 5): the same behaviour is required of every backend. Each test opens a fresh database
 * from `makeUrl()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { NOVELTY_REASON } from '../../../ml/index.js';
import { failure, journalEntry } from '../../__tests__/storage-fixtures.js';
import { storageContext } from '../../db/storage-context.js';
import {
  type BatchJournalEntry,
  createPredictionLog,
  type GroupCommitFailure,
  openStorage,
  type PredictionChunkInput,
  type PredictionInput,
  type PreparedPredictions,
  type Storage,
} from '../../index.js';
import { countRows } from '../prediction-writer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const at = (m: number, ms = 0) => new Date(Date.UTC(2024, 4, 1, 12, m, 0, ms));

/** A prediction with nested, unicode and awkward-number JSON in input and output. */
function prediction(overrides: Partial<PredictionInput> = {}): PredictionInput {
  return {
    id: randomUUID(),
    modelName: 'mushroom-gbdt',
    modelVersion: 3,
    arm: null,
    experimentId: null,
    shadowOf: null,
    clientId: 'key_ab12cd34',
    input: { 'cap-diameter': 15.26, 'cap-shape': 'x', 'gill-spacing': null, note: 'ünïcode ✓ "q"' },
    output: {
      decision: 'poisonous',
      probability: 0.1 + 0.2,
      warnings: ['cap-diameter far above the training range'],
      explanation: [{ feature: 'odor', contribution: -1e-7 }],
    },
    decision: 'poisonous',
    probability: 0.1 + 0.2,
    latencyUs: 183,
    requestKind: 'single',
    createdAt: at(0),
    ...overrides,
  };
}

/** Waits until `child` printed `ready`, then collects the lines it prints until `stop()` is called. */
function collectLines(child: ChildProcess): { lines: string[]; ready: Promise<void>; exited: Promise<void> } {
  const lines: string[] = [];
  let partial = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line === 'ready') signalReady();
      else lines.push(line);
    }
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { lines, ready, exited };
}

/**
 * Registers the conformance tests for one backend.
 *
 * @param name - backend name shown in the test report
 * @param makeUrl - returns the URL of a fresh, empty database on each call
 */
/**
 * The true-label copy (migration 0007) through the real log and feedback repository: feedback given
 * before the shadow rows are logged reaches them through the writer, feedback given after through the
 * feedback transaction (with the experiment's arms, or without the experiment row), a replaced label
 * replaces every copy, and rows of other requests stay unlabelled.
 */
export async function expectLabelsFollowFeedback(
  storage: Storage,
  makeLog: (s: Storage) => ReturnType<typeof createPredictionLog>,
): Promise<void> {
  const { db } = storageContext(storage);
  await db
    .insertInto('registered_models')
    .values({ name: 'mushroom-gbdt', description: '', created_at: '2026-12-01T00:00:00.000Z' })
    .execute();
  await db
    .insertInto('experiments')
    .values({
      id: 'exp-labels',
      model_name: 'mushroom-gbdt',
      description: null,
      status: 'draft',
      assignment: 'request',
      arms: JSON.stringify([
        { name: 'control', version: 1, role: 'control', weight: 1 },
        { name: 'shadow', version: 2, role: 'shadow', weight: 0 },
      ]),
      settings: '{}',
      created_at: '2026-12-01T00:00:00.000Z',
      created_by: 'test',
      started_at: null,
      stopped_at: null,
      concluded_at: null,
      winner: null,
      status_reason: null,
      updated_seq: 1,
    })
    .execute();
  const log = makeLog(storage);
  const answered = [0, 1, 2, 3].map(() => prediction({ experimentId: 'exp-labels', arm: 'control' }));
  const lone = prediction(); // outside any experiment
  await Promise.all([...answered, lone].map((p) => log.append(p)));
  const label = async (id: string) =>
    (await db.selectFrom('predictions').select('true_label').where('id', '=', id).executeTakeFirstOrThrow())
      .true_label;
  await storage.feedback.record({ predictionId: answered[0].id, trueLabel: 'p' });
  await storage.feedback.record({ predictionId: lone.id, trueLabel: 'e' });
  expect(await label(answered[0].id)).toBe('p');
  expect(await label(lone.id)).toBe('e');
  // shadows of 0 (labelled before) and of 1-3 (not yet), as a chunk and as a loose row
  const shadowed = answered.slice(0, 3).map((a) => a.id);
  const shadowChunk: PredictionChunkInput = {
    ids: shadowed.map(() => randomUUID()),
    createdAt: at(6),
    modelName: 'mushroom-gbdt',
    modelVersion: 2,
    arm: 'shadow',
    experimentId: 'exp-labels',
    shadowOf: shadowed,
    clientId: null,
    inputJson: shadowed.map(() => '{}'),
    outputJson: shadowed.map(() => '{}'),
    decisions: ['edible', 'edible', 'poisonous'],
    probabilities: Float64Array.from([0.1, 0.2, 0.9]),
    latencyUs: 90,
    requestKind: 'batch',
  };
  const looseShadow = prediction({ experimentId: 'exp-labels', arm: 'shadow', shadowOf: answered[0].id });
  await Promise.all([log.appendChunk(shadowChunk), log.append(looseShadow)]);
  expect(await label(shadowChunk.ids[0])).toBe('p');
  expect(await label(looseShadow.id)).toBe('p');
  expect(await label(shadowChunk.ids[1])).toBeNull();
  // feedback after the shadows: the feedback transaction labels them
  await storage.feedback.record({ predictionId: answered[1].id, trueLabel: 'e' });
  expect(await label(answered[1].id)).toBe('e');
  expect(await label(shadowChunk.ids[1])).toBe('e');
  expect(await label(shadowChunk.ids[2])).toBeNull();
  // a replaced label replaces every copy; an unchanged or refused one changes nothing
  expect(await storage.feedback.record({ predictionId: answered[0].id, trueLabel: 'e', replace: true })).toBe(
    'replaced',
  );
  for (const id of [answered[0].id, shadowChunk.ids[0], looseShadow.id]) expect(await label(id)).toBe('e');
  expect(
    (await failure(storage.feedback.record({ predictionId: answered[1].id, trueLabel: 'p' }))).code,
  ).toBe('SP_ERR_CONFLICT');
  expect(await label(shadowChunk.ids[1])).toBe('e');
  // without the experiment's row (deleted), the label still reaches the shadows
  await db.deleteFrom('experiments').where('id', '=', 'exp-labels').execute();
  await storage.feedback.record({ predictionId: answered[2].id, trueLabel: 'p' });
  expect(await label(shadowChunk.ids[2])).toBe('p');
  expect(await label(answered[3].id)).toBeNull();
  await log.close();
  await storage.monitoring.foldPending(); // MariaDB: the log's counts, pending until folded
  // the roll-up's labelled counts follow every copy, replacement included
  const recount = new Map<string, number>();
  for (const r of await db
    .selectFrom('predictions')
    .select(['decision', 'true_label'])
    .where('true_label', 'is not', null)
    .execute()) {
    const k = `${r.decision}|${r.true_label}`;
    recount.set(k, (recount.get(k) ?? 0) + 1);
  }
  const counted = new Map<string, number>();
  for (const r of await db
    .selectFrom('monitor_counts')
    .select(['value', 'n'])
    .where('feature', '=', '@label')
    .execute()) {
    counted.set(r.value, (counted.get(r.value) ?? 0) + Number(r.n));
  }
  expect(new Map([...counted].filter(([, n]) => n !== 0))).toEqual(recount);
  expect(recount.size).toBeGreaterThan(1);
  // a rebuild from the log gives the roll-up the writers and the feedback kept
  const snapshot = async () =>
    new Map(
      (await db.selectFrom('monitor_counts').selectAll().execute())
        .filter((r) => Number(r.n) !== 0)
        .map((r) => [
          [r.model_name, Number(r.model_version), r.experiment_id, r.arm, r.bucket, r.feature, r.value].join(
            '|',
          ),
          Number(r.n),
        ]),
    );
  const kept = await snapshot();
  await db.deleteFrom('monitor_counts').execute();
  const rebuilt = await storage.monitoring.rebuildCounts();
  expect(rebuilt.predictions).toBe(await storage.predictions.count());
  expect(await snapshot()).toEqual(kept);
}

export function describePredictionStorageConformance(
  name: string,
  makeUrl: () => string | Promise<string>,
): void {
  describe(`prediction storage conformance: ${name}`, () => {
    const opened: Storage[] = [];
    const open = async (url?: string): Promise<Storage> => {
      const storage = await openStorage(url ?? (await makeUrl()));
      opened.push(storage);
      return storage;
    };
    const children: ChildProcess[] = [];
    afterEach(async () => {
      for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    // ---- predictions ------------------------------------------------------------------------

    it('predictions: insertMany, get with JSON round trip, count, list with filters and paging, ids', async () => {
      const storage = await open();
      const a = prediction({ id: 'a', createdAt: at(1) });
      const b = prediction({
        id: 'b',
        createdAt: at(2),
        arm: 'challenger',
        clientId: null,
        decision: 'uncertain',
        probability: 0.5,
        requestKind: 'batch',
        latencyUs: 0,
      });
      const c = prediction({ id: 'c', createdAt: at(3), modelName: 'mushroom-lr', modelVersion: 1 });
      const d = prediction({
        id: 'd',
        createdAt: at(3),
        decision: 'edible',
        probability: 0,
        requestKind: 'oip',
      });
      await storage.predictions.insertMany([a, b, c, d]);
      await storage.predictions.insertMany([]);

      expect(await storage.predictions.get('a')).toEqual(a);
      expect(await storage.predictions.get('b')).toEqual(b);
      expect(await storage.predictions.get('nope')).toBeUndefined();
      const got = await storage.predictions.get('a');
      expect((got?.output as { probability?: number } | undefined)?.probability).toBe(0.1 + 0.2);
      expect(got?.createdAt.toISOString()).toBe('2024-05-01T12:01:00.000Z');

      expect(await storage.predictions.count()).toBe(4);
      expect(await storage.predictions.count({ modelName: 'mushroom-gbdt' })).toBe(3);
      expect(await storage.predictions.count({ modelName: 'mushroom-gbdt', modelVersion: 3 })).toBe(3);
      expect(await storage.predictions.count({ since: at(2), until: at(3) })).toBe(1);

      const ids = (rs: { id: string }[]) => rs.map((r) => r.id);
      expect(ids(await storage.predictions.list())).toEqual(['d', 'c', 'b', 'a']);
      expect(ids(await storage.predictions.list({ limit: 2, offset: 1 }))).toEqual(['c', 'b']);
      expect(ids(await storage.predictions.list({ modelName: 'mushroom-gbdt', since: at(2) }))).toEqual([
        'd',
        'b',
      ]);
      expect(await storage.predictions.list({ modelName: 'none' })).toEqual([]);
      expect(await storage.predictions.ids()).toEqual(['a', 'b', 'c', 'd']);
      expect(await storage.predictions.ids(at(3))).toEqual(['c', 'd']);
      expect((await failure(storage.predictions.list({ limit: -1 }))).code).toBe('SP_ERR_USAGE');
      expect((await failure(storage.predictions.count({ since: new Date(Number.NaN) }))).code).toBe(
        'SP_ERR_USAGE',
      );
    });

    it('predictions: decisions per minute of a window, shadow rows left out, bad windows refused', async () => {
      const storage = await open();
      await storage.predictions.insertMany([
        prediction({ id: 'm1a', createdAt: at(1, 5) }),
        prediction({ id: 'm1b', createdAt: at(1, 59_999), decision: 'edible', probability: 0 }),
        prediction({ id: 'm1c', createdAt: at(1, 30_000) }),
        prediction({ id: 'm1s', createdAt: at(1, 10), shadowOf: 'm1a', arm: 'shadow' }),
        prediction({ id: 'm3a', createdAt: at(3), decision: 'uncertain', probability: 0.5 }),
        prediction({ id: 'm3o', createdAt: at(3), modelName: 'mushroom-lr', modelVersion: 1 }),
        prediction({ id: 'm9a', createdAt: at(9) }),
      ]);
      expect(await storage.predictions.decisionsByMinute({ since: at(0), until: at(9) })).toEqual([
        { minute: '2024-05-01T12:01:00.000Z', decision: 'edible', n: 1 },
        { minute: '2024-05-01T12:01:00.000Z', decision: 'poisonous', n: 2 },
        { minute: '2024-05-01T12:03:00.000Z', decision: 'poisonous', n: 1 },
        { minute: '2024-05-01T12:03:00.000Z', decision: 'uncertain', n: 1 },
      ]);
      expect(
        await storage.predictions.decisionsByMinute({
          since: at(2),
          until: at(10),
          modelName: 'mushroom-gbdt',
        }),
      ).toEqual([
        { minute: '2024-05-01T12:03:00.000Z', decision: 'uncertain', n: 1 },
        { minute: '2024-05-01T12:09:00.000Z', decision: 'poisonous', n: 1 },
      ]);
      expect(await storage.predictions.decisionsByMinute({ since: new Date(Date.now() - 60_000) })).toEqual(
        [],
      );
      for (const filter of [
        { since: at(5), until: at(4) },
        { since: at(0), until: new Date(at(0).getTime() + 25 * 3_600_000) },
        { since: new Date(Number.NaN) },
      ]) {
        expect((await failure(storage.predictions.decisionsByMinute(filter))).code).toBe('SP_ERR_USAGE');
      }
    });

    it('predictions: createdAt defaults to now; large batches are split into several INSERTs', async () => {
      const storage = await open();
      const before = Date.now();
      const rows = Array.from({ length: 1234 }, (_, i) => {
        const { createdAt: _omit, ...p } = prediction({ id: `p-${String(i).padStart(5, '0')}` });
        return p;
      });
      await storage.predictions.insertMany(rows);
      expect(await storage.predictions.count()).toBe(1234);
      const stored = await storage.predictions.get('p-01233');
      expect(stored?.input).toEqual(rows[1233].input);
      expect(stored?.createdAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(stored?.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('predictions: inputJson and outputJson are stored as given, instead of serialising input and output', async () => {
      const storage = await open();
      await storage.predictions.insertMany([
        prediction({
          id: 'pre-1',
          input: { ignored: true },
          inputJson: '{"cap-shape":"x","stem-width":1.5}',
          output: { ignored: true },
          outputJson: '{"decision":"edible","probability":0.25,"warnings":["w"]}',
        }),
      ]);
      const stored = await storage.predictions.get('pre-1');
      expect(stored?.input).toEqual({ 'cap-shape': 'x', 'stem-width': 1.5 });
      expect(stored?.output).toEqual({ decision: 'edible', probability: 0.25, warnings: ['w'] });
    });

    it('predictions: a bad row refuses the whole call before writing; a taken id rolls it back', async () => {
      const storage = await open();
      await storage.predictions.insertMany([prediction({ id: 'taken' })]);
      const bad: [Partial<PredictionInput>, RegExp][] = [
        [{ id: 'not a uuid!' }, /Prediction id/],
        [{ id: 'x'.repeat(37) }, /Prediction id/],
        [{ probability: 1.5 }, /probability 1.5/],
        [{ probability: Number.NaN }, /probability NaN/],
        [{ decision: 'maybe' as never }, /decision "maybe"/],
        [{ requestKind: 'grpc' as never }, /requestKind "grpc"/],
        [{ modelVersion: 0 }, /modelVersion 0/],
        [{ latencyUs: 1.5 }, /latencyUs 1.5/],
        [{ arm: 'a'.repeat(65) }, /arm/],
        [{ inputJson: '' }, /inputJson must be non-empty JSON text/],
        [{ inputJson: 42 as never }, /inputJson must be non-empty JSON text/],
        [{ outputJson: '' }, /outputJson must be non-empty JSON text/],
        [{ outputJson: {} as never }, /outputJson must be non-empty JSON text/],
        // named values for the roll-up: only beside the text, one value per name, JSON values only
        [{ features: { names: ['a'], values: ['x'] } }, /features must come with inputJson/],
        [{ inputJson: '{"a":"x"}', features: { names: ['a', 'b'], values: ['x'] } }, /features must/],
        [{ inputJson: '{}', features: { names: ['a'], values: [Number.NaN] } }, /finite numbers/],
        [{ inputJson: '{}', features: { names: [7 as never], values: ['x'] } }, /features must/],
        [{ inputJson: '{}', features: 'a=x' as never }, /features must/],
      ];
      for (const [overrides, message] of bad) {
        const f = await failure(
          storage.predictions.insertMany([prediction({ id: 'ok-1' }), prediction(overrides)]),
        );
        expect(f.code).toBe('SP_ERR_BAD_PARAM');
        expect(f.message).toMatch(message);
      }
      expect((await failure(storage.predictions.insertMany([prediction({ input: undefined })]))).code).toBe(
        'SP_ERR_BAD_DATA',
      );
      const dup = await failure(
        storage.predictions.insertMany([prediction({ id: 'fresh' }), prediction({ id: 'taken' })]),
      );
      expect(dup.code).toBe('SP_ERR_DATABASE');
      expect(await storage.predictions.ids()).toEqual(['taken']);
    });

    it('predictions: a big batch with one taken id is refused whole, wherever that row is', async () => {
      const storage = await open();
      await storage.predictions.insertMany([prediction({ id: 'taken' })]);
      // 500-row INSERTs, then the rest (on MariaDB 200 rows as a prepared statement, 34 as text)
      for (const at of [3, 1100, 1230]) {
        const rows = Array.from({ length: 1234 }, (_, i) =>
          prediction({ id: i === at ? 'taken' : `big-${at}-${i}` }),
        );
        const f = await failure(storage.predictions.insertMany(rows));
        expect(f.code).toBe('SP_ERR_DATABASE');
      }
      expect(await storage.predictions.ids()).toEqual(['taken']);
    });

    it('predictions: insertMany never commits inside another open transaction, nor with it', async () => {
      const storage = await open();
      const { db } = storageContext(storage);
      let logged: Promise<void> | undefined;
      const rolledBack = await failure(
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto('predictions')
            .values({
              id: 'in-trx',
              created_at: at(1).toISOString(),
              model_name: 'm',
              model_version: 1,
              arm: null,
              client_id: null,
              input: '{}',
              output: '{}',
              decision: 'edible',
              probability: 0.5,
              latency_us: 1,
              request_kind: 'single',
            })
            .execute();
          logged = storage.predictions.insertMany([
            prediction({ id: 'logged-1' }),
            prediction({ id: 'logged-2' }),
          ]);
          await sleep(30);
          throw new Error('abort the outer transaction');
        }),
      );
      expect(rolledBack.code).toMatch(/abort the outer transaction/);
      await logged;
      expect((await storage.predictions.ids()).sort()).toEqual(['logged-1', 'logged-2']);
    });

    // ---- feedback ---------------------------------------------------------------------------

    it('feedback: created, then idempotent; a different label conflicts naming both; replace corrects', async () => {
      const storage = await open();
      await storage.predictions.insertMany([
        prediction({ id: 'p1', createdAt: at(1) }),
        prediction({ id: 'p2', createdAt: at(2), modelVersion: 4, arm: 'challenger', decision: 'edible' }),
        prediction({ id: 'p3', createdAt: at(3) }),
      ]);
      const input = { predictionId: 'p1', trueLabel: 'p' as const, source: 'lab', createdAt: at(10) };
      expect(await storage.feedback.record(input)).toBe('created');
      expect(await storage.feedback.record({ ...input, source: 'other', createdAt: at(11) })).toBe(
        'unchanged',
      );
      expect(await storage.feedback.get('p1')).toEqual({
        predictionId: 'p1',
        trueLabel: 'p',
        createdAt: at(10),
        source: 'lab',
        note: null,
      });

      const conflict = await failure(storage.feedback.record({ predictionId: 'p1', trueLabel: 'e' }));
      expect(conflict.code).toBe('SP_ERR_CONFLICT');
      expect(conflict.message).toContain("'p' (poisonous)");
      expect(conflict.message).toContain("'e' (edible)");
      expect((await storage.feedback.get('p1'))?.trueLabel).toBe('p');

      expect(
        await storage.feedback.record({
          predictionId: 'p1',
          trueLabel: 'e',
          replace: true,
          note: 'relabelled by mycologist',
          createdAt: at(12),
        }),
      ).toBe('replaced');
      expect(await storage.feedback.get('p1')).toMatchObject({
        trueLabel: 'e',
        note: 'relabelled by mycologist',
      });
      expect(await storage.feedback.record({ predictionId: 'p1', trueLabel: 'e', replace: true })).toBe(
        'unchanged',
      );

      expect(await storage.feedback.record({ predictionId: 'p2', trueLabel: 'p', createdAt: at(13) })).toBe(
        'created',
      );
      expect(await storage.feedback.joined()).toEqual([
        {
          predictionId: 'p1',
          modelName: 'mushroom-gbdt',
          modelVersion: 3,
          arm: null,
          decision: 'poisonous',
          probability: 0.1 + 0.2,
          predictedAt: at(1),
          trueLabel: 'e',
          labelledAt: at(12),
        },
        {
          predictionId: 'p2',
          modelName: 'mushroom-gbdt',
          modelVersion: 4,
          arm: 'challenger',
          decision: 'edible',
          probability: 0.1 + 0.2,
          predictedAt: at(2),
          trueLabel: 'p',
          labelledAt: at(13),
        },
      ]);
      expect((await storage.feedback.joined({ since: at(2) })).map((r) => r.predictionId)).toEqual(['p2']);
      expect((await storage.feedback.joined({ modelName: 'mushroom-lr' })).length).toBe(0);
      expect((await storage.feedback.joined({ limit: 1, offset: 1 })).map((r) => r.predictionId)).toEqual([
        'p2',
      ]);
      expect(await storage.feedback.get('p3')).toBeUndefined();
    });

    it('feedback: unknown prediction, bad label, concurrent identical reports', async () => {
      const storage = await open();
      await storage.predictions.insertMany([prediction({ id: 'p1' })]);
      const unknown = await failure(storage.feedback.record({ predictionId: 'ghost', trueLabel: 'e' }));
      expect(unknown).toMatchObject({ code: 'SP_ERR_NOT_FOUND' });
      expect(unknown.message).toContain('ghost');
      expect(
        (await failure(storage.feedback.record({ predictionId: 'p1', trueLabel: 'x' as never }))).code,
      ).toBe('SP_ERR_BAD_PARAM');
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => storage.feedback.record({ predictionId: 'p1', trueLabel: 'e' })),
      );
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'unchanged')).toHaveLength(7);
    });

    // ---- API keys ---------------------------------------------------------------------------

    it('api keys: create returns the secret once; only its SHA-256 is stored; list hides hashes', async () => {
      const storage = await open();
      const key = await storage.apiKeys.create({ name: 'ci deploy', role: 'admin' });
      expect(key.id).toMatch(/^key_[0-9a-f]{8}$/);
      expect(key.secret).toMatch(/^sp_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.secret.slice(3), 'base64url')).toHaveLength(32);
      expect(key).toMatchObject({ name: 'ci deploy', role: 'admin', revokedAt: null, lastUsedAt: null });

      const other = await storage.apiKeys.create({ name: 'frontend', role: 'predict' });
      expect(other.secret).not.toBe(key.secret);

      const listed = await storage.apiKeys.list();
      expect(listed.map((k) => k.id).sort()).toEqual([key.id, other.id].sort());
      for (const k of listed)
        expect(Object.keys(k).sort()).toEqual(
          ['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role'].sort(),
        );
      const digest = createHash('sha256').update(key.secret).digest('hex');
      const text = JSON.stringify(listed);
      expect(text).not.toContain(key.secret.slice(3));
      expect(text).not.toContain(digest);

      const { db } = storageContext(storage);
      const rows = await sql<Record<string, unknown>>`select * from api_keys where id = ${key.id}`.execute(
        db,
      );
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0].key_hash).toBe(digest);
      expect(JSON.stringify(rows.rows)).not.toContain(key.secret.slice(3));
    });

    it('api keys: verify right, wrong, malformed and revoked secrets; revoke is idempotent', async () => {
      const storage = await open();
      const key = await storage.apiKeys.create({ name: 'ops', role: 'predict' });
      const ok = await storage.apiKeys.verify(key.secret);
      expect(ok).toMatchObject({ id: key.id, name: 'ops', role: 'predict', revokedAt: null });
      expect(ok?.lastUsedAt).toBeInstanceOf(Date);
      expect((await storage.apiKeys.list())[0].lastUsedAt).toEqual(ok?.lastUsedAt);
      // Within the minute, lastUsedAt is not rewritten.
      expect((await storage.apiKeys.verify(key.secret))?.lastUsedAt).toEqual(ok?.lastUsedAt);

      const flipped = key.secret.slice(0, -1) + (key.secret.endsWith('A') ? 'B' : 'A');
      expect(await storage.apiKeys.verify(flipped)).toBeNull();
      expect(await storage.apiKeys.verify('')).toBeNull();
      expect(await storage.apiKeys.verify('sp_short')).toBeNull();
      expect(await storage.apiKeys.verify(createHash('sha256').update(key.secret).digest('hex'))).toBeNull();

      const revoked = await storage.apiKeys.revoke(key.id);
      expect(revoked.revokedAt).toBeInstanceOf(Date);
      expect(await storage.apiKeys.verify(key.secret)).toBeNull();
      expect((await storage.apiKeys.revoke(key.id)).revokedAt).toEqual(revoked.revokedAt);
      expect((await storage.apiKeys.list())[0].revokedAt).toEqual(revoked.revokedAt);

      expect((await failure(storage.apiKeys.revoke('key_00000000'))).code).toBe('SP_ERR_NOT_FOUND');
      expect((await failure(storage.apiKeys.revoke('nonsense'))).code).toBe('SP_ERR_NOT_FOUND');
      expect((await failure(storage.apiKeys.create({ name: '', role: 'admin' }))).code).toBe(
        'SP_ERR_BAD_PARAM',
      );
      expect((await failure(storage.apiKeys.create({ name: 'x', role: 'root' as never }))).code).toBe(
        'SP_ERR_BAD_PARAM',
      );
    });

    // ---- group-commit prediction log --------------------------------------------------------

    it('log: 1,000 concurrent durable appends are stored in far fewer batches', async () => {
      const storage = await open();
      const log = createPredictionLog(storage.predictions);
      const rows = Array.from({ length: 1000 }, () => prediction({ createdAt: undefined }));
      await Promise.all(rows.map((r) => log.append(r)));
      expect(await storage.predictions.count()).toBe(1000);
      expect(log.rowsWritten).toBe(1000);
      expect(log.batches).toBeLessThanOrEqual(20);
      expect(log.queueDepth).toBe(0);
      expect((await storage.predictions.get(rows[999].id))?.createdAt).toBeInstanceOf(Date);
      await log.close();
    });

    it('log: hostile text is stored exactly, through the log (rendered when appended) and insertMany', async () => {
      const storage = await open();
      const log = createPredictionLog(storage.predictions);
      // the characters SQL literals treat specially, an injection attempt, a `?` (a parameter mark
      // outside a literal), a trailing backslash, control characters and non-BMP text
      const hostile = [
        "'",
        "''",
        "\\'",
        '\\',
        'a\\',
        "'); delete from predictions; -- ",
        '" or 1=1 -- ?',
        '?, ?',
        '\0 nul',
        '\x1a ctrl-z',
        '\\0 \\Z \\n \\\\',
        'tab\tnew\nline\rcr\b',
        'ünïcode ✓ 🍄 \u{1F344}',
        '',
      ];
      const rows = hostile.flatMap((text, i) => [
        prediction({
          createdAt: undefined,
          arm: text.slice(0, 60),
          clientId: text,
          input: { [`k${text}`]: text, n: i, 'cap-shape': text },
          output: { decision: 'poisonous', note: text },
        }),
        prediction({ createdAt: undefined, clientId: `${text}|direct`, input: { v: text } }),
      ]);
      const viaLog = rows.filter((_, i) => i % 2 === 0);
      const direct = rows.filter((_, i) => i % 2 === 1);
      await Promise.all(viaLog.map((r) => log.append(r)));
      await storage.predictions.insertMany(direct);
      for (const r of rows) {
        const got = await storage.predictions.get(r.id);
        expect(got, r.clientId ?? '').toMatchObject({
          clientId: r.clientId,
          arm: r.arm,
          input: r.input,
          output: r.output,
        });
      }
      expect(await storage.predictions.count()).toBe(rows.length);
      // the monitoring roll-up counted every hostile key and value exactly (on MariaDB the log's
      // counts travel as a rendered literal too)
      const counts = await storage.monitoring.counts({ modelName: 'mushroom-gbdt' });
      const n = (feature: string, value: string): number | undefined =>
        counts.find((c) => c.feature === feature && c.value === value)?.n;
      for (const text of hostile) {
        expect(n(`k${text}`, `=${text}`), JSON.stringify(text)).toBe(1);
        expect(n('cap-shape', `=${text}`), JSON.stringify(text)).toBe(1);
        expect(n('v', `=${text}`), JSON.stringify(text)).toBe(1);
      }
      await log.close();
    });

    /** A chunk of `n` predictions as columns, with awkward JSON texts and numbers. */
    function chunk(n: number, overrides: Partial<PredictionChunkInput> = {}): PredictionChunkInput {
      return {
        ids: Array.from({ length: n }, () => randomUUID()),
        createdAt: at(5, 250),
        modelName: 'mushroom-gbdt ✓',
        modelVersion: 4,
        arm: 'b',
        clientId: null,
        inputJson: Array.from({ length: n }, (_, i) =>
          JSON.stringify({ 'cap-diameter': i / 7, note: `ü ${i} "q"` }),
        ),
        outputJson: Array.from({ length: n }, (_, i) =>
          JSON.stringify({ decision: 'poisonous', i, w: ['✓'] }),
        ),
        decisions: Array.from(
          { length: n },
          (_, i) => (['poisonous', 'edible', 'uncertain'] as const)[i % 3],
        ),
        probabilities: Float64Array.from({ length: n }, (_, i) =>
          i === 0 ? 0 : i === 1 ? 1 : (0.1 + 0.2) / (i + 1),
        ),
        latencyUs: 7,
        requestKind: 'batch',
        ...overrides,
      };
    }

    it('log: appendChunk stores every prediction of a chunk exactly, with loose rows in the same write', async () => {
      const storage = await open();
      // (as the server: a whole batch request in one write)
      const log = createPredictionLog(storage.predictions, { maxBatch: 10_000 });
      const c = chunk(1234); // over one INSERT's rows
      const loose = [prediction(), prediction({ arm: 'a', clientId: null })];
      await Promise.all([log.append(loose[0]), log.appendChunk(c), log.append(loose[1])]);
      expect(await storage.predictions.count()).toBe(1236);
      expect(log.rowsWritten).toBe(1236);
      expect(log.batches).toBe(1);
      for (const i of [0, 1, 2, 499, 500, 1000, 1233]) {
        expect(await storage.predictions.get(c.ids[i])).toEqual({
          id: c.ids[i],
          createdAt: c.createdAt,
          modelName: c.modelName,
          modelVersion: 4,
          arm: 'b',
          experimentId: null,
          shadowOf: null,
          clientId: null,
          input: JSON.parse(c.inputJson[i]),
          output: JSON.parse(c.outputJson[i]),
          decision: c.decisions[i],
          probability: c.probabilities[i],
          latencyUs: 7,
          requestKind: 'batch',
        });
      }
      for (const p of loose) expect((await storage.predictions.get(p.id))?.input).toEqual(p.input);
      // plain number arrays work too
      const plain = chunk(3, { probabilities: [0.5, 0.25, 0.125], createdAt: undefined });
      await log.appendChunk(plain);
      expect((await storage.predictions.get(plain.ids[2]))?.probability).toBe(0.125);
      await log.close();
    });

    it('monitoring roll-up: the counts the writer adds equal a recount of every logged row', async () => {
      const storage = await open();
      const log = createPredictionLog(storage.predictions, { maxBatch: 10_000 });
      const novel = prediction({
        decision: 'uncertain',
        output: { decision: 'uncertain', probability: 0.4, novelty: 3, reason: NOVELTY_REASON, warnings: [] },
      });
      const answered = chunk(600, { experimentId: 'exp-r', arm: 'control' });
      // the shadow chunk also gives its inputs as named values (as the serving path does): counted from
      // those, the same counts as from its texts
      const shadow = chunk(600, {
        experimentId: 'exp-r',
        arm: 'challenger',
        shadowOf: answered.ids,
        features: {
          names: ['cap-diameter', 'note'],
          values: Array.from({ length: 600 }, (_, i) => [i / 7, `ü ${i} "q"`]),
        },
      });
      const loose = [0, 1, 2].map((i) => prediction({ createdAt: at(70 + i), probability: i / 3 }));
      await Promise.all([
        log.appendChunk(answered),
        log.appendChunk(shadow),
        ...[novel, ...loose].map((p) => log.append(p)),
      ]);
      await log.append(prediction({ input: { 'cap-diameter': 4.123456, 'cap-shape': 'x' } }));
      // inputs also given as named values (as the serving path gives them): counted from those, the
      // same counts as from the stored text, hostile names and keys included
      const names = ['cap-diameter', 'cap-shape', '__proto__', 'gill-spacing', "o'q\\"];
      const named = [
        [4.5, 'f', 'x', null, '"'],
        [123456.789, 'x', null, null, 'ünï ✓'],
      ].map((values, i) => {
        const pairs = names.flatMap((n, j) =>
          values[j] === null ? [] : [`${JSON.stringify(n)}:${JSON.stringify(values[j])}`],
        );
        return prediction({
          createdAt: at(80 + i),
          inputJson: `{${pairs.join(',')}}`,
          features: { names, values },
        });
      });
      await Promise.all(named.map((p) => log.append(p)));
      await log.close();
      const { db } = storageContext(storage);
      const logged = await db.selectFrom('predictions').selectAll().execute();
      expect(logged).toHaveLength(1207);
      const recount = new Map<string, number>();
      for (const [model, version, experiment, arm, bucket, feature, value, n] of countRows(logged).rows()) {
        recount.set([model, version, experiment, arm, bucket, feature, value].join('|'), n);
      }
      await storage.monitoring.foldPending(); // MariaDB: the log's counts, pending until folded
      const stored = await db.selectFrom('monitor_counts').selectAll().execute();
      expect(
        new Map(
          stored.map((r) => [
            [
              r.model_name,
              Number(r.model_version),
              r.experiment_id,
              r.arm,
              r.bucket,
              r.feature,
              r.value,
            ].join('|'),
            Number(r.n),
          ]),
        ),
      ).toEqual(recount);
      // spot checks of the keys
      const n = (feature: string, value: string) =>
        stored.filter((r) => r.feature === feature && r.value === value).reduce((a, r) => a + Number(r.n), 0);
      expect(n('@outcome', 'novel')).toBe(1);
      expect(n('cap-diameter', '#4.123')).toBe(1);
      expect(n('cap-shape', '=x')).toBe(1 + 1 + 3 + 1); // the novel one, the last one, the three loose ones, a named one
      expect(n('__proto__', '=x')).toBe(1);
      expect(n('cap-diameter', '#123500')).toBe(1);
      expect(stored.some((r) => r.experiment_id === 'exp-r' && r.arm === 'challenger')).toBe(true);
    });

    it('true labels: feedback copies its label onto the answered row and its shadows, whichever is logged first', async () => {
      const storage = await open();
      await expectLabelsFollowFeedback(storage, (s) =>
        createPredictionLog(s.predictions, { maxBatch: 10_000 }),
      );
    });

    it('log: experiment and shadow round trip — a chunk and its shadow chunk, loose rows, a journal entry', async () => {
      const storage = await open();
      const log = createPredictionLog(storage.predictions, { maxBatch: 10_000 });
      const answered = chunk(700, { experimentId: 'exp-7', arm: 'control' });
      const shadow = chunk(700, { experimentId: 'exp-7', arm: 'challenger', shadowOf: answered.ids });
      const loose = prediction({ experimentId: 'exp-7', arm: 'challenger', shadowOf: answered.ids[0] });
      await Promise.all([log.appendChunk(answered), log.appendChunk(shadow), log.append(loose)]);
      for (const i of [0, 499, 500, 699]) {
        expect(await storage.predictions.get(answered.ids[i])).toMatchObject({
          arm: 'control',
          experimentId: 'exp-7',
          shadowOf: null,
        });
        expect(await storage.predictions.get(shadow.ids[i])).toMatchObject({
          arm: 'challenger',
          experimentId: 'exp-7',
          shadowOf: answered.ids[i],
        });
      }
      expect(await storage.predictions.get(loose.id)).toEqual(loose);
      // a shadow id must be a prediction id, one per row
      const bad = await failure(log.appendChunk(chunk(2, { shadowOf: ['ok-id', 'not an id!'] })));
      expect(bad.code).toBe('SP_ERR_BAD_PARAM');
      expect(bad.message).toContain('shadowOf');
      const e = journalEntry({ experimentId: 'exp-7', arm: 'control' });
      await storage.predictionJournal.put(e);
      expect(await storage.predictionJournal.get(e.id)).toEqual(e);
      await log.close();
    });

    it('log: a bad chunk is refused whole, naming the problem; a taken id fails it whole', async () => {
      const storage = await open();
      const log = createPredictionLog(storage.predictions);
      const bad: [Partial<PredictionChunkInput>, RegExp][] = [
        [{ ids: [] }, /at least one id/],
        [{ decisions: ['edible'] }, /decisions must hold 5 entries, not 1/],
        [{ ids: ['a', 'b', 'c', 'd e', 'f'] }, /Prediction id "d e" is invalid/],
        [{ decisions: ['edible', 'edible', 'maybe' as 'edible', 'edible', 'edible'] }, /decision "maybe"/],
        [{ probabilities: [0, 1.5, 0, 0, 0] }, /probability 1.5 is not in \[0, 1\]/],
        [{ inputJson: ['{}', '{}', '{}', '{}', ''] }, /inputJson must be non-empty JSON text/],
        [{ modelVersion: 0 }, /modelVersion 0/],
        // named values: the names once, one array of as many values per id
        [{ features: { names: ['a'], values: [['x']] } }, /features must hold names and, for each id/],
        [
          { features: { names: ['a'], values: [['x'], ['x'], ['x', 'y'], ['x'], ['x']] } },
          /not so at index 2/,
        ],
        [
          { features: { names: ['a'], values: [['x'], ['x'], ['x'], ['x'], [Number.POSITIVE_INFINITY]] } },
          /not so at index 4/,
        ],
        [{ features: { names: [1 as never], values: [[1], [1], [1], [1], [1]] } }, /features must/],
      ];
      for (const [overrides, message] of bad) {
        const e = await failure(log.appendChunk(chunk(5, overrides)));
        expect(e.code).toBe('SP_ERR_BAD_PARAM');
        expect(e.message).toMatch(message);
      }
      expect(log.queueDepth).toBe(0);
      const first = chunk(5);
      await log.appendChunk(first);
      const ids = chunk(700).ids.slice();
      ids[650] = first.ids[2];
      const e = await failure(log.appendChunk(chunk(700, { ids })));
      expect(e.code).toBe('SP_ERR_DATABASE');
      expect(await storage.predictions.count()).toBe(5);
      expect(log.rowsFailed).toBe(700);
      await log.close();
    });

    // ---- batch journal -----------------------------------------------------------------------

    const entry = (overrides: Partial<BatchJournalEntry> = {}): BatchJournalEntry =>
      journalEntry({
        createdAt: at(5, 123),
        schemaName: 'secondary',
        clientId: 'key_ab12cd34',
        predictions: 2,
        chunks: [
          { start: 0, createdAt: at(5, 100), latencyUs: 7 },
          { start: 1000, createdAt: at(5, 110), latencyUs: 9 },
        ],
        // several MB on purpose: a 10,000-record body (MariaDB: above MEDIUMTEXT's 16 MB would need LONGTEXT)
        records: JSON.stringify({
          records: [{ 'cap-shape': 'x', note: 'ünïcode ✓ "q"' }],
          pad: 'x'.repeat(3_000_000),
        }),
        ...overrides,
      });

    it('journal: put, get round trip, list oldest first without texts, count, remove once', async () => {
      const url = await makeUrl();
      const storage = await open(url);
      const a = entry({ createdAt: at(7) });
      const b = entry({ createdAt: at(6), arm: 'b', clientId: null, requestKind: 'oip' });
      await storage.predictionJournal.put(a);
      await storage.predictionJournal.put(b);
      // committed: another connection reads it
      const reader = await open(url);
      expect(await reader.predictionJournal.get(a.id)).toEqual(a);
      expect(await reader.predictionJournal.get(b.id)).toEqual(b);
      expect(await reader.predictionJournal.get('nope')).toBeUndefined();
      expect(await reader.predictionJournal.list()).toEqual([
        { id: b.id, createdAt: b.createdAt, owner: b.owner, predictions: 2 },
        { id: a.id, createdAt: a.createdAt, owner: a.owner, predictions: 2 },
      ]);
      expect(await reader.predictionJournal.count()).toBe(2);
      expect(await storage.predictionJournal.remove(a.id)).toBe(true);
      expect(await storage.predictionJournal.remove(a.id)).toBe(false);
      expect(await reader.predictionJournal.count()).toBe(1);
      const e = await failure(storage.predictionJournal.put(b));
      expect(e.code).toBe('SP_ERR_DATABASE');
      expect(e.message).toContain(`Journaling batch ${b.id}`);
    });

    it('journal: a bad entry is refused, naming the problem, and nothing is written', async () => {
      const storage = await open();
      const bad: [Partial<BatchJournalEntry>, RegExp][] = [
        [{ id: 'not an id' }, /Prediction id "not an id" is invalid/],
        [{ createdAt: new Date(Number.NaN) }, /createdAt is not a valid Date/],
        [{ modelVersion: 1.5 }, /modelVersion 1.5 is not a version number/],
        [{ predictions: 0 }, /predictions 0 is not a positive count/],
        [{ chunks: [] }, /chunks must list at least one chunk/],
        [
          {
            chunks: [
              { start: 1000, createdAt: at(1), latencyUs: 1 },
              { start: 1000, createdAt: at(1), latencyUs: 1 },
            ],
          },
          /chunk starts must be increasing item indexes, got 1000 after 1000/,
        ],
        [{ chunks: [{ start: 0, createdAt: at(1), latencyUs: -1 }] }, /chunk 0: latencyUs -1/],
        [{ requestKind: 'stream' as 'batch' }, /requestKind "stream"/],
        [{ records: '' }, /records must be a non-empty string/],
        [{ owner: 'o'.repeat(256) }, /owner must be a non-empty string of at most 255 characters/],
        [{ arm: 'a'.repeat(65) }, /arm must be a non-empty string of at most 64 characters or null/],
      ];
      for (const [overrides, message] of bad) {
        const e = await failure(storage.predictionJournal.put(entry(overrides)));
        expect(e.code).toBe('SP_ERR_BAD_PARAM');
        expect(e.message).toMatch(message);
      }
      expect(await storage.predictionJournal.count()).toBe(0);
    });

    it('journal: puts and removes commit in order with the log writes; stored() finds which ids are in the log', async () => {
      const storage = await open();
      const log = createPredictionLog(storage.predictions, { maxBatch: 10_000 });
      const c = chunk(1200);
      const e = entry();
      // all queued at once: the entry, the rows, then its removal
      await Promise.all([
        storage.predictionJournal.put(e),
        log.appendChunk(c),
        log.appendChunk(chunk(3)).then(() => storage.predictionJournal.remove(e.id)),
      ]);
      expect(await storage.predictionJournal.count()).toBe(0);
      const asked = [...c.ids.slice(0, 700), 'never-stored', 'not an id', c.ids[1199]];
      const found = await storage.predictions.stored(asked);
      expect(found.size).toBe(701);
      expect(found.has(c.ids[1199])).toBe(true);
      expect(found.has('never-stored')).toBe(false);
      expect((await storage.predictions.stored([])).size).toBe(0);
      await log.close();
    });

    it('log: every durable append resolves only after its row is readable from a second connection', async () => {
      const url = await makeUrl();
      const writer = await open(url);
      const reader = await open(url);
      const log = createPredictionLog(writer.predictions, { maxBatch: 16 });
      const checks: Promise<boolean>[] = [];
      const appends = Array.from({ length: 200 }, async (_, i) => {
        if (i % 3 === 0) await sleep(i % 7);
        const row = prediction({ createdAt: undefined });
        await log.append(row);
        checks.push(reader.predictions.get(row.id).then((r) => r?.id === row.id));
      });
      await Promise.all(appends);
      const seen = await Promise.all(checks);
      expect(seen.filter((s) => !s)).toHaveLength(0);
      expect(seen).toHaveLength(200);
      await log.close();
    });

    it('log: a bad row rejects alone; a failing batch rejects each of its appends and is reported', async () => {
      const storage = await open();
      await storage.predictions.insertMany([prediction({ id: 'taken' })]);
      const failures: GroupCommitFailure<PreparedPredictions>[] = [];
      const log = createPredictionLog(storage.predictions, { onError: (_, f) => failures.push(f) });
      const bad = await failure(log.append(prediction({ probability: 2 })));
      expect(bad.code).toBe('SP_ERR_BAD_PARAM');
      const batch = [prediction(), prediction({ id: 'taken' }), prediction()];
      const results = await Promise.all(batch.map((r) => failure(log.append(r))));
      expect(results.map((r) => r.code)).toEqual(['SP_ERR_DATABASE', 'SP_ERR_DATABASE', 'SP_ERR_DATABASE']);
      expect(failures).toHaveLength(1);
      expect(failures[0].rows.map((r) => ('row' in r ? r.id : r.ids))).toEqual(batch.map((r) => r.id));
      expect(failures[0].final).toBe(true);
      expect(await storage.predictions.ids()).toEqual(['taken']);
      const good = prediction();
      await log.append(good);
      expect(await storage.predictions.get(good.id)).toBeDefined();
      expect((await failure(log.close())).code).toBe('resolved'); // failures before the flush were reported already
      expect((await failure(log.append(prediction()))).code).toBe('SP_ERR_USAGE');
    });

    it('log: async mode flushes within the interval; close() flushes the rest', async () => {
      const url = await makeUrl();
      const writer = await open(url);
      const reader = await open(url);
      const log = createPredictionLog(writer.predictions, {
        mode: 'async',
        flushIntervalMs: 100,
        onError: (e) => {
          throw e;
        },
      });
      const started = Date.now();
      await Promise.all(Array.from({ length: 50 }, () => log.append(prediction())));
      expect(Date.now() - started).toBeLessThan(100);
      while ((await reader.predictions.count()) < 50 && Date.now() - started < 5000) await sleep(10);
      expect(await reader.predictions.count()).toBe(50);
      // 100 ms interval plus one write; generous for loaded CI machines.
      expect(Date.now() - started).toBeLessThan(2000);
      await log.flush(); // the reader may see the commit before the writer's callback has run
      expect(log.batches).toBe(1);

      const slow = createPredictionLog(writer.predictions, {
        mode: 'async',
        flushIntervalMs: 60_000,
        onError: () => undefined,
      });
      await Promise.all(Array.from({ length: 30 }, () => slow.append(prediction())));
      expect(slow.queueDepth).toBe(30);
      await slow.close();
      expect(await reader.predictions.count()).toBe(80);
      expect((await failure(slow.append(prediction()))).code).toBe('SP_ERR_USAGE');
      await log.close();
    });

    it('log: nothing acknowledged is lost when the writing process is SIGKILLed mid-stream', async () => {
      const url = await makeUrl();
      await (await open(url)).close(); // migrate before the child starts
      const script = fileURLToPath(new URL('./prediction-log-crash-child.ts', import.meta.url));
      const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, url], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      const out = collectLines(child);
      await Promise.race([
        out.ready,
        out.exited.then(() => {
          throw new Error('the crash-test child exited before it was ready');
        }),
      ]);
      const deadline = Date.now() + 20_000;
      while (out.lines.length < 2000 && Date.now() < deadline) await sleep(5);
      child.kill('SIGKILL');
      await out.exited;
      const acked = [...out.lines];
      expect(acked.length).toBeGreaterThan(100);

      const storage = await open(url);
      const stored = new Set(await storage.predictions.ids());
      const lost = acked.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      expect(stored.size).toBeGreaterThanOrEqual(acked.length);
    });
  });
}
