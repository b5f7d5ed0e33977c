/**
 * The per-arm figures of an experiment, computed in SQL over the prediction log joined with feedback
 * (the same figures on SQLite and MySQL/MariaDB).
 *
 * - A shadow row (`shadow_of` set) takes the true label of the answered prediction it shadows: every
 *   prediction's label key is COALESCE(shadow_of, id), which an answered row shares with its shadows and
 *   with its one feedback row. Indexed as an expression on SQLite and as the virtual generated column
 *   `label_key` on MySQL/MariaDB (which has no expression indexes).
 * - Counts: one pass over the experiment's entries of the covering index (experiment_id, arm, label
 *   key, decision, client_id) — in label-key order within an arm, so the feedback lookups walk the
 *   feedback key in order — with conditional sums grouped by arm.
 * - Latency p50/p95 are nearest-rank percentiles (the value at rank ⌈q·n⌉ of the arm's sorted latencies),
 *   from a latency histogram per arm read in the order of the index (experiment_id, arm, latency_us) and
 *   its running count (window functions).
 * - Units: distinct client ids plus one unit per prediction without one, when the experiment assigns per
 *   client; else the requests.
 * - Disagreement: the experiment's rows of the other arm joined, by label key, to the control arm's rows
 *   in the same index, both walked in key order.
 * A control or challenger arm's rows are all answered rows and a shadow arm's all shadow rows, so the
 * arm alone tells them apart.
 *
 * Schema the queries need (migration 0006 creates it):
 * SQLite: index predictions (experiment_id, arm, coalesce(shadow_of, id), decision, client_id),
 * index predictions (experiment_id, arm, latency_us), index feedback (prediction_id, true_label);
 * MySQL/MariaDB: column `label_key varchar(36) as (coalesce(shadow_of, id)) virtual`, index predictions
 * (experiment_id, arm, label_key, decision, client_id), index predictions (experiment_id, arm, latency_us).
 */
import { type Kysely, MysqlAdapter, type RawBuilder, sql } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { guard } from '../db/database-error.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import type { ArmMetrics, DisagreementCell, ExperimentRecord } from './experiment-types.js';

/** The decisions a prediction can carry, in the order of the disagreement table. */
const DECISIONS = ['edible', 'poisonous', 'uncertain'] as const;

/** Nearest-rank percentiles reported per arm, in percent (integers keep the rank comparison exact). */
const P50 = 50;
const P95 = 95;

interface CountRow {
  arm: string;
  requests: number | string;
  uncertain: number | string | null;
  labelled: number | string;
  correct: number | string | null;
  poisonous_labelled: number | string | null;
  false_edible: number | string | null;
}

interface LatencyRow {
  arm: string;
  p50: number | string | null;
  p95: number | string | null;
}

/** MySQL returns COUNT()/SUM() as numbers or DECIMAL strings, and SUM over no row as NULL. */
function count(value: number | string | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** The label key of the predictions row `alias`, as each dialect indexes it. */
function labelKey(db: Kysely<DatabaseSchema>, alias: 'p' | 's' | 'c'): RawBuilder<unknown> {
  return db.getExecutor().adapter instanceof MysqlAdapter
    ? sql.raw(`${alias}.label_key`)
    : sql.raw(`coalesce(${alias}.shadow_of, ${alias}.id)`);
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
    // Independent passes: MySQL runs them on separate pooled connections at once; SQLite in turn.
    const [counts, latency, units] = await Promise.all([
      countsByArm(db, experiment.id),
      latencyByArm(db, experiment.id),
      experiment.assignment === 'client' ? unitsByArm(db, experiment.id) : null,
    ]);
    return experiment.arms.map((arm) => {
      const c = counts.get(arm.name);
      const l = latency.get(arm.name);
      const requests = count(c?.requests);
      const poisonousLabelled = count(c?.poisonous_labelled);
      const falseEdible = count(c?.false_edible);
      return {
        arm: arm.name,
        version: arm.version,
        role: arm.role,
        requests,
        units: units === null ? requests : (units.get(arm.name) ?? 0),
        labelled: count(c?.labelled),
        correct: count(c?.correct),
        poisonousLabelled,
        poisonousCaught: poisonousLabelled - falseEdible,
        falseEdible,
        uncertain: count(c?.uncertain),
        latencyP50Us: l?.p50 == null ? null : Number(l.p50),
        latencyP95Us: l?.p95 == null ? null : Number(l.p95),
      };
    });
  });
}

/** Every count per arm in one pass, each prediction with the label of its label key (if any). */
async function countsByArm(db: Kysely<DatabaseSchema>, experimentId: string): Promise<Map<string, CountRow>> {
  const { rows } = await sql<CountRow>`
    select p.arm as arm,
      count(*) as requests,
      sum(case when p.decision = 'uncertain' then 1 else 0 end) as uncertain,
      count(f.true_label) as labelled,
      sum(case when (p.decision = 'edible' and f.true_label = 'e')
                 or (p.decision = 'poisonous' and f.true_label = 'p') then 1 else 0 end) as correct,
      sum(case when f.true_label = 'p' then 1 else 0 end) as poisonous_labelled,
      sum(case when f.true_label = 'p' and p.decision = 'edible' then 1 else 0 end) as false_edible
    from predictions p
    left join feedback f on f.prediction_id = ${labelKey(db, 'p')}
    where p.experiment_id = ${experimentId}
    group by p.arm`.execute(db);
  return new Map(rows.map((r) => [r.arm, r]));
}

/**
 * The nearest-rank latency percentiles per arm: a histogram of latencies per arm (in index order), its
 * running count by a window function, and each percentile as the smallest latency whose running count
 * reaches ⌈q·requests⌉ (compared in integers: cum·100 ≥ q%·requests).
 */
async function latencyByArm(
  db: Kysely<DatabaseSchema>,
  experimentId: string,
): Promise<Map<string, LatencyRow>> {
  const { rows } = await sql<LatencyRow>`
    with histogram as (
      select arm, latency_us, count(*) as n
      from predictions
      where experiment_id = ${experimentId}
      group by arm, latency_us
    ),
    running as (
      select arm, latency_us,
        sum(n) over (partition by arm order by latency_us rows between unbounded preceding and current row) as cum,
        sum(n) over (partition by arm) as total
      from histogram
    )
    select arm,
      min(case when cum * 100 >= ${sql.lit(P50)} * total then latency_us end) as p50,
      min(case when cum * 100 >= ${sql.lit(P95)} * total then latency_us end) as p95
    from running
    group by arm`.execute(db);
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
      join predictions c on c.experiment_id = s.experiment_id and c.arm = ${controlArm}
        and ${labelKey(db, 'c')} = ${labelKey(db, 's')}
      where s.experiment_id = ${experimentId} and s.arm = ${otherArm}
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
