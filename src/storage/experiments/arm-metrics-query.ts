/**
 * The per-arm figures of an experiment, computed in SQL over the prediction log joined with feedback
 * (same statements and results on SQLite and MySQL/MariaDB).
 *
 * - A shadow row (`shadow_of` set) takes the true label of the answered prediction it shadows. Every
 *   prediction's label key is `label_key = COALESCE(shadow_of, id)` (a virtual generated column), so an
 *   answered row and its shadows share the key of their one feedback row.
 * - Labelled figures: one pass over feedback in key order, each label joined to the experiment's rows
 *   with its key (answered row and shadows), with conditional sums grouped by arm. Driving from the
 *   labels keeps the work at (labels × rows per request) in key order instead of a lookup per prediction.
 * - Requests and uncertain answers: one index-only pass over the experiment's predictions, by arm.
 * - Latency p50/p95 are nearest-rank percentiles (the value at rank ⌈q·n⌉ of the arm's sorted latencies),
 *   one `ORDER BY latency_us LIMIT 1 OFFSET rank − 1` per arm and percentile: a short walk of the index.
 * - Units: distinct client ids, plus one unit per prediction without a client id, when the experiment
 *   assigns per client; else the requests.
 *
 * Schema the queries need (created with the experiments migration):
 * - `predictions.label_key varchar(36) GENERATED ALWAYS AS (COALESCE(shadow_of, id)) VIRTUAL`;
 * - index predictions (experiment_id, arm, latency_us, decision, client_id, shadow_of): counts,
 *   percentiles, units and the shadow side of the disagreement read only this index;
 * - index predictions (label_key, experiment_id, arm, decision): the labelled figures and the answered
 *   side of the disagreement;
 * - index feedback (prediction_id, true_label): covering on SQLite (on InnoDB the primary key is).
 */
import { type Kysely, MysqlAdapter, type RawBuilder, sql } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { guard } from '../db/database-error.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import type { ArmMetrics, DisagreementCell, ExperimentRecord } from './experiment-types.js';

/** The decisions a prediction can carry, in the order of the disagreement table. */
const DECISIONS = ['edible', 'poisonous', 'uncertain'] as const;

/** Nearest-rank percentiles reported per arm. */
const P50 = 0.5;
const P95 = 0.95;

interface ServedRow {
  arm: string;
  requests: number | string;
  uncertain: number | string | null;
}

interface LabelledRow {
  arm: string;
  labelled: number | string;
  correct: number | string | null;
  poisonous_labelled: number | string | null;
  false_edible: number | string | null;
}

