import { type Command, InvalidArgumentError } from 'commander';
import { isSporeprintError, SporeprintError } from '../../../core/index.js';
import type { GateVerdict } from '../../../services/index.js';
import type { CliContext } from '../context.js';
import { toJson } from '../format.js';
import {
  renderArtifactChecks,
  renderComparison,
  renderGate,
  renderHistory,
  renderModelDetails,
  renderModelList,
  renderPromotion,
  renderTransition,
  renderVersion,
} from '../render-models.js';
import { withServices } from '../with-services.js';

function parseVersion(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a version number (1, 2, …), got '${value}'`);
  }
  return Number(value);
}

function parseStage(value: string): 'Production' | 'Staging' {
  const v = value.toLowerCase();
  if (v === 'production') return 'Production';
  if (v === 'staging') return 'Staging';
  throw new InvalidArgumentError(`expected Production or Staging, got '${value}'`);
}

function parseTime(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`expected an ISO time, got '${value}'`);
  return d;
}

interface Common {
  json?: boolean;
  actor?: string;
  reason?: string;
}

/** `--force` overrides a registry rule; the reason is required because the history records it. */
function requireReasonWithForce(opts: { force?: boolean; reason?: string }): void {
  if (opts.force && !opts.reason?.trim()) {
    throw new SporeprintError('SP_ERR_USAGE', '--force needs --reason "…" (it is recorded in the history)');
  }
}

/** `--reason` and `--actor`, recorded in the history of every registry change. */
function recordedOptions(command: Command, actorHelp = 'who (default: the OS user name)'): Command {
  return command
    .option('--reason <text>', 'why (recorded in the history)')
    .option('--actor <who>', actorHelp);
}

/** `--tag key=value` values as a record. */
function parseTags(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of values) {
    const i = t.indexOf('=');
    if (i <= 0) throw new SporeprintError('SP_ERR_USAGE', `--tag expects key=value, got '${t}'`);
    tags[t.slice(0, i)] = t.slice(i + 1);
  }
  return tags;
}

/** `models list`. */
function addList(models: Command, ctx: CliContext): void {
  models
    .command('list')
    .description('Registered models with their latest and Production versions')
    .option('--json', 'print JSON')
    .action((opts: Common) =>
      withServices(ctx, async (s) => {
        const list = await s.registry.list();
        return opts.json ? toJson(list) : renderModelList(list);
      }),
    );
}

/** `models show <name> [--version n]`. */
function addShow(models: Command, ctx: CliContext): void {
  models
    .command('show')
    .description("A model's versions, or one version in full")
    .argument('<name>', 'registered model name')
    .option('--version <n>', 'show this version', parseVersion)
    .option('--json', 'print JSON')
    .action((name: string, opts: Common & { version?: number }) =>
      withServices(ctx, async (s) => {
        if (opts.version !== undefined) {
          const v = await s.registry.version(name, opts.version);
          return opts.json ? toJson(v) : renderVersion(v);
        }
        const d = await s.registry.show(name);
        return opts.json ? toJson(d) : renderModelDetails(d);
      }),
    );
}

/** `models register <run-id>`. */
function addRegister(models: Command, ctx: CliContext): void {
  models
    .command('register')
    .description('Register a succeeded training run as a new model version')
    .argument('<run-id>', 'training run id (see `sporeprint runs list`)')
    .option('--model-name <name>', "registered model name (default: the run's, sporeprint-<schema>)")
    .option('--description <text>', 'description of the version')
    .option(
      '--tag <key=value>',
      'a tag (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--actor <who>', 'author (default: the OS user name)')
    .option('--json', 'print JSON')
    .action((runId: string, opts: Common & { modelName?: string; description?: string; tag: string[] }) => {
      const tags = parseTags(opts.tag);
      return withServices(ctx, async (s) => {
        const v = await s.registry.register(runId, {
          modelName: opts.modelName,
          description: opts.description,
          tags,
          author: opts.actor ?? ctx.defaultActor(),
        });
        return opts.json ? toJson(v) : `Registered ${v.modelName} v${v.version} (run ${v.runId})\n`;
      });
    });
}

/** `models promote <name> <version>`: through the quality gate, whose verdict is shown when it blocks. */
function addPromote(models: Command, ctx: CliContext): void {
  type PromoteOpts = Common & { stage: 'Production' | 'Staging'; force?: boolean };
  recordedOptions(
    models
      .command('promote')
      .description('Promote a version to Production (through the quality gate) or Staging')
      .argument('<name>', 'registered model name')
      .argument('<version>', 'version number', parseVersion)
      .option('--stage <stage>', 'Production or Staging', parseStage, 'Production' as const)
      .option('--force', 'override a failed quality gate or an archived version (needs --reason)'),
  )
    .option('--json', 'print JSON')
    .action(async (name: string, version: number, opts: PromoteOpts) => {
      requireReasonWithForce(opts);
      await withServices(ctx, async (s) => {
        try {
          const r = await s.registry.promote(name, version, {
            stage: opts.stage,
            actor: opts.actor ?? ctx.defaultActor(),
            reason: opts.reason,
            force: opts.force === true,
          });
          return opts.json ? toJson(r) : renderPromotion(r);
        } catch (e) {
          writeGateVerdict(ctx, e, opts.json === true);
          throw e;
        }
      });
    });
}

/** When `e` is a blocked promotion, writes the gate's verdict (JSON on stdout, else a table on stderr). */
function writeGateVerdict(ctx: CliContext, e: unknown, json: boolean): void {
  if (!isSporeprintError(e) || e.code !== 'SP_ERR_QUALITY_GATE') return;
  const verdict = e.details?.verdict as GateVerdict | undefined;
  if (verdict === undefined) return;
  if (json) ctx.stdout.write(toJson({ promoted: false, gate: verdict }));
  else ctx.stderr.write(renderGate(verdict));
}

/** `models alias <name> <alias> [version] [--remove]`. */
function addAlias(models: Command, ctx: CliContext): void {
  recordedOptions(
    models
      .command('alias')
      .description('Point an alias (e.g. champion) at a version, or remove it with --remove')
      .argument('<name>', 'registered model name')
      .argument('<alias>', 'alias name')
      .argument('[version]', 'version number', parseVersion)
      .option('--remove', 'remove the alias'),
  )
    .option('--json', 'print JSON')
    .action(
      (name: string, alias: string, version: number | undefined, opts: Common & { remove?: boolean }) => {
        if (opts.remove === (version !== undefined)) {
          throw new SporeprintError(
            'SP_ERR_USAGE',
            'give either a version to point the alias at, or --remove',
          );
        }
        return withServices(ctx, async (s) => {
          const actor = opts.actor ?? ctx.defaultActor();
          if (version === undefined) {
            await s.registry.removeAlias(name, alias, actor, opts.reason);
            return opts.json
              ? toJson({ model: name, alias, removed: true })
              : `Removed alias ${alias} of ${name}\n`;
          }
          const v = await s.registry.alias(name, alias, version, actor, opts.reason);
          return opts.json ? toJson(v) : `${name}@${alias} → v${v.version} (${v.stage})\n`;
        });
      },
    );
}

/** `models rollback <name>`. */
function addRollback(models: Command, ctx: CliContext): void {
  recordedOptions(
    models
      .command('rollback')
      .description('Return Production to the previously promoted version')
      .argument('<name>', 'registered model name'),
  )
    .option('--json', 'print JSON')
    .action((name: string, opts: Common) =>
      withServices(ctx, async (s) => {
        const r = await s.registry.rollback(name, opts.actor ?? ctx.defaultActor(), opts.reason);
        return opts.json ? toJson(r) : renderTransition('Rolled back to', r);
      }),
    );
}

/** `models archive <name> <version>`: the Production version only with `--force --reason`. */
function addArchive(models: Command, ctx: CliContext): void {
  recordedOptions(
    models
      .command('archive')
      .description('Archive a version (the Production version only with --force: promote another first)')
      .argument('<name>', 'registered model name')
      .argument('<version>', 'version number', parseVersion)
      .option('--force', 'archive the Production version, leaving none (needs --reason)'),
  )
    .option('--json', 'print JSON')
    .action((name: string, version: number, opts: Common & { force?: boolean }) => {
      requireReasonWithForce(opts);
      return withServices(ctx, async (s) => {
        const r = await s.registry.archive(name, version, {
          actor: opts.actor ?? ctx.defaultActor(),
          reason: opts.reason,
          force: opts.force === true,
        });
        return opts.json ? toJson(r) : renderTransition(opts.force ? 'FORCED: Archived' : 'Archived', r);
      });
    });
}

/** `models history <name> [--at time] [--version n]`. */
function addHistory(models: Command, ctx: CliContext): void {
  models
    .command('history')
    .description('The append-only history; with --at, which version was in Production at that time')
    .argument('<name>', 'registered model name')
    .option('--at <time>', 'ISO time, e.g. 2026-05-01T12:00:00Z', parseTime)
    .option('--version <n>', 'only events of this version', parseVersion)
    .option('--json', 'print JSON')
    .action((name: string, opts: Common & { at?: Date; version?: number }) =>
      withServices(ctx, async (s) => {
        if (opts.at !== undefined) {
          const v = await s.registry.productionAt(name, opts.at);
          if (opts.json) return toJson({ model: name, at: opts.at.toISOString(), productionVersion: v });
          return `${name} at ${opts.at.toISOString()}: ${v === null ? 'no version in Production' : `v${v} in Production`}\n`;
        }
        const events = await s.registry.history(name, { version: opts.version });
        return opts.json ? toJson(events) : renderHistory(name, events);
      }),
    );
}

/** `models compare <name> <v1> <v2>`. */
function addCompare(models: Command, ctx: CliContext): void {
  models
    .command('compare')
    .description('Metric deltas and decision disagreements of two versions on the same test rows')
    .argument('<name>', 'registered model name')
    .argument('<v1>', 'first version', parseVersion)
    .argument('<v2>', 'second version', parseVersion)
    .option('--json', 'print JSON')
    .action((name: string, v1: number, v2: number, opts: Common) =>
      withServices(ctx, async (s) => {
        const c = await s.registry.compare(name, v1, v2);
        return opts.json ? toJson(c) : renderComparison(c);
      }),
    );
}

/**
 * `models verify [name]`: every registered version's artifact loaded as a server loads it; the
 * checks on stdout, and exit 1 naming the failed versions (the first failure's code) when any fails.
 */
function addVerify(models: Command, ctx: CliContext): void {
  models
    .command('verify')
    .description(
      "Check every registered version's artifact: present, matching its SHA-256, a loadable model (after a restore)",
    )
    .argument('[name]', 'only this registered model')
    .option('--json', 'print JSON')
    .action((name: string | undefined, opts: Common) =>
      withServices(ctx, async (s) => {
        const checks = await s.registry.verifyArtifacts(name);
        const failed = checks.filter((c) => !c.ok);
        ctx.stdout.write(
          opts.json ? toJson({ ok: failed.length === 0, checks }) : renderArtifactChecks(checks),
        );
        if (failed.length > 0) {
          const first = failed[0];
          throw new SporeprintError(
            first.code ?? 'SP_ERR_ARTIFACT_CORRUPT',
            `${failed.length} of ${checks.length} registered version(s) failed verification: ` +
              failed.map((c) => `${c.model} v${c.version} (${c.code})`).join(', '),
            { failed: failed.map((c) => ({ model: c.model, version: c.version, code: c.code })) },
          );
        }
        return '';
      }),
    );
}

/** `sporeprint models …`: the model registry, one function per subcommand. */
export function registerModelsCommand(program: Command, ctx: CliContext): void {
  const models = program
    .command('models')
    .description('The model registry: versions, stages, aliases, quality gate, history, rollback');
  for (const add of [
    addList,
    addShow,
    addRegister,
    addPromote,
    addAlias,
    addRollback,
    addArchive,
    addHistory,
    addCompare,
    addVerify,
  ]) {
    add(models, ctx);
  }
}
