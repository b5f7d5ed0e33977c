import { type Command, InvalidArgumentError } from 'commander';
import { SporeprintError } from '../../../core/index.js';
import type { ArmInput, ExperimentSettings, ExperimentStatus } from '../../../services/index.js';
import type { CliContext } from '../context.js';
import { toJson } from '../format.js';
import {
  renderChange,
  renderChecks,
  renderConclusion,
  renderExperiment,
  renderExperimentHistory,
  renderExperimentList,
  renderExperimentView,
} from '../render-experiments.js';
import { withServices } from '../with-services.js';

interface Common {
  json?: boolean;
  actor?: string;
  reason?: string;
}

const ARM = /^(?:([a-z0-9][a-z0-9_-]{0,31})=)?(\d{1,9})(?::(\d+(?:\.\d+)?))?$/;
const STATUSES: readonly ExperimentStatus[] = ['draft', 'running', 'paused', 'stopped', 'concluded'];

/** `[name=]version[:weight]` of a role, collected in order. */
function armParser(role: ArmInput['role']) {
  return (value: string, acc: ArmInput[] = []): ArmInput[] => {
    const m = ARM.exec(value);
    if (m === null || Number(m[2]) < 1) {
      throw new InvalidArgumentError(
        `expected [name=]version[:weight], e.g. 4 or 4:25 or fast=4:25, got '${value}'`,
      );
    }
    const weight = m[3] === undefined ? undefined : Number(m[3]);
    if (role === 'shadow' && weight !== undefined && weight !== 0) {
      throw new InvalidArgumentError(`a shadow serves no traffic: give no weight, got '${value}'`);
    }
    return [
      ...acc,
      {
        role,
        version: Number(m[2]),
        ...(m[1] ? { name: m[1] } : {}),
        ...(weight === undefined ? {} : { weight }),
      },
    ];
  };
}

/** `control=50,challenger=50`. */
function parseWeights(value: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const part of value.split(',')) {
    const m = /^([a-z0-9][a-z0-9_-]{0,31})=(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (m === null)
      throw new InvalidArgumentError(
        `expected arm=weight[,arm=weight…], e.g. control=50,challenger=50, got '${part}'`,
      );
    weights[m[1]] = Number(m[2]);
  }
  return weights;
}

