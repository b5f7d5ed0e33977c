import type { Command } from 'commander';
import type { BinaryMetrics } from '../../../ml/index.js';
import type { ModelMetrics } from '../../../services/index.js';
import type { CliContext, CliServices } from '../context.js';
import { int, pct, table, toJson } from '../format.js';

/** A recorded training run, as the runs service gives it. */
type Run = Awaited<ReturnType<CliServices['runs']['get']>>;

const f4 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4));

/** `sporeprint runs list|show|compare`. */
export function registerRunsCommand(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('Training runs recorded by `sporeprint train`');
  runs
    .command('list')
    .description('List runs, newest first')
    .option('--dataset <id>', 'only runs on this dataset version')
    .option('--json', 'print JSON')
    .action(async (opts: { dataset?: string; json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const list = await services.runs.list({ datasetId: opts.dataset });
        ctx.stdout.write(opts.json ? toJson(list) : runListText(list));
      } finally {
        await services.close();
      }
    });
  runs
    .command('show')
    .description('Show one run: parameters, metrics per split, durations, artifact')
    .argument('<id>', 'run id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const run = await services.runs.get(id);
        ctx.stdout.write(opts.json ? toJson(run) : runText(run));
      } finally {
        await services.close();
      }
    });
  runs
    .command('compare')
    .description('Compare runs side by side (test split metrics and CV)')
    .argument('<ids...>', 'two or more run ids')
    .option('--json', 'print JSON')
    .action(async (ids: string[], opts: { json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const list = await Promise.all(ids.map((id) => services.runs.get(id)));
        ctx.stdout.write(opts.json ? toJson(list) : comparisonText(list));
      } finally {
        await services.close();
      }
    });
}

/** `runs list`: one line per run with its test metrics. */
function runListText(list: readonly Run[]): string {
  if (list.length === 0) return 'No runs yet: run `sporeprint train`.\n';
  return `${table([
    ['run', 'started (UTC)', 'model', 'dataset', 'status', 'recall(p)', 'false-edible', 'accuracy'],
    ...list.map((r) => {
      const test = (r.metrics as ModelMetrics | null | undefined)?.test;
      return [
        r.id,
        r.startedAt.toISOString().replace('T', ' ').slice(0, 19),
        r.modelKind,
        r.datasetId,
        r.status,
        f4(test?.recall),
        test ? int(test.falseEdible) : '-',
        test ? pct(test.accuracy, 3) : '-',
      ];
    }),
  ])}\n`;
}

/** `runs show`: parameters, metrics per split, policy, calibration, warnings. */
function runText(run: Run): string {
  const m = run.metrics as ModelMetrics | null;
  const lines = [
    `Run ${run.id} (${run.status}) — ${run.modelKind} on ${run.datasetId}`,
    `  model name ${run.modelName} · code ${run.codeVersion} · started ${run.startedAt.toISOString()}`,
    `  params ${JSON.stringify(run.params)}`,
    `  artifact ${run.artifactSha256 ?? '-'} (${run.artifactBytes ? int(run.artifactBytes) : '-'} bytes)`,
    `  durations ${Object.entries((run.durations as Record<string, number>) ?? {})
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`)
      .join(', ')}`,
  ];
  if (run.error) lines.push(`  error: ${run.error}`);
  if (m) {
    lines.push('');
    lines.push(
      table([
        ['split', 'recall(p)', 'false-edible', 'accuracy', 'precision', 'ROC AUC', 'log loss', 'n'],
        ...(['train', 'validation', 'test'] as const).map((k) => {
          const b: BinaryMetrics = m[k];
          return [
            k,
            f4(b.recall),
            b.falseEdible,
            pct(b.accuracy, 3),
            f4(b.precision),
            f4(b.rocAuc),
            f4(b.logLoss),
            b.n,
          ];
        }),
      ]),
    );
    lines.push('');
    lines.push(
      `Policy: edible if p < ${m.policy.edibleBelow.toPrecision(4)}, poisonous if p ≥ ${m.policy.poisonousAtOrAbove.toPrecision(
        4,
      )}; on test ${pct(m.policy.test.uncertainShare)} uncertain, ${m.policy.test.falseEdible} false-edible`,
    );
    lines.push('');
    lines.push('Calibration on test (reliability):');
    lines.push(
      table([
        ['bin', 'count', 'mean predicted', 'observed poisonous'],
        ...m.calibration.map((c) => [
          `${c.lower.toFixed(1)}–${c.upper.toFixed(1)}`,
          c.count,
          c.meanPredicted === null ? '-' : c.meanPredicted.toFixed(3),
          c.observedRate === null ? '-' : c.observedRate.toFixed(3),
        ]),
      ]),
    );
  }
  for (const w of run.warnings ?? []) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

/** `runs compare`: the runs side by side. */
function comparisonText(list: readonly Run[]): string {
  const metric = (label: string, get: (m: ModelMetrics) => string): string[] => [
    label,
    ...list.map((r) => (r.metrics ? get(r.metrics as ModelMetrics) : '-')),
  ];
  return `${table([
    ['', ...list.map((r) => r.id)],
    ['model', ...list.map((r) => r.modelKind)],
    ['dataset', ...list.map((r) => r.datasetId)],
    metric('test recall(p)', (m) => f4(m.test.recall)),
    metric('test false-edible', (m) => int(m.test.falseEdible)),
    metric('test accuracy', (m) => pct(m.test.accuracy, 3)),
    metric('test ROC AUC', (m) => f4(m.test.rocAuc)),
    metric('test log loss', (m) => f4(m.test.logLoss)),
    metric('policy uncertain share', (m) => pct(m.policy.test.uncertainShare)),
    metric('policy false-edible', (m) => int(m.policy.test.falseEdible)),
    metric('CV accuracy', (m) => (m.cv ? pct(m.cv.accuracyMean, 3) : '-')),
    metric('species CV accuracy', (m) => (m.groupCv ? pct(m.groupCv.accuracyMean, 3) : '-')),
    ['fit s', ...list.map((r) => (((r.durations as Record<string, number>)?.fitMs ?? 0) / 1000).toFixed(2))],
  ])}\n`;
}
