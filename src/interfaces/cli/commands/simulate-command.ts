import { type Command, InvalidArgumentError, Option } from 'commander';
import { SporeprintError } from '../../../core/index.js';
import type { SchemaName } from '../../../data/index.js';
import type { CliContext } from '../context.js';
import { toJson } from '../format.js';
import { recordsToReplay } from '../simulate-records.js';
import { DEFAULT_DRIFT_FACTOR, DEFAULT_DRIFT_SHARE } from '../traffic-drift.js';
import { type SimulationSummary, simulateTraffic } from '../traffic-simulator.js';

/** A number option within [min, max] (integers only when `integer`). */
function numberIn(name: string, min: number, max: number, integer = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(
        `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got '${v}'`,
      );
    return n;
  };
}

/** A finite number above 0. */
function positiveFinite(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive finite number, got '${v}'`);
    return n;
  };
}

/** A share in (0, 1]. */
function shareIn(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !(n > 0 && n <= 1))
      throw new InvalidArgumentError(`${name} must be a number in (0, 1], got '${v}'`);
    return n;
  };
}

function parseUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError(`expected the server's URL (http://host:port), got '${v}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidArgumentError(`expected an http:// or https:// URL, got '${v}'`);
  return v.replace(/\/+$/, '');
}

/** One line: time, requests, errors, labels, answers per arm. */
function progressLine(s: SimulationSummary, durationS: number): string {
  const arms = Object.entries(s.arms)
    .map(([a, n]) => `${a} ${n}`)
    .join(' · ');
  return `${Math.min(s.elapsedS, durationS).toFixed(1)}/${durationS} s  requests ${s.requests}  answered ${s.answered}  errors ${s.errors}  labels ${s.labelsSent}  arms: ${arms || '-'}`;
}

interface SimulateOpts {
  url: string;
  rate: number;
  duration: number;
  clients: number;
  labelDelay: number;
  labelShare: number;
  rows: 'held-out' | 'all';
  from?: string;
  dataset?: SchemaName;
  drift: 'none' | 'species' | 'season';
  driftFeature?: string;
  driftFactor?: number;
  driftTo?: string;
  driftShare?: number;
  key?: string;
  json?: boolean;
}

/** `sporeprint simulate`. */
export function registerSimulateCommand(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description(
      'Replay labelled mushrooms (the held-out rows of a dataset version, or a bundled file) through a running API (POST /v1/predict as --clients clients), then post their true labels as feedback after --label-delay: watch an experiment reach its decision',
    )
    .requiredOption('--url <url>', 'the server, e.g. http://127.0.0.1:8080', parseUrl)
    .requiredOption('--rate <rps>', 'requests per second (0.1-10000)', numberIn('--rate', 0.1, 10_000))
    .requiredOption('--duration <s>', 'seconds of traffic (1-86400)', numberIn('--duration', 1, 86_400))
    .option(
      '--clients <n>',
      'distinct X-Client-Id values (1-10000000)',
      numberIn('--clients', 1, 1e7, true),
      1000,
    )
    .option(
      '--label-delay <s>',
      'seconds before a label is sent (0-86400)',
      numberIn('--label-delay', 0, 86_400),
      5,
    )
    .option('--label-share <share>', 'share of answers labelled (0-1)', numberIn('--label-share', 0, 1), 0.3)
    .addOption(
      new Option(
        '--rows <which>',
        'held-out: the test split of a dataset version in the database (--from); all: every row of the bundled file (--dataset)',
      )
        .choices(['held-out', 'all'])
        .default('held-out'),
    )
    .option('--from <dataset-version>', 'dataset version whose held-out rows are replayed (default latest)')
    .addOption(
      new Option('--dataset <name>', 'bundled file replayed with --rows all (default secondary)').choices([
        'secondary',
        'classic',
      ]),
    )
    .addOption(
      new Option(
        '--drift <kind>',
        "none: the rows as they are; species: held-out rows of species the served model never saw in training (needs a model trained on a species split); season: the rows with one feature's distribution shifted (--drift-feature)",
      )
        .choices(['none', 'species', 'season'])
        .default('none'),
    )
    .option(
      '--drift-feature <name>',
      'the feature --drift season shifts (default: the first numeric feature, cap-diameter on the secondary data)',
    )
    .option(
      '--drift-factor <x>',
      `--drift season: multiply a numeric feature by x (default ${DEFAULT_DRIFT_FACTOR})`,
      positiveFinite('--drift-factor'),
    )
    .option(
      '--drift-to <code>',
      '--drift season: the code a categorical feature is set to, e.g. u (urban) for habitat',
    )
    .option(
      '--drift-share <share>',
      `--drift season: share of the rows whose categorical value becomes --drift-to, in (0, 1] (default ${DEFAULT_DRIFT_SHARE})`,
      shareIn('--drift-share'),
    )
    .option('--key <secret>', 'API key (when the server requires one)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: SimulateOpts) => {
      const records = await recordsToReplay(ctx, {
        url: opts.url,
        rows: opts.rows,
        from: opts.from,
        dataset: opts.dataset,
        drift: opts.drift,
        season: {
          feature: opts.driftFeature,
          factor: opts.driftFactor,
          to: opts.driftTo,
          share: opts.driftShare,
        },
      });
      const tty = ctx.stderr.isTTY === true && ctx.progress;
      let last = 0;
      const summary = await simulateTraffic(
        {
          url: opts.url,
          rate: opts.rate,
          durationS: opts.duration,
          clients: opts.clients,
          labelDelayS: opts.labelDelay,
          labelShare: opts.labelShare,
          key: opts.key,
          records,
        },
        (s) => {
          // a line redrawn on a terminal; one line every 5 s otherwise
          const now = performance.now();
          if (tty) ctx.stderr.write(`\r${progressLine(s, opts.duration)}`);
          else if (now - last >= 5000) ctx.stderr.write(`${progressLine(s, opts.duration)}\n`);
          else return;
          last = now;
        },
      );
      if (tty) ctx.stderr.write('\n');
      ctx.stdout.write(opts.json ? toJson(summary) : summaryText(summary));
      if (summary.answered === 0) {
        throw new SporeprintError(
          'SP_ERR_NOT_READY',
          `no prediction was answered by ${opts.url}: ${summary.errorSamples[0] ?? 'no request sent'}`,
        );
      }
    });
}

function summaryText(s: SimulationSummary): string {
  return [
    `requests ${s.requests} in ${s.elapsedS.toFixed(1)} s (${(s.requests / Math.max(s.elapsedS, 1e-9)).toFixed(1)}/s): answered ${s.answered}, errors ${s.errors}`,
    `answers per arm: ${
      Object.entries(s.arms)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ') || '-'
    }`,
    `labels sent ${s.labelsSent}, label errors ${s.labelErrors}`,
    ...s.errorSamples.map((e) => `  error: ${e}`),
    '',
  ].join('\n');
}
