import { SporeprintError } from '../../core/index.js';
import { checkLimit, timestamp } from '../db/column-values.js';
import { guard, isUniqueViolation } from '../db/database-error.js';
import { type DatabaseContext, writeTransaction } from '../db/write-transaction.js';
import {
  checkSilenceId,
  historyFromRow,
  historyToRow,
  silenceFromRow,
  silenceNotFound,
  silenceToRow,
  stateFromRow,
  stateToRow,
} from './alert-rows.js';
import type {
  AlertCheckWrite,
  AlertHistoryInput,
  AlertHistoryOptions,
  AlertHistoryRecord,
  AlertRepository,
  AlertStateRecord,
  SilenceRecord,
} from './alert-types.js';

/** Rows per INSERT statement (well under both dialects' parameter limits). */
const CHUNK = 100;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The {@link AlertRepository} over Kysely, for SQLite and MySQL/MariaDB alike. */
export class KyselyAlertRepository implements AlertRepository {
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
  }

  states(): Promise<AlertStateRecord[]> {
    return guard('Reading alert states', async () => {
      const rows = await this.#ctx.db
        .selectFrom('alert_states')
        .selectAll()
        .orderBy('rule_name')
        .orderBy('fingerprint')
        .execute();
      return rows.map(stateFromRow);
    });
  }

  saveCheck(write: AlertCheckWrite): Promise<void> {
    const rows = write.upserts.map(stateToRow);
    const history = write.history.map(historyToRow);
    const gone = [...write.removals, ...rows.map((r) => r.fingerprint)];
    return writeTransaction(this.#ctx, 'Saving an alert check', async (trx) => {
      for (const part of chunks(gone)) {
        await trx.deleteFrom('alert_states').where('fingerprint', 'in', part).execute();
      }
      for (const part of chunks(rows)) await trx.insertInto('alert_states').values(part).execute();
      for (const part of chunks(history)) await trx.insertInto('alert_history').values(part).execute();
    });
  }

  appendHistory(entries: readonly AlertHistoryInput[]): Promise<void> {
    const rows = entries.map(historyToRow);
    return guard('Appending to the alert history', async () => {
      for (const part of chunks(rows)) await this.#ctx.db.insertInto('alert_history').values(part).execute();
    });
  }

  async history(options: AlertHistoryOptions = {}): Promise<AlertHistoryRecord[]> {
    const limit = checkLimit(options.limit ?? 100, 10_000);
    return guard('Reading the alert history', async () => {
      const rows = await this.#ctx.db
        .selectFrom('alert_history')
        .selectAll()
        .$if(options.kind !== undefined, (q) => q.where('kind', '=', options.kind ?? ''))
        .$if(options.fingerprint !== undefined, (q) => q.where('fingerprint', '=', options.fingerprint ?? ''))
        .orderBy('seq', 'desc')
        .limit(limit)
        .execute();
      return rows.map(historyFromRow);
    });
  }

  async createSilence(silence: SilenceRecord): Promise<SilenceRecord> {
    checkSilenceId(silence.id);
    const row = silenceToRow(silence);
    try {
      await writeTransaction(this.#ctx, `Creating silence ${silence.id}`, async (trx) => {
        await trx.insertInto('alert_silences').values(row).execute();
        await trx
          .insertInto('alert_history')
          .values(silenceEntry(silence, 'created', silence.createdAt, silence.createdBy))
          .execute();
      });
    } catch (e) {
      if (isUniqueViolation(e) || isUniqueViolation((e as { cause?: unknown }).cause)) {
        throw new SporeprintError('SP_ERR_CONFLICT', `Silence ${silence.id} already exists`);
      }
      throw e;
    }
    return silence;
  }

  async getSilence(id: string): Promise<SilenceRecord> {
    checkSilenceId(id);
    return guard(`Reading silence ${id}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('alert_silences')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) throw silenceNotFound(id);
      return silenceFromRow(row);
    });
  }

  async silences(options: { readonly limit?: number } = {}): Promise<SilenceRecord[]> {
    const limit = checkLimit(options.limit ?? 100, 10_000);
    return guard('Listing silences', async () => {
      const rows = await this.#ctx.db
        .selectFrom('alert_silences')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(silenceFromRow);
    });
  }

  async expireSilence(id: string, at: Date, actor: string): Promise<SilenceRecord> {
    checkSilenceId(id);
    return writeTransaction(this.#ctx, `Expiring silence ${id}`, async (trx) => {
      const row = await trx
        .selectFrom('alert_silences')
        .selectAll()
        .where('id', '=', id)
        .$if(this.#ctx.dialect === 'mysql', (q) => q.forUpdate())
        .executeTakeFirst();
      if (row === undefined) throw silenceNotFound(id);
      const current = silenceFromRow(row);
      if (current.endsAt.getTime() <= at.getTime()) {
        throw new SporeprintError(
          'SP_ERR_CONFLICT',
          `Silence ${id} has already expired (at ${current.endsAt.toISOString()})`,
          { silenceId: id },
        );
      }
      const startsAt = current.startsAt.getTime() > at.getTime() ? at : current.startsAt;
      const expired: SilenceRecord = { ...current, startsAt, endsAt: at, updatedAt: at };
      await trx
        .updateTable('alert_silences')
        .set({ starts_at: timestamp(startsAt), ends_at: timestamp(at), updated_at: timestamp(at) })
        .where('id', '=', id)
        .execute();
      await trx
        .insertInto('alert_history')
        .values(silenceEntry(expired, 'expired', at, actor))
        .execute();
      return expired;
    });
  }
}

function silenceEntry(s: SilenceRecord, outcome: string, at: Date, actor: string) {
  return historyToRow({
    at,
    kind: 'silence',
    fingerprint: null,
    ruleName: null,
    fromState: null,
    toState: null,
    channel: null,
    outcome,
    details: {
      silenceId: s.id,
      actor,
      matchers: s.matchers,
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
      comment: s.comment,
    },
  });
}
