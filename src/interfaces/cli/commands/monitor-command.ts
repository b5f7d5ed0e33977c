import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { SporeprintError } from '../../../core/index.js';
import { renderMonitoringReport } from '../../../reports/index.js';
import {
  type DriftSettings,
  type MonitorQuery,
  reportAlerts,
  runMonitorCheck,
} from '../../../services/index.js';
import { DRIFT_TESTS, type DriftOptions, type DriftTestName } from '../../../stats/index.js';
import type { CliContext } from '../context.js';
import { toJson } from '../format.js';
import { renderCheck, renderDrift, renderPerformance } from '../render-monitoring.js';
import { withServices } from '../with-services.js';

interface WindowOptions {
  model?: string;
  version?: string;
  from?: Date;
  to?: Date;
  last?: number;
  experiment?: string;
  arm?: string;
  json?: boolean;
}

function timeArg(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError(`expected an ISO-8601 time such as 2026-12-06T14:00:00Z, got '${value}'`);
  }
  return d;
}

function countArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a positive whole number, got '${value}'`);
  }
  return Number(value);
}

function versionArg(value: string): string {
  if (!/^(\d+|production|[a-z][a-z0-9_-]{0,63})$/i.test(value)) {
    throw new InvalidArgumentError(`expected a version number, production or an alias, got '${value}'`);
  }
  return value;
}

/** The window options every monitor subcommand takes. */
function windowed(cmd: Command): Command {
  return cmd
    .option('--model <name>', 'registered model (default: the served model)')
    .option('--version <v>', 'version number, production (default) or an alias', versionArg)
    .option('--from <time>', 'window start, ISO-8601 (rounded down to the hour)', timeArg)
    .option('--to <time>', 'window end, ISO-8601, exclusive (rounded up to the hour; default now)', timeArg)
    .option('--last <n>', 'instead of --from: the latest hours holding at least n predictions', countArg)
    .option('--experiment <id>', 'only the predictions of this experiment')
    .option('--arm <name>', 'only this arm of --experiment')
    .option('--json', 'print JSON');
}

interface DriftOptionsCli {
  test?: DriftTestName;
  numericTest?: DriftTestName;
  categoricalTest?: DriftTestName;
  featureTest?: string[];
  threshold?: number;
  driftShare?: number;
}

function testArg(value: string): DriftTestName {
  if (!(DRIFT_TESTS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${DRIFT_TESTS.join(', ')}, got '${value}'`);
  }
  return value as DriftTestName;
}

function positiveArg(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  }
  return x;
}

function shareArg(value: string): number {
  const x = positiveArg(value);
  if (x > 1) throw new InvalidArgumentError(`expected a share in (0, 1], got '${value}'`);
  return x;
}

function featureTestArg(value: string, acc: string[] = []): string[] {
  const [feature, test] = value.split('=');
  if (!feature || test === undefined) {
    throw new InvalidArgumentError(`expected <feature>=<test>, e.g. cap-diameter=ks, got '${value}'`);
  }
  testArg(test);
  return [...acc, value];
}

/** The drift settings options of drift, report and check (Evidently's defaults when absent). */
function drifting(cmd: Command): Command {
  return cmd
    .option('--test <name>', `one test for every feature (${DRIFT_TESTS.join(', ')})`, testArg)
    .option('--numeric-test <name>', 'the test of numeric features', testArg)
    .option('--categorical-test <name>', 'the test of categorical features', testArg)
    .option('--feature-test <feature=test>', 'the test of one feature (repeatable)', featureTestArg)
    .option('--threshold <x>', 'drift threshold of every feature (p-value or distance, by test)', positiveArg)
    .option('--drift-share <s>', 'dataset drift at this share of drifted features (default 0.5)', shareArg);
}

function settingsOf(o: DriftOptionsCli): DriftSettings {
  const features: Record<string, DriftOptions> = {};
  for (const ft of o.featureTest ?? []) {
    const [feature, test] = ft.split('=');
    features[feature] = { test: test as DriftTestName };
  }
  return {
    ...(o.driftShare === undefined ? {} : { share: o.driftShare }),
    all: {
      ...(o.test === undefined ? {} : { test: o.test }),
      ...(o.numericTest === undefined ? {} : { numericTest: o.numericTest }),
      ...(o.categoricalTest === undefined ? {} : { categoricalTest: o.categoricalTest }),
      ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
    },
    features,
  };
}

function query(ctx: CliContext, o: WindowOptions): MonitorQuery {
  if (o.arm !== undefined && o.experiment === undefined) {
    throw new SporeprintError('SP_ERR_USAGE', '--arm needs --experiment');
  }
  return {
    modelName: o.model ?? ctx.modelName,
    version: o.version === undefined ? undefined : /^\d+$/.test(o.version) ? Number(o.version) : o.version,
    from: o.from,
    to: o.to,
    last: o.last,
    experimentId: o.experiment,
    arm: o.arm,
  };
}

