/**
 * Conformance suite of the per-arm metrics queries (DESIGN convention 5): the same figures on every
 * backend, from a small hand-computed fixture written straight into predictions,
 * labelled through the feedback repository (which copies each label onto the rows of its request).
 */

import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { experimentRecord } from '../../../../test/helpers/experiment-fixtures.js';
import type { DatabaseSchema } from '../../db/database-schema.js';
import { storageContext } from '../../db/storage-context.js';
import { openStorage, type Storage } from '../../index.js';
import { armMetrics, disagreement } from '../arm-metrics-query.js';
import type { ArmMetrics, ExperimentRecord } from '../experiment-types.js';

type Decision = 'edible' | 'poisonous' | 'uncertain';

/** One fixture prediction: [id, arm, decision, latency µs, client, label, shadow of]. */
type Row = [string, string, Decision, number, string | null, 'e' | 'p' | null, string | null];

const EXP = 'exp-fixture';

/**
 * control: c1 edible/e ✓, c2 poisonous/p ✓, c3 edible/p (false edible), c4 uncertain/p, c5 poisonous/—.
 * challenger: h1 edible/e ✓, h2 edible/p (false edible), h3 poisonous/—.
 * shadow scores every request; its rows take the label of the answered row.
 */
const ROWS: Row[] = [
  ['c1', 'control', 'edible', 100, 'A', 'e', null],
  ['c2', 'control', 'poisonous', 300, 'A', 'p', null],
  ['c3', 'control', 'edible', 200, 'B', 'p', null],
  ['c4', 'control', 'uncertain', 500, null, 'p', null],
  ['c5', 'control', 'poisonous', 400, 'B', null, null],
  ['h1', 'challenger', 'edible', 50, 'C', 'e', null],
  ['h2', 'challenger', 'edible', 70, 'C', 'p', null],
  ['h3', 'challenger', 'poisonous', 60, 'D', null, null],
  ['s-c1', 'shadow', 'poisonous', 10, 'A', null, 'c1'],
  ['s-c2', 'shadow', 'poisonous', 20, 'A', null, 'c2'],
  ['s-c3', 'shadow', 'poisonous', 30, 'B', null, 'c3'],
  ['s-c4', 'shadow', 'edible', 40, null, null, 'c4'],
  ['s-c5', 'shadow', 'uncertain', 50, 'B', null, 'c5'],
  ['s-h1', 'shadow', 'edible', 60, 'C', null, 'h1'],
  ['s-h2', 'shadow', 'uncertain', 70, 'C', null, 'h2'],
  ['s-h3', 'shadow', 'edible', 80, 'D', null, 'h3'],
];

/** Rows that must not count: another experiment with the same arm names, and no experiment at all. */
const NOISE: Array<[string, string | null, string | null, Decision, 'e' | 'p']> = [
  ['o1', 'exp-other', 'control', 'edible', 'p'],
  ['o2', 'exp-other', 'shadow', 'edible', 'p'],
  ['o3', null, null, 'poisonous', 'e'],
];

/** The experiment whose arms the fixture logs (the metrics read its id, arms and assignment only). */
function experiment(assignment: 'client' | 'request'): ExperimentRecord {
  return experimentRecord(
    EXP,
    [
      { name: 'control', version: 1, role: 'control', weight: 50 },
      { name: 'challenger', version: 2, role: 'challenger', weight: 50 },
      { name: 'shadow', version: 3, role: 'shadow', weight: 0 },
      { name: 'idle', version: 4, role: 'challenger', weight: 0 },
    ],
    { modelName: 'mushroom', assignment },
  );
}

/** A prediction row as the serving path writes it (id padded to a UUID-like length). */
function predictionRow(
  id: string,
  experimentId: string | null,
  arm: string | null,
  decision: Decision,
  latencyUs: number,
  clientId: string | null,
  shadowOf: string | null,
) {
  return {
    id,
    created_at: '2026-12-01T10:00:00.000Z',
    model_name: 'mushroom',
    model_version: 1,
    arm,
    experiment_id: experimentId,
    client_id: clientId,
    shadow_of: shadowOf,
    input: '{}',
    output: '{}',
    decision,
    probability: 0.5,
    latency_us: latencyUs,
    request_kind: 'single',
  };
}

/** The fixture's predictions, written straight into the table, then its labels through the feedback repository. */
async function insertFixture(storage: Storage, db: Kysely<DatabaseSchema>): Promise<void> {
  const rows = ROWS.map(([id, arm, decision, latency, client, , shadowOf]) =>
    predictionRow(id, EXP, arm, decision, latency, client, shadowOf),
  );
  const noise = NOISE.map(([id, exp, arm, decision]) => predictionRow(id, exp, arm, decision, 1, 'Z', null));
  await db
    .insertInto('predictions')
    .values([...rows, ...noise])
    .execute();
  const labels = [
    ...ROWS.filter((r) => r[5] !== null).map((r) => ({ id: r[0], label: r[5] as 'e' | 'p' })),
    ...NOISE.map((r) => ({ id: r[0], label: r[4] })),
  ];
  for (const { id, label } of labels) {
    await storage.feedback.record({ predictionId: id, trueLabel: label, source: 'test' });
  }
}