/** MySQL returns COUNT()/SUM() as numbers or DECIMAL strings, and SUM over no row as NULL. */
function count(value: number | string | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** `from a <join> b`: the labels must drive the join, which SQLite's CROSS JOIN and MySQL's STRAIGHT_JOIN fix. */
function fixedOrderJoin(db: Kysely<DatabaseSchema>): RawBuilder<unknown> {
  return db.getExecutor().adapter instanceof MysqlAdapter ? sql`straight_join` : sql`cross join`;
}

/**
 * The figures of every arm of `experiment`, in the order of its arms; an arm without predictions has
 * zero counts and null latencies.
 */
export async function armMetrics(
  db: Kysely<DatabaseSchema>,
  experiment: ExperimentRecord,
): Promise<ArmMetrics[]> {
  return guard(`Computing the arm metrics of experiment ${experiment.id}`, async () => {
    const served = await servedByArm(db, experiment.id);
    const labelled = await labelledByArm(db, experiment.id);
    const units = experiment.assignment === 'client' ? await unitsByArm(db, experiment.id) : null;
    const out: ArmMetrics[] = [];
    for (const arm of experiment.arms) {
      const s = served.get(arm.name);
      const l = labelled.get(arm.name);
      const requests = count(s?.requests);
      const poisonousLabelled = count(l?.poisonous_labelled);
      const falseEdible = count(l?.false_edible);
      out.push({
        arm: arm.name,
        version: arm.version,
        role: arm.role,
        requests,
        units: units === null ? requests : (units.get(arm.name) ?? 0),
        labelled: count(l?.labelled),
        correct: count(l?.correct),
        poisonousLabelled,
        poisonousCaught: poisonousLabelled - falseEdible,
        falseEdible,
        uncertain: count(s?.uncertain),
        latencyP50Us: await latencyAt(db, experiment.id, arm.name, requests, P50),
        latencyP95Us: await latencyAt(db, experiment.id, arm.name, requests, P95),
      });
    }
    return out;
  });
}

/** Requests and uncertain answers per arm: one pass over the experiment's index entries. */
async function servedByArm(
  db: Kysely<DatabaseSchema>,
  experimentId: string,
): Promise<Map<string, ServedRow>> {
  const { rows } = await sql<ServedRow>`
    select arm, count(*) as requests,
      sum(case when decision = 'uncertain' then 1 else 0 end) as uncertain
    from predictions
    where experiment_id = ${experimentId}
    group by arm`.execute(db);
  return new Map(rows.map((r) => [r.arm, r]));
}

/** The labelled figures per arm: every label joined to the answered row and shadows sharing its key. */
async function labelledByArm(
  db: Kysely<DatabaseSchema>,
  experimentId: string,
): Promise<Map<string, LabelledRow>> {
  const { rows } = await sql<LabelledRow>`
    select p.arm as arm,
      count(*) as labelled,
      sum(case when (p.decision = 'edible' and f.true_label = 'e')
                 or (p.decision = 'poisonous' and f.true_label = 'p') then 1 else 0 end) as correct,
      sum(case when f.true_label = 'p' then 1 else 0 end) as poisonous_labelled,
      sum(case when f.true_label = 'p' and p.decision = 'edible' then 1 else 0 end) as false_edible
    from feedback f ${fixedOrderJoin(db)} predictions p on p.label_key = f.prediction_id
    where p.experiment_id = ${experimentId}
    group by p.arm`.execute(db);
  return new Map(rows.map((r) => [r.arm, r]));
}

/** Distinct units per arm: distinct client ids, plus each prediction without a client id. */
async function unitsByArm(db: Kysely<DatabaseSchema>, experimentId: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ arm: string; clients: number | string; anonymous: number | string | null }>`
    select arm, count(distinct client_id) as clients,
      sum(case when client_id is null then 1 else 0 end) as anonymous
    from predictions
    where experiment_id = ${experimentId}
    group by arm`.execute(db);
  return new Map(rows.map((r) => [r.arm, count(r.clients) + count(r.anonymous)]));
}

/** The nearest-rank q-quantile of the arm's latencies (null when the arm has no prediction). */
async function latencyAt(
  db: Kysely<DatabaseSchema>,
  experimentId: string,
  arm: string,
  requests: number,
  q: number,
): Promise<number | null> {
  if (requests === 0) return null;
  const offset = Math.max(0, Math.ceil(q * requests) - 1);
  const { rows } = await sql<{ latency_us: number | string }>`
    select latency_us from predictions
    where experiment_id = ${experimentId} and arm = ${arm}
    order by latency_us
    limit 1 offset ${sql.lit(offset)}`.execute(db);
  return rows.length === 0 ? null : Number(rows[0].latency_us);
}

/**
 * How often `otherArm` (scoring in shadow) decided X where `controlArm` (answering the same request)
 * decided Y: every shadow row of `otherArm` joined to its answered row when that row is `controlArm`'s.
 * Always the nine cells, control-major in the order edible, poisonous, uncertain (zero counts kept).
 * Arms that never scored the same requests (two served arms) give nine zeros.
 */
export async function disagreement(
  db: Kysely<DatabaseSchema>,
  experimentId: string,
  controlArm: string,
  otherArm: string,
): Promise<DisagreementCell[]> {
  if (controlArm === otherArm) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `Disagreement needs two different arms, got "${controlArm}" twice`,
      { experimentId, arm: controlArm },
    );
  }
  return guard(
    `Computing the disagreement of ${otherArm} with ${controlArm} in ${experimentId}`,
    async () => {
      const { rows } = await sql<{ control: string; other: string; n: number | string }>`
      select c.decision as control, s.decision as other, count(*) as n
      from predictions s
      join predictions c on c.label_key = s.shadow_of
      where s.experiment_id = ${experimentId} and s.arm = ${otherArm} and s.shadow_of is not null
        and c.experiment_id = ${experimentId} and c.arm = ${controlArm} and c.shadow_of is null
      group by c.decision, s.decision`.execute(db);
      const found = new Map(rows.map((r) => [`${r.control}/${r.other}`, count(r.n)]));
      const cells: DisagreementCell[] = [];
      for (const control of DECISIONS) {
        for (const other of DECISIONS) {
          cells.push({ control, other, count: found.get(`${control}/${other}`) ?? 0 });
        }
      }
      return cells;
    },
  );
}