/** `sporeprint monitor drift|performance|report|check|profile`. */
export function registerMonitorCommand(program: Command, ctx: CliContext): void {
  const monitor = program
    .command('monitor')
    .description('Data drift, prediction drift, performance and reports over the prediction log');
  drifting(windowed(monitor.command('drift')))
    .description("Drift of a window's inputs and answers against the version's reference (Evidently's tests)")
    .action((o: WindowOptions & DriftOptionsCli) =>
      withServices(ctx, async (s) => {
        const r = await s.monitoring.drift(query(ctx, o), settingsOf(o));
        return o.json ? toJson(r) : renderDrift(r);
      }),
    );
  windowed(monitor.command('performance'))
    .description('Performance of the labelled predictions of a window, per hour')
    .action((o: WindowOptions) =>
      withServices(ctx, async (s) => {
        const r = await s.monitoring.performance(query(ctx, o));
        return o.json ? toJson(r) : renderPerformance(r);
      }),
    );
  drifting(windowed(monitor.command('report')))
    .description('One self-contained HTML report (verdict, drift, distributions, performance, alerts)')
    .option('--out <file>', 'write the report here (HTML; JSON with --json)')
    .action((o: WindowOptions & DriftOptionsCli & { out?: string }) =>
      withServices(ctx, async (s) => {
        if (o.out === undefined && !o.json)
          throw new SporeprintError('SP_ERR_USAGE', 'monitor report needs --out <file> (or --json)');
        const alerts = reportAlerts(await s.alerts.list());
        const q = query(ctx, o);
        // a running experiment of the model: one section per arm (unless the window is one arm already)
        const running =
          q.experimentId === undefined
            ? (await s.experiments.list({ modelName: q.modelName, statuses: ['running'] }))[0]
            : undefined;
        const experiment =
          running === undefined
            ? undefined
            : { id: running.id, arms: running.arms.map((a) => ({ name: a.name, version: a.version })) };
        const report = await s.monitoring.report(q, { alerts, experiment, settings: settingsOf(o) });
        const text = o.json ? toJson(report) : renderMonitoringReport(report);
        if (o.out === undefined) return text;
        writeFileSync(o.out, text);
        return `Wrote ${o.out}: ${report.summary.verdict.toUpperCase()}, ${report.window.rows} predictions, ${report.summary.reasons.length} reason(s)\n`;
      }),
    );
  drifting(windowed(monitor.command('check')))
    .description('One monitoring check: compute the window and evaluate the alert rules (for cron)')
    .action((o: WindowOptions & DriftOptionsCli) =>
      withServices(ctx, async (s) => {
        const q = query(ctx, o);
        const r = await runMonitorCheck(
          s,
          q.from === undefined && q.last === undefined ? { ...q, from: new Date(Date.now() - 3_600_000) } : q,
          { settings: settingsOf(o) },
        );
        return o.json ? toJson(r) : renderCheck(r);
      }),
    );
  monitor
    .command('rebuild')
    .description('Recount the roll-up from the whole prediction log (after upgrading; stop servers first)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withServices(ctx, async (s) => {
        const r = await s.monitoring.rebuild((rows) => {
          if (ctx.progress) ctx.stderr.write(`\rcounted ${rows} predictions…`);
        });
        if (ctx.progress) ctx.stderr.write('\n');
        return o.json
          ? toJson(r)
          : `Rebuilt the monitoring roll-up: ${r.predictions} predictions, ${r.counts} counts\n`;
      }),
    );
  monitor
    .command('profile')
    .description("The version's reference profile (built from its training split on first use)")
    .option('--model <name>', 'registered model (default: the served model)')
    .option('--version <v>', 'version number, production (default) or an alias', versionArg)
    .option('--json', 'print JSON')
    .action((o: { model?: string; version?: string; json?: boolean }) =>
      withServices(ctx, async (s) => {
        const v =
          o.version === undefined ? 'production' : /^\d+$/.test(o.version) ? Number(o.version) : o.version;
        const p = await s.monitoring.profile(o.model ?? ctx.modelName, v);
        if (o.json) return toJson(p);
        return `${p.modelName} v${p.modelVersion}: ${p.rows} training rows of ${p.datasetId}, ${Object.keys(p.features).length} features; test split ${p.outcomes.rows} rows, accuracy ${p.outcomes.figures.accuracy?.toFixed(3) ?? '—'}, poisonous recall ${p.outcomes.figures.poisonousRecall?.toFixed(3) ?? '—'}\n`;
      }),
    );
}
