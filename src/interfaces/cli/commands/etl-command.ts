import { type Command, InvalidArgumentError, Option } from 'commander';
import { SporeprintError } from '../../../core/index.js';
import type { SchemaName } from '../../../data/index.js';
import type { CliContext } from '../context.js';
import { toJson } from '../format.js';
import { createProgress } from '../progress.js';
import { renderEtlSummary } from '../render-etl.js';

interface EtlOptions {
  source: string;
  schema: 'auto' | SchemaName;
  split: 'stratified' | 'species';
  seed?: number;
  ratios?: [number, number, number];
  invalidThreshold?: number;
  speciesFile?: string;
  includeFeedback?: boolean;
  model?: string;
  labelledBefore?: Date;
  json?: boolean;
}

/** Parses a non-negative integer option, naming the option in the error. */
export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  return Number(value);
}

function parseShare(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0 || x > 1) {
    throw new InvalidArgumentError(`expected a share between 0 and 1 (e.g. 0.01), got '${value}'`);
  }
  return x;
}

/** Parses an ISO-8601 time (`2026-05-01T12:00:00Z`), naming what is wrong with it. */
function parseTime(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(d.getTime())) {
    throw new InvalidArgumentError(`expected an ISO-8601 time such as 2026-05-01T12:00:00Z, got '${value}'`);
  }
  return d;
}

const SPLIT_NAMES = ['train', 'validation', 'test'] as const;

/**
 * Parses `--ratios train/validation/test` in percent (`70/15/15`; `,` or `:` also separate): three
 * non-negative numbers that sum to 100, none of them 0 (every split gets rows). Nothing is rescaled.
 */
function parseRatios(value: string): [number, number, number] {
  const texts = value.split(/[/,:]/).map((p) => p.trim());
  if (texts.length !== 3) {
    throw new InvalidArgumentError(
      `expected three percentages train/validation/test like 70/15/15, got ${texts.length} part${texts.length === 1 ? '' : 's'} in '${value}'`,
    );
  }
  const bad = texts.find((t) => !/^\d+(\.\d+)?$/.test(t));
  if (bad !== undefined) {
    throw new InvalidArgumentError(`'${bad}' is not a non-negative number (expected e.g. 70/15/15)`);
  }
  const parts = texts.map(Number) as [number, number, number];
  const sum = parts[0] + parts[1] + parts[2];
  if (Math.abs(sum - 100) > 1e-9) {
    throw new InvalidArgumentError(
      `the three percentages must sum to 100, got ${parts.join(' + ')} = ${Number(sum.toFixed(9))}`,
    );
  }
  const empty = SPLIT_NAMES.filter((_, i) => parts[i] === 0);
  if (empty.length > 0) {
    throw new InvalidArgumentError(
      `every split needs a share above 0, ${empty.join(' and ')} ${empty.length === 1 ? 'is' : 'are'} 0 (e.g. 70/15/15)`,
    );
  }
  const share = (x: number) => Number((x / 100).toPrecision(12)); // 33.4 → 0.334, not 0.33399999999999996
  return [share(parts[0]), share(parts[1]), share(parts[2])];
}

/** `sporeprint etl`: extract, validate, clean, encode, split and load a dataset file. */
export function registerEtlCommand(program: Command, ctx: CliContext): void {
  program
    .command('etl')
    .description(
      'Load a mushroom CSV into an immutable dataset version (extract, validate, clean, encode, split)',
    )
    .requiredOption(
      '--source <file>',
      'CSV file: the secondary (;-separated, header) or classic 1987 (comma, no header) data',
    )
    .addOption(
      new Option('--schema <schema>', 'dataset schema')
        .choices(['auto', 'secondary', 'classic'])
        .default('auto'),
    )
    .addOption(
      new Option('--split <kind>', 'stratified by class, or whole species per split (secondary data)')
        .choices(['stratified', 'species'])
        .default('stratified'),
    )
    .option('--seed <n>', 'split seed (default from config: 42)', parseSeed)
    .option(
      '--ratios <train/val/test>',
      'split percentages, summing to 100, none 0 (default 70/15/15)',
      parseRatios,
    )
    .option(
      '--invalid-threshold <share>',
      'fail when more than this share of rows is invalid (default 0.01)',
      parseShare,
    )
    .option(
      '--species-file <file>',
      'primary_data.csv for species checks (default: beside the source, else bundled)',
    )
    .option(
      '--include-feedback',
      'then make a version of it plus the labelled production records (predictions with a true label from feedback)',
    )
    .option(
      '--model <name>',
      'with --include-feedback: only predictions of this registered model (default: all)',
    )
    .option(
      '--labelled-before <time>',
      'with --include-feedback: only labels recorded before this ISO time (default: now)',
      parseTime,
    )
    .option('--json', 'print the summary as JSON')
    .action(async (opts: EtlOptions) => {
      if (!opts.includeFeedback && (opts.model !== undefined || opts.labelledBefore !== undefined)) {
        throw new SporeprintError('SP_ERR_USAGE', '--model and --labelled-before need --include-feedback');
      }
      const services = await ctx.openServices();
      const progress = createProgress(ctx.stderr, ctx.progress && !opts.json);
      try {
        const summary = await services.etl.run({
          source: opts.source,
          schema: opts.schema,
          split: opts.split,
          seed: opts.seed,
          ratios: opts.ratios
            ? { train: opts.ratios[0], validation: opts.ratios[1], test: opts.ratios[2] }
            : undefined,
          invalidThreshold: opts.invalidThreshold,
          speciesFile: opts.speciesFile,
          onProgress: (e) =>
            progress.update(e.phase, e.done, e.total, e.phase === 'reuse' ? 'rows' : 'bytes'),
        });
        if (!opts.includeFeedback) {
          progress.stop();
          ctx.stdout.write(opts.json ? toJson(summary) : renderEtlSummary(summary));
          return;
        }
        const derived = await services.etl.addFeedback({
          parent: summary.datasetId,
          modelName: opts.model,
          labelledBefore: opts.labelledBefore,
          onProgress: (e) => progress.update(e.phase, e.done, e.total, 'rows'),
        });
        progress.stop();
        const parentLine = `Parent: dataset version ${summary.datasetId} of ${summary.fileName} (${summary.status}), ${summary.rows.valid.toLocaleString('en-US')} valid rows\n`;
        ctx.stdout.write(opts.json ? toJson(derived) : parentLine + renderEtlSummary(derived));
      } finally {
        progress.stop();
        await services.close();
      }
    });
}
