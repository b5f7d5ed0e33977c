/**
 * The batch journal of durable batch requests: who owns an entry, when another process may replay
 * it, and how an entry becomes its prediction rows again.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { SporeprintError } from '../../core/index.js';
import { type DatasetSchema, getSchema, SCHEMAS, type SchemaName } from '../../data/index.js';
import type { BatchJournalEntry } from '../../storage/index.js';
import { outputJson } from './output-json.js';
import { mushroomJson, parseMushroom } from './parse-mushroom.js';
import type { PredictionLogChunk } from './serving-types.js';

/**
 * An entry of a live process is replayed by another process only once it is this old: its owner
 * writes the rows within about a second, and retries from its own sweep if a write fails.
 */
export const JOURNAL_GRACE_MS = 60_000;

/** This process as a journal owner: `host:pid:token` (the token tells a restarted pid apart). */
export const JOURNAL_OWNER = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * True when the process that owns a journal entry is known to be gone: it ran on this host under a
 * pid that no longer exists, or it is this pid from an earlier start (another token).
 */
export function ownerGone(owner: string): boolean {
  const parts = owner.split(':');
  if (parts.length < 3) return false;
  const token = parts.pop();
  const pid = Number(parts.pop());
  const host = parts.join(':');
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return `${host}:${pid}:${token}` !== JOURNAL_OWNER;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // EPERM: the pid exists, owned by someone else
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A journaled item as the answer holds it (only what the log rows need is read). */
interface JournaledItem {
  readonly index: number;
  readonly ok: boolean;
  readonly predictionId?: string;
  readonly decision?: 'edible' | 'poisonous' | 'uncertain';
  readonly probability?: number | null;
  readonly novelty?: number | null;
  readonly reason?: string | null;
  readonly warnings?: readonly string[];
}

function corrupt(entry: BatchJournalEntry, why: string): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_DATA', `Batch journal entry ${entry.id} cannot be replayed: ${why}`);
}

/** A journal entry with its texts parsed and its schema found, once (see {@link readJournalEntry}). */
export interface ReadJournalEntry {
  readonly entry: BatchJournalEntry;
  readonly schema: DatasetSchema;
  readonly records: readonly unknown[];
  readonly items: readonly JournaledItem[];
}

/**
 * Parses a journal entry's texts and finds its schema. Throws SP_ERR_BAD_DATA when the entry cannot
 * be read: unknown schema, texts that are not the batch's records and items.
 */
export function readJournalEntry(entry: BatchJournalEntry): ReadJournalEntry {
  if (!Object.hasOwn(SCHEMAS, entry.schemaName)) throw corrupt(entry, `unknown schema '${entry.schemaName}'`);
  let records: unknown;
  let items: unknown;
  try {
    records = JSON.parse(entry.records);
    items = JSON.parse(entry.items);
  } catch (e) {
    throw corrupt(entry, `its texts are not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(records)) records = (records as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) throw corrupt(entry, 'its records are not an array');
  if (!Array.isArray(items)) throw corrupt(entry, 'its items are not an array');
  return { entry, schema: getSchema(entry.schemaName as SchemaName), records, items };
}

const predictionIdOf = (it: JournaledItem | null | undefined): string | null =>
  it?.ok === true && typeof it.predictionId === 'string' ? it.predictionId : null;

/** The prediction ids of an entry's items, in order. */
export function journalItemIds(read: ReadJournalEntry): string[] {
  const ids: string[] = [];
  for (const it of read.items) {
    const id = predictionIdOf(it);
    if (id !== null) ids.push(id);
  }
  return ids;
}

/**
 * The prediction rows of a journal entry, as the chunks its batch was logged in, leaving out the
 * predictions whose ids `skip` holds (already stored). Each row is the one the answering process
 * logs: the record read again with the entry's schema, the output rebuilt from the answered item.
 * Throws SP_ERR_BAD_DATA for a record that does not read as a mushroom of the schema.
 */
export function journalChunks(read: ReadJournalEntry, skip: ReadonlySet<string>): PredictionLogChunk[] {
  const { entry, schema, records, items } = read;
  const chunks: PredictionLogChunk[] = [];
  for (let c = 0; c < entry.chunks.length; c++) {
    const meta = entry.chunks[c];
    const end = c + 1 < entry.chunks.length ? entry.chunks[c + 1].start : items.length;
    const ids: string[] = [];
    const inputJson: string[] = [];
    const outputs: string[] = [];
    const decisions: NonNullable<JournaledItem['decision']>[] = [];
    const probabilities: number[] = [];
    for (let i = meta.start; i < end && i < items.length; i++) {
      const it = items[i];
      const id = predictionIdOf(it);
      if (id === null || skip.has(id)) continue;
      const parsed = parseMushroom(records[it.index], schema);
      if (!parsed.ok)
        throw corrupt(entry, `record ${it.index} does not read as a mushroom of '${schema.name}'`);
      const p = {
        decision: it.decision as NonNullable<JournaledItem['decision']>,
        probability: it.probability ?? Number.NaN,
        novelty: it.novelty ?? null,
        reason: it.reason ?? null,
      };
      ids.push(id);
      inputJson.push(mushroomJson(parsed.values, schema));
      outputs.push(outputJson(p, it.warnings ?? []));
      decisions.push(p.decision);
      probabilities.push(p.probability);
    }
    if (ids.length === 0) continue;
    chunks.push({
      ids,
      createdAt: meta.createdAt,
      modelName: entry.modelName,
      modelVersion: entry.modelVersion,
      arm: entry.arm,
      experimentId: entry.experimentId ?? null,
      shadowOf: null,
      clientId: entry.clientId,
      inputJson,
      outputJson: outputs,
      decisions,
      probabilities: Float64Array.from(probabilities),
      latencyUs: meta.latencyUs,
      requestKind: entry.requestKind,
    });
  }
  return chunks;
}
