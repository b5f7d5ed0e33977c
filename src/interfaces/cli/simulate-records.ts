/**
 * The labelled rows `sporeprint simulate` replays: a dataset version's held-out rows or a bundled file,
 * as they are (`--drift none`), of species the served model never saw (`--drift species`), or with one
 * feature shifted (`--drift season`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SporeprintError } from '../../core/index.js';
import { getSchema, parseSpeciesTable, type SchemaName } from '../../data/index.js';
import type { CliContext } from './context.js';
import {
  applySeasonDrift,
  describeSeasonDrift,
  type SeasonDriftOptions,
  seasonDrift,
} from './traffic-drift.js';
import { type LabelledRecord, labelledRecords, servedModel } from './traffic-simulator.js';

const FILES: Record<SchemaName, string> = {
  secondary: 'secondary_data.csv',
  classic: 'agaricus-lepiota.data',
};

/** Which rows, and which drift. */
export interface ReplayOptions {
  readonly url: string;
  readonly rows: 'held-out' | 'all';
  /** Dataset version of the held-out rows (absent: latest). */
  readonly from?: string;
  readonly dataset?: SchemaName;
  readonly drift: 'none' | 'species' | 'season';
  readonly season: SeasonDriftOptions;
}

function usage(message: string): SporeprintError {
  return new SporeprintError('SP_ERR_USAGE', message);
}

/** Refuses option combinations that do not go together, before anything is read. */
function checkCombination(o: ReplayOptions): void {
  if (o.drift !== 'season') {
    const given = (
      [
        ['--drift-feature', o.season.feature],
        ['--drift-factor', o.season.factor],
        ['--drift-to', o.season.to],
        ['--drift-share', o.season.share],
      ] as const
    ).find(([, v]) => v !== undefined);
    if (given !== undefined) throw usage(`${given[0]} applies to --drift season (got --drift ${o.drift})`);
  }
  if (o.rows === 'held-out' && o.dataset !== undefined) {
    throw usage(
      '--dataset names a bundled file, replayed with --rows all; held-out rows come from a dataset version (--from)',
    );
  }
  if (o.drift === 'species' && (o.rows === 'all' || o.from !== undefined)) {
    throw usage(
      `--drift species replays held-out rows of the dataset version the served model was trained on; drop ${
        o.rows === 'all' ? '--rows all' : '--from'
      }`,
    );
  }
}

/** The rows to replay, with the drift applied; writes one line on stderr saying what is sent. */
export async function recordsToReplay(
  ctx: CliContext,
  o: ReplayOptions,
  random: () => number = Math.random,
): Promise<readonly LabelledRecord[]> {
  checkCombination(o);
  if (o.drift === 'species') return unseenSpecies(ctx, o.url);
  const { records, schemaName } = await plainRecords(ctx, o);
  if (o.drift === 'none') return records;
  const drift = seasonDrift(getSchema(schemaName), o.season);
  const drifted = applySeasonDrift(records, drift, random);
  ctx.stderr.write(`${describeSeasonDrift(drift, drifted, records.length)}\n`);
  return drifted.records;
}

async function plainRecords(
  ctx: CliContext,
  o: ReplayOptions,
): Promise<{ records: readonly LabelledRecord[]; schemaName: SchemaName }> {
  if (o.rows === 'all') {
    const dataset = o.dataset ?? 'secondary';
    return {
      records: labelledRecords(await readFile(join(ctx.dataDir, FILES[dataset]), 'utf8'), dataset),
      schemaName: dataset,
    };
  }
  const services = await ctx.openServices();
  try {
    const heldOut = await services.etl.heldOutRecords(o.from ?? 'latest');
    ctx.stderr.write(
      `replaying the ${heldOut.records.length} held-out rows of dataset version ${heldOut.datasetId} (${heldOut.schemaName})\n`,
    );
    return { records: heldOut.records, schemaName: heldOut.schemaName as SchemaName };
  } finally {
    await services.close();
  }
}

/** Held-out rows of species absent from the training data of every version the server answers with. */
async function unseenSpecies(ctx: CliContext, url: string): Promise<readonly LabelledRecord[]> {
  const served = await servedModel(url);
  const services = await ctx.openServices();
  try {
    const datasetIds: string[] = [];
    for (const v of served.versions) {
      datasetIds.push((await services.registry.version(served.modelName, v)).datasetId);
    }
    const unseen = await services.etl.unseenSpeciesRecords(datasetIds[0], datasetIds.slice(1));
    const names = await speciesNames(ctx, unseen.species);
    ctx.stderr.write(
      `species drift: sending ${unseen.records.length} rows of ${unseen.species.length} species that ${served.modelName} v${served.versions.join(', v')} never saw in training (test split of dataset version ${unseen.datasetId}, split ${unseen.splitKind}): ${names}\n`,
    );
    return unseen.records;
  } finally {
    await services.close();
  }
}

/** "Fly Agaric, Panther Cap, … and 20 more" from the bundled primary_data.csv (indexes if unreadable). */
async function speciesNames(ctx: CliContext, species: readonly number[]): Promise<string> {
  let label = (i: number): string => `#${i}`;
  try {
    const table = parseSpeciesTable(await readFile(join(ctx.dataDir, 'primary_data.csv'), 'utf8'));
    label = (i) => table[i]?.name ?? `#${i}`;
  } catch {
    // the indexes say it too
  }
  const shown = species.slice(0, 5).map(label).join(', ');
  return species.length > 5 ? `${shown} and ${species.length - 5} more` : shown;
}