function numberParser(what: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${what} from ${min} to ${max}, got '${value}'`);
    }
    return n;
  };
}

function choiceParser<T extends string>(allowed: readonly T[]) {
  return (value: string): T => {
    if (!allowed.includes(value as T))
      throw new InvalidArgumentError(`expected ${allowed.join(', ')}, got '${value}'`);
    return value as T;
  };
}

/** `--reason`, `--actor` and `--json`. */
function recorded(command: Command): Command {
  return command
    .option('--reason <text>', 'why (recorded in the history)')
    .option('--actor <who>', 'who (default: the OS user name)')
    .option('--json', 'print JSON');
}

type CreateOpts = Common & {
  model?: string;
  id?: string;
  description?: string;
  control?: ArmInput[];
  challenger?: ArmInput[];
  shadow?: ArmInput[];
  assign?: 'client' | 'request';
  engine?: ExperimentSettings['engine'];
  primaryMetric?: ExperimentSettings['primaryMetric'];
  sequential?: boolean;
  alpha?: number;
  minLabelled?: number;
  maxHours?: number;
  guardrailMargin?: number;
};

/** The settings given on the command line (the service fills in the defaults). */
function settingsOf(o: CreateOpts): Partial<ExperimentSettings> {
  const s: { -readonly [K in keyof ExperimentSettings]?: ExperimentSettings[K] } = {};
  if (o.engine !== undefined) s.engine = o.engine;
  if (o.primaryMetric !== undefined) s.primaryMetric = o.primaryMetric;
  if (o.sequential !== undefined) s.sequential = o.sequential;
  if (o.alpha !== undefined) s.alpha = o.alpha;
  if (o.minLabelled !== undefined) s.minLabelledPerArm = o.minLabelled;
  if (o.maxHours !== undefined) s.maxDurationHours = o.maxHours;
  if (o.guardrailMargin !== undefined) s.guardrailMargin = o.guardrailMargin;
  return s;
}

/** `experiments create --control 3 --challenger 4[:weight] [--shadow 5]`. */
function addCreate(experiments: Command, ctx: CliContext): void {
  recorded(
    experiments
      .command('create')
      .description('Create an experiment (a draft) between versions of a registered model')
      .option('--model <name>', `registered model (default: the served model, ${ctx.modelName})`)
      .option('--id <id>', 'experiment id (default: exp-<12 hex digits>)')
      .option('--description <text>', 'what is tested')
      .option('--control <[name=]version[:weight]>', 'the control arm (once)', armParser('control'))
      .option(
        '--challenger <[name=]version[:weight]>',
        'a challenger arm (repeatable)',
        armParser('challenger'),
      )
      .option(
        '--shadow <[name=]version>',
        'a shadow arm: scores every request, never answers (repeatable)',
        armParser('shadow'),
      )
      .option(
        '--assign <unit>',
        'assignment unit: client (X-Client-Id) or request',
        choiceParser(['client', 'request'] as const),
      )
      .option(
        '--engine <engine>',
        'bayesian (default) or frequentist',
        choiceParser(['bayesian', 'frequentist'] as const),
      )
      .option(
        '--primary-metric <metric>',
        'accuracy (default), poisonous_recall or false_edible_rate',
        choiceParser(['accuracy', 'poisonous_recall', 'false_edible_rate'] as const),
      )
      .option(
        '--no-sequential',
        'fixed-horizon test instead of the default sequential one (safe to look at any time; running experiments are checked every few seconds)',
      )
      .option('--alpha <a>', 'error rate of the primary metric (0.05)', numberParser('a number', 1e-6, 0.5))
      .option(
        '--min-labelled <n>',
        'labelled predictions per arm before the primary metric decides (200)',
        numberParser('an integer', 0, 1e9),
      )
      .option('--max-hours <h>', 'stop after this many hours running', numberParser('hours', 0.001, 24 * 366))
      .option(
        '--guardrail-margin <x>',
        'tolerated increase of the false-edible rate (0)',
        numberParser('a rate', 0, 1),
      ),
  ).action((opts: CreateOpts) =>
    withServices(ctx, async (s) => {
      if ((opts.control?.length ?? 0) !== 1) {
        throw new SporeprintError('SP_ERR_USAGE', 'give exactly one --control <version>');
      }
      const e = await s.experiments.create({
        id: opts.id,
        modelName: opts.model ?? ctx.modelName,
        description: opts.description,
        assignment: opts.assign,
        arms: [...(opts.control ?? []), ...(opts.challenger ?? []), ...(opts.shadow ?? [])],
        settings: settingsOf(opts),
        actor: opts.actor ?? ctx.defaultActor(),
        reason: opts.reason,
      });
      return opts.json ? toJson(e) : `Created experiment ${e.id} (draft)\n${renderExperiment(e)}`;
    }),
  );
}

/** `experiments start|pause|resume|stop <id>`. */
function addStatusAction(action: 'start' | 'pause' | 'resume' | 'stop', description: string, verb: string) {
  return (experiments: Command, ctx: CliContext): void => {
    recorded(experiments.command(action).description(description).argument('<id>', 'experiment id')).action(
      (id: string, opts: Common) =>
        withServices(ctx, async (s) => {
          const e = await s.experiments[action](id, {
            actor: opts.actor ?? ctx.defaultActor(),
            reason: opts.reason,
          });
          return opts.json ? toJson(e) : renderChange(verb, e);
        }),
    );
  };
}

/** `experiments weights <id> --weights control=50,challenger=50`. */
function addWeights(experiments: Command, ctx: CliContext): void {
  recorded(
    experiments
      .command('weights')
      .description("Change arms' weights (other arms keep theirs)")
      .argument('<id>', 'experiment id')
      .requiredOption('--weights <arm=weight,…>', 'e.g. control=50,challenger=50', parseWeights),
  ).action((id: string, opts: Common & { weights: Record<string, number> }) =>
    withServices(ctx, async (s) => {
      const e = await s.experiments.setWeights(id, opts.weights, {
        actor: opts.actor ?? ctx.defaultActor(),
        reason: opts.reason,
      });
      return opts.json
        ? toJson(e)
        : `New weights of ${e.id}: ${e.arms.map((a) => `${a.name}=${a.weight}`).join(', ')}\n`;
    }),
  );
}

/** `experiments conclude <id> [--winner arm] [--force]`. */
function addConclude(experiments: Command, ctx: CliContext): void {
  recorded(
    experiments
      .command('conclude')
      .description("Conclude a stopped experiment: promote the winner's version through the quality gate")
      .argument('<id>', 'experiment id')
      .option('--winner <arm>', "the winning arm (default: the analysis's significant winner)")
      .option('--force', 'override a failed quality gate (needs --reason)'),
  ).action((id: string, opts: Common & { winner?: string; force?: boolean }) => {
    if (opts.force && !opts.reason?.trim()) {
      throw new SporeprintError('SP_ERR_USAGE', '--force needs --reason "…" (it is recorded in the history)');
    }
    return withServices(ctx, async (s) => {
      const r = await s.experiments.conclude(id, {
        winner: opts.winner,
        force: opts.force === true,
        actor: opts.actor ?? ctx.defaultActor(),
        reason: opts.reason,
      });
      return opts.json ? toJson(r) : renderConclusion(r);
    });
  });
}

/** `experiments show <id>`. */
function addShow(experiments: Command, ctx: CliContext): void {
  experiments
    .command('show')
    .description('An experiment with its per-arm figures and decision')
    .argument('<id>', 'experiment id')
    .option('--json', 'print JSON')
    .action((id: string, opts: Common) =>
      withServices(ctx, async (s) => {
        const v = await s.experiments.show(id);
        return opts.json ? toJson(v) : renderExperimentView(v);
      }),
    );
}

/** `experiments list [--model name] [--status s]`. */
function addList(experiments: Command, ctx: CliContext): void {
  experiments
    .command('list')
    .description('Experiments, newest first')
    .option('--model <name>', 'only experiments of this model')
    .option('--status <status>', `only in this status (${STATUSES.join(', ')})`, choiceParser(STATUSES))
    .option('--json', 'print JSON')
    .action((opts: Common & { model?: string; status?: ExperimentStatus }) =>
      withServices(ctx, async (s) => {
        const list = await s.experiments.list({
          modelName: opts.model,
          statuses: opts.status === undefined ? undefined : [opts.status],
        });
        return opts.json ? toJson(list) : renderExperimentList(list);
      }),
    );
}

/** `experiments history <id>`. */
function addHistory(experiments: Command, ctx: CliContext): void {
  experiments
    .command('history')
    .description("An experiment's append-only history")
    .argument('<id>', 'experiment id')
    .option('--json', 'print JSON')
    .action((id: string, opts: Common) =>
      withServices(ctx, async (s) => {
        const events = await s.experiments.history(id);
        return opts.json ? toJson(events) : renderExperimentHistory(id, events);
      }),
    );
}

/** `experiments check`: applies the stop rules to every running experiment once (the server does it periodically). */
function addCheck(experiments: Command, ctx: CliContext): void {
  experiments
    .command('check')
    .description('Analyse every running experiment once and apply its stop rules')
    .option('--json', 'print JSON')
    .action((opts: Common) =>
      withServices(ctx, async (s) => {
        const outcomes = await s.experiments.checkRunning();
        return opts.json ? toJson(outcomes) : renderChecks(outcomes);
      }),
    );
}

/** `sporeprint experiments …`: A/B experiments between model versions, one function per subcommand. */
export function registerExperimentsCommand(program: Command, ctx: CliContext): void {
  const experiments = program
    .command('experiments')
    .description(
      'A/B experiments between versions of a model: draft → running ⇄ paused → stopped → concluded',
    );
  for (const add of [
    addCreate,
    addStatusAction('start', 'Start a draft or paused experiment (at most one runs per model)', 'Started'),
    addStatusAction('pause', 'Pause a running experiment (traffic goes back to Production)', 'Paused'),
    addStatusAction('resume', 'Resume a paused experiment', 'Resumed'),
    addStatusAction('stop', 'Stop an experiment (then conclude it)', 'Stopped'),
    addWeights,
    addConclude,
    addShow,
    addList,
    addHistory,
    addCheck,
  ]) {
    add(experiments, ctx);
  }
}