const EXPECTED: ArmMetrics[] = [
  {
    arm: 'control',
    version: 1,
    role: 'control',
    requests: 5,
    units: 3, // clients A and B, and c4 without a client id
    labelled: 4,
    correct: 2,
    poisonousLabelled: 3,
    poisonousCaught: 2,
    falseEdible: 1,
    uncertain: 1,
    latencyP50Us: 300, // sorted 100 200 300 400 500: rank ⌈2.5⌉ = 3
    latencyP95Us: 500, // rank ⌈4.75⌉ = 5
  },
  {
    arm: 'challenger',
    version: 2,
    role: 'challenger',
    requests: 3,
    units: 2,
    labelled: 2,
    correct: 1,
    poisonousLabelled: 1,
    poisonousCaught: 0,
    falseEdible: 1,
    uncertain: 0,
    latencyP50Us: 60, // sorted 50 60 70: rank ⌈1.5⌉ = 2
    latencyP95Us: 70,
  },
  {
    arm: 'shadow',
    version: 3,
    role: 'shadow',
    requests: 8,
    units: 5, // A B C D and the request of c4
    labelled: 6, // the labels of c1 c2 c3 c4 h1 h2
    correct: 3, // s-c2, s-c3, s-h1
    poisonousLabelled: 4, // c2 c3 c4 h2
    poisonousCaught: 3,
    falseEdible: 1, // s-c4 said edible to a poisonous one
    uncertain: 2,
    latencyP50Us: 40, // 10 … 80: rank 4
    latencyP95Us: 80, // rank ⌈7.6⌉ = 8
  },
  {
    arm: 'idle',
    version: 4,
    role: 'challenger',
    requests: 0,
    units: 0,
    labelled: 0,
    correct: 0,
    poisonousLabelled: 0,
    poisonousCaught: 0,
    falseEdible: 0,
    uncertain: 0,
    latencyP50Us: null,
    latencyP95Us: null,
  },
];

/** The nine cells in order, from the non-zero ones. */
function cells(nonZero: Record<string, number>) {
  const decisions: Decision[] = ['edible', 'poisonous', 'uncertain'];
  return decisions.flatMap((control) =>
    decisions.map((other) => ({ control, other, count: nonZero[`${control}/${other}`] ?? 0 })),
  );
}

export function describeArmMetricsConformance(backend: string, makeUrl: () => string): void {
  describe(`experiment arm metrics: ${backend}`, () => {
    let storage: Storage;
    let db: Kysely<DatabaseSchema>;

    beforeEach(async () => {
      storage = await openStorage(makeUrl());
      db = storageContext(storage).db;
      await insertFixture(storage, db);
    });

    afterEach(async () => {
      await storage.close();
    });

    it('computes every arm figure by hand-checked counts, shadows taking their answered row’s label', async () => {
      expect(await armMetrics(db, experiment('client'))).toEqual(EXPECTED);
    });

    it('counts units as requests when the experiment assigns per request', async () => {
      const metrics = await armMetrics(db, experiment('request'));
      expect(metrics.map((m) => m.units)).toEqual([5, 3, 8, 0]);
    });

    it('gives zeros and null latencies to an experiment without predictions', async () => {
      const empty = await armMetrics(db, { ...experiment('client'), id: 'exp-none' });
      expect(empty.every((m) => m.requests === 0 && m.labelled === 0 && m.latencyP95Us === null)).toBe(true);
    });

    it('takes nearest-rank percentiles over tied latencies (rank ⌈q·n⌉ of the sorted values)', async () => {
      const latencies = [5, 9, 5, 5, 7, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 8, 5];
      await db
        .insertInto('predictions')
        .values(
          latencies.map((l, i) => predictionRow(`t${i}`, 'exp-ties', 'control', 'edible', l, null, null)),
        )
        .execute();
      const [control] = await armMetrics(db, { ...experiment('request'), id: 'exp-ties' });
      // 21 values: 18 × 5, then 7, 8, 9 — rank ⌈10.5⌉ = 11 is a 5, rank ⌈19.95⌉ = 20 is the 8.
      expect(control).toMatchObject({ requests: 21, latencyP50Us: 5, latencyP95Us: 8 });
    });

    it('tabulates the shadow’s decisions against the control’s on the same requests', async () => {
      expect(await disagreement(db, EXP, 'control', 'shadow')).toEqual(
        cells({
          'edible/poisonous': 2,
          'poisonous/poisonous': 1,
          'uncertain/edible': 1,
          'poisonous/uncertain': 1,
        }),
      );
      expect(await disagreement(db, EXP, 'challenger', 'shadow')).toEqual(
        cells({ 'edible/edible': 1, 'edible/uncertain': 1, 'poisonous/edible': 1 }),
      );
    });

    it('gives nine zeros for two served arms, which never score the same request', async () => {
      expect(await disagreement(db, EXP, 'control', 'challenger')).toEqual(cells({}));
    });

    it('refuses to compare an arm with itself, naming it', async () => {
      await expect(disagreement(db, EXP, 'shadow', 'shadow')).rejects.toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
        message: expect.stringContaining('"shadow"'),
      });
    });

    it('reports a database failure as SP_ERR_DATABASE naming the experiment', async () => {
      const closed = await openStorage(makeUrl());
      const closedDb = storageContext(closed).db;
      await closed.close();
      await expect(armMetrics(closedDb, experiment('client'))).rejects.toMatchObject({
        code: 'SP_ERR_DATABASE',
        message: expect.stringContaining(EXP),
      });
    });
  });
}
