/**
 * The per-arm figures of an experiment, computed in SQL over the prediction log joined with feedback
 * (the same figures on SQLite and MySQL/MariaDB).
 *
 * - Every prediction carries the true label of its request (`true_label`, migration 0007): a copy of
 *   the feedback of its label key COALESCE(shadow_of, id) — its own id, or for a shadow row the answered
 *   prediction's — so no query joins feedback.
 * - Counts: one pass over the experiment's entries of the covering index (experiment_id, arm, decision,
 *   true_label, client_id, latency_us), grouped by arm, decision and true label (in index order).
 * - Latency p50/p95 are nearest-rank percentiles (the value at rank ⌈q·n⌉ of the arm's sorted latencies),
 *   from a latency histogram per arm read from the same index and its running count (window functions).
 * - Units: distinct client ids plus one unit per prediction without one, when the experiment assigns per
 *   client; else the requests.
 * - Disagreement: the experiment's rows of the other arm joined, by label key, to the control arm's rows
 *   in the label-key index (experiment_id, arm, label key, decision, client_id), both walked in key order.
 * A control or challenger arm's rows are all answered rows and a shadow arm's all shadow rows, so the
 * arm alone tells them apart.
 *
 * Schema the queries need (migrations 0006 and 0007 create it): column predictions.true_label; index
 * predictions (experiment_id, arm, decision, true_label, client_id, latency_us); SQLite: index
 * predictions (experiment_id, arm, coalesce(shadow_of, id), decision, client_id); MySQL/MariaDB: column
 * `label_key varchar(36) as (coalesce(shadow_of, id)) virtual`, index predictions (experiment_id, arm,
 * label_key, decision, client_id).
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

/** The counts of one arm. */
interface ArmCounts {
  requests: number;
  uncertain: number;
  labelled: number;
  correct: number;
  poisonousLabelled: number;
  falseEdible: number;
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
      const requests = c?.requests ?? 0;
      const poisonousLabelled = c?.poisonousLabelled ?? 0;
      const falseEdible = c?.falseEdible ?? 0;
      return {
        arm: arm.name,
        version: arm.version,
        role: arm.role,
        requests,
        units: units === null ? requests : (units.get(arm.name) ?? 0),
        labelled: c?.labelled ?? 0,
        correct: c?.correct ?? 0,
        poisonousLabelled,
        poisonousCaught: poisonousLabelled - falseEdible,
        falseEdible,
        uncertain: c?.uncertain ?? 0,
        latencyP50Us: l?.p50 == null ? null : Number(l.p50),
        latencyP95Us: l?.p95 == null ? null : Number(l.p95),
      };
    });
  });
}

/** The predictions of one arm with one decision and one true label (null: not labelled yet). */
interface CellRow {
  arm: string;
  decision: string;
  true_label: string | null;
  n: number | string;
}

/**
 * Every count per arm in one pass over the covering index (experiment, arm, decision, true label, …):
 * the predictions per arm, decision and true label (at most nine cells an arm), summed up here.
 */
async function countsByArm(
  db: Kysely<DatabaseSchema>,
  experimentId: string,
): Promise<Map<string, ArmCounts>> {
  const { rows } = await sql<CellRow>`
    select arm, decision, true_label, count(*) as n
    from predictions
    where experiment_id = ${experimentId}
    group by arm, decision, true_label`.execute(db);
  const byArm = new Map<string, ArmCounts>();
  for (const r of rows) {
    let c = byArm.get(r.arm);
    if (c === undefined) {
      c = { requests: 0, uncertain: 0, labelled: 0, correct: 0, poisonousLabelled: 0, falseEdible: 0 };
      byArm.set(r.arm, c);
    }
    const n = count(r.n);
    const edible = r.decision === 'edible';
    c.requests += n;
    if (r.decision === 'uncertain') c.uncertain += n;
    if (r.true_label === null) continue;
    c.labelled += n;
    if (r.true_label === 'p') {
      c.poisonousLabelled += n;
      if (edible) c.falseEdible += n;
      else if (r.decision === 'poisonous') c.correct += n;
    } else if (edible) c.correct += n;
  }
  return byArm;
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
