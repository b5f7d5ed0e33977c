import { randomBytes } from 'node:crypto';
import { isSporeprintError, SporeprintError } from '../../core/index.js';
import type {
  ArmMetrics,
  ExperimentArm,
  ExperimentEvent,
  ExperimentListFilter,
  ExperimentRecord,
  ExperimentStatus,
} from '../../storage/index.js';
import { concludedFiguresText } from './experiment-figures.js';
import type {
  ActorAndReason,
  CheckOutcome,
  ConcludeOptions,
  ConcludeResult,
  CreateExperimentInput,
  ExperimentAnalysisResult,
  ExperimentDecision,
  ExperimentServiceDeps,
  ExperimentView,
  ShadowDisagreement,
} from './experiment-service-types.js';
import {
  checkArms,
  checkArmVersions,
  checkSettings,
  checkText,
  checkWeights,
} from './experiment-validation.js';

/** The history action and the status each decision of the analysis leads to. */
const DECISION_EFFECT: Readonly<
  Record<Exclude<ExperimentDecision['action'], 'continue'>, { action: string; to: ExperimentStatus }>
> = {
  'stop-guardrail': { action: 'guardrail-stop', to: 'stopped' },
  'pause-srm': { action: 'srm-pause', to: 'paused' },
  'stop-max-duration': { action: 'max-duration-stop', to: 'stopped' },
  'stop-significant': { action: 'significance-stop', to: 'stopped' },
};

/** The actor of changes the periodic check makes. */
export const SYSTEM_ACTOR = 'system';

/**
 * A/B experiments between versions of a registered model: draft → running ⇄ paused → stopped →
 * concluded, every change recorded with actor and reason in an append-only history. Illegal changes
 * reject with `SP_ERR_EXPERIMENT_STATE` naming the state, bad input with `SP_ERR_BAD_PARAM` naming the
 * field; either way nothing changes. At most one experiment runs per model.
 *
 * @example
 * const e = await service.create({ modelName: 'sporeprint-secondary', actor: 'alice',
 *   arms: [{ version: 3, role: 'control' }, { version: 4, role: 'challenger' }] });
 * await service.start(e.id, { actor: 'alice', reason: 'v4 has the new features' });
 */
export class ExperimentService {
  readonly #d: ExperimentServiceDeps;

  constructor(deps: ExperimentServiceDeps) {
    this.#d = deps;
  }

  /** Validates and stores a draft (`create` event). */
  async create(input: CreateExperimentInput): Promise<ExperimentRecord> {
    const arms = namedArms(input.arms);
    checkArms(arms);
    const settings = checkSettings(input.settings);
    const assignment = input.assignment ?? 'client';
    if (assignment !== 'client' && assignment !== 'request') {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `assignment "${String(assignment)}" is invalid: expected client or request`,
      );
    }
    const description = checkText('description', input.description);
    const reason = checkText('reason', input.reason);
    const { versions } = await this.#d.registry.show(input.modelName);
    checkArmVersions(input.modelName, arms, versions);
    const created = await this.#d.experiments.create({
      id: input.id ?? `exp-${randomBytes(6).toString('hex')}`,
      modelName: input.modelName,
      description,
      assignment,
      arms,
      settings,
      createdBy: input.actor,
      reason,
      at: this.#now(),
    });
    await this.#changed(created, 'create');
    return created;
  }

  /** draft or paused → running; refused while another experiment runs on the model. */
  async start(id: string, by: ActorAndReason): Promise<ExperimentRecord> {
    await this.#checkVersionsStillServable(id);
    return this.#move(id, ['draft', 'paused'], 'running', 'start', by);
  }

  /** running → paused: traffic goes back to Production. */
  pause(id: string, by: ActorAndReason): Promise<ExperimentRecord> {
    return this.#move(id, ['running'], 'paused', 'pause', by);
  }

  /** paused → running. */
  async resume(id: string, by: ActorAndReason): Promise<ExperimentRecord> {
    await this.#checkVersionsStillServable(id);
    return this.#move(id, ['paused'], 'running', 'resume', by);
  }

  /** draft, running or paused → stopped (final for traffic; conclude picks the winner). */
  stop(id: string, by: ActorAndReason): Promise<ExperimentRecord> {
    return this.#move(id, ['draft', 'running', 'paused'], 'stopped', 'stop', by);
  }

  /**
   * New weights for some arms (others keep theirs), while draft, running or paused. Units keep their
   * arm where the new ranges allow (see the router's assignment).
   */
  async setWeights(
    id: string,
    weights: Readonly<Record<string, number>>,
    by: ActorAndReason,
  ): Promise<ExperimentRecord> {
    const current = await this.#d.experiments.get(id);
    const names = new Set(current.arms.map((a) => a.name));
    const unknown = Object.keys(weights).filter((n) => !names.has(n));
    if (unknown.length > 0 || Object.keys(weights).length === 0) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        unknown.length > 0
          ? `Experiment ${id} has no arm named ${unknown.join(', ')} (arms: ${[...names].join(', ')})`
          : `Give at least one arm's weight (arms: ${[...names].join(', ')})`,
      );
    }
    const arms: ExperimentArm[] = current.arms.map((a) =>
      a.name in weights ? { ...a, weight: weights[a.name] } : a,
    );
    checkWeights(arms);
    const updated = await this.#d.experiments.updateArms({
      id,
      arms,
      from: ['draft', 'running', 'paused'],
      action: 'weights',
      actor: by.actor,
      reason: checkText('reason', by.reason),
      details: { from: weightsOf(current.arms), to: weightsOf(arms) },
      at: this.#now(),
    });
    await this.#changed(updated, 'weights');
    return updated;
  }

  /**
   * stopped → concluded: promotes the winner's version to Production through the registry (its
   * quality gate applies; a blocked promotion leaves the experiment stopped) with the experiment's
   * figures in the registry history, then records the conclusion.
   */
  async conclude(id: string, options: ConcludeOptions): Promise<ConcludeResult> {
    const experiment = await this.#d.experiments.get(id);
    if (experiment.status !== 'stopped') {
      throw new SporeprintError(
        'SP_ERR_EXPERIMENT_STATE',
        `Cannot conclude experiment ${id}: it is ${experiment.status} (only possible when stopped${experiment.status === 'concluded' ? '' : '; stop it first'})`,
        { experimentId: id, status: experiment.status },
      );
    }
    const view = await this.#view(experiment);
    const winner = pickWinner(experiment, options.winner, view.analysis);
    const reason = checkText('reason', options.reason);
    const { versions } = await this.#d.registry.show(experiment.modelName);
    const inProduction = versions.find((v) => v.version === winner.version)?.stage === 'Production';
    const figures = concludedFiguresText(experiment, winner, view.metrics);
    const promotion = inProduction
      ? null
      : await this.#d.registry.promote(experiment.modelName, winner.version, {
          actor: options.actor,
          reason: `${reason ? `${reason}; ` : ''}${figures}`,
          force: options.force,
        });
    const concluded = await this.#d.experiments.transition({
      id,
      from: ['stopped'],
      to: 'concluded',
      action: 'conclude',
      actor: options.actor,
      reason: reason ?? `winner ${winner.name} (v${winner.version})`,
      winner: winner.name,
      details: {
        winner,
        promoted: promotion !== null,
        metrics: view.metrics,
        decision: view.analysis?.decision ?? null,
      },
      at: this.#now(),
    });
    await this.#changed(concluded, 'conclude');
    return { experiment: concluded, winner, promotion };
  }

  /** The experiment with its per-arm figures and analysis (when the service has them). */
  async show(id: string): Promise<ExperimentView> {
    return this.#view(await this.#d.experiments.get(id));
  }

  /** Experiments, newest first; naming an unknown model is `SP_ERR_NOT_FOUND`. */
  async list(filter?: ExperimentListFilter): Promise<ExperimentRecord[]> {
    if (filter?.modelName !== undefined) await this.#d.registry.show(filter.modelName);
    return this.#d.experiments.list(filter);
  }

  /** The append-only history, oldest first. */
  history(id: string): Promise<ExperimentEvent[]> {
    return this.#d.experiments.history(id);
  }

  /**
   * Analyses a running experiment and applies the decision: stops it on a harmful challenger
   * (guardrail), on significance or past its maximum duration, pauses it on a sample ratio mismatch;
   * the figures go into the history. Idempotent: several servers may check at once, one applies.
   */
  async check(id: string): Promise<CheckOutcome> {
    const experiment = await this.#d.experiments.get(id);
    if (experiment.status !== 'running') {
      return {
        experimentId: id,
        action: 'continue',
        applied: false,
        reason: `not running (${experiment.status})`,
      };
    }
    const view = await this.#view(experiment);
    const decision = view.analysis?.decision ?? this.#durationDecision(experiment);
    if (decision.action === 'continue') {
      return { experimentId: id, action: 'continue', applied: false, reason: decision.reason };
    }
    const effect = DECISION_EFFECT[decision.action];
    try {
      const changed = await this.#d.experiments.transition({
        id,
        from: ['running'],
        to: effect.to,
        action: effect.action,
        actor: SYSTEM_ACTOR,
        reason: decision.reason,
        details: { decision, metrics: view.metrics },
        at: this.#now(),
      });
      await this.#changed(changed, effect.action);
      return { experimentId: id, action: decision.action, applied: true, reason: decision.reason };
    } catch (e) {
      // another process applied a decision (or a user paused it) first
      if (isSporeprintError(e) && e.code === 'SP_ERR_EXPERIMENT_STATE') {
        return { experimentId: id, action: decision.action, applied: false, reason: e.message };
      }
      throw e;
    }
  }

  /** {@link check} on every running experiment; one failing does not stop the others. */
  async checkRunning(): Promise<CheckOutcome[]> {
    const outcomes: CheckOutcome[] = [];
    for (const e of await this.#d.experiments.allRunning()) {
      try {
        outcomes.push(await this.check(e.id));
      } catch (err) {
        outcomes.push({
          experimentId: e.id,
          action: 'error',
          applied: false,
          reason: (err as Error).message,
        });
      }
    }
    return outcomes;
  }

  // ---- internals ------------------------------------------------------------------------------

  #now(): Date {
    return this.#d.now?.() ?? new Date();
  }

  async #move(
    id: string,
    from: readonly ExperimentStatus[],
    to: ExperimentStatus,
    action: string,
    by: ActorAndReason,
  ): Promise<ExperimentRecord> {
    const changed = await this.#d.experiments.transition({
      id,
      from,
      to,
      action,
      actor: by.actor,
      reason: checkText('reason', by.reason),
      at: this.#now(),
    });
    await this.#changed(changed, action);
    return changed;
  }

  async #changed(experiment: ExperimentRecord, action: string): Promise<void> {
    try {
      await this.#d.onChange?.(experiment, action);
    } catch {
      // the change has committed; listeners also poll
    }
  }

  /** Versions archived since the experiment was created cannot serve: refuse to (re)start. */
  async #checkVersionsStillServable(id: string): Promise<void> {
    const e = await this.#d.experiments.get(id);
    const { versions } = await this.#d.registry.show(e.modelName);
    checkArmVersions(e.modelName, e.arms, versions);
  }

  async #view(experiment: ExperimentRecord): Promise<ExperimentView> {
    const metrics: ArmMetrics[] | null = this.#d.metrics ? await this.#d.metrics(experiment) : null;
    const analysis =
      metrics !== null && this.#d.analyze ? this.#d.analyze(experiment, metrics, this.#now()) : null;
    return { experiment, metrics, analysis, disagreement: await this.#disagreement(experiment) };
  }

  async #disagreement(experiment: ExperimentRecord): Promise<ShadowDisagreement[] | null> {
    const table = this.#d.disagreement;
    if (table === undefined) return null;
    const control = experiment.arms.find((a) => a.role === 'control');
    if (control === undefined) return null;
    const shadows = experiment.arms.filter((a) => a.role === 'shadow');
    return Promise.all(
      shadows.map(async (s) => ({
        arm: s.name,
        control: control.name,
        cells: await table(experiment.id, control.name, s.name),
      })),
    );
  }

  /** Without an analysis: stop past the maximum duration, else continue. */
  #durationDecision(e: ExperimentRecord): ExperimentDecision {
    const hours = e.settings.maxDurationHours;
    if (hours === null || e.startedAt === null)
      return { action: 'continue', reason: 'no analysis configured' };
    const ran = (this.#now().getTime() - e.startedAt.getTime()) / 3_600_000;
    return ran >= hours
      ? {
          action: 'stop-max-duration',
          reason: `ran ${ran.toFixed(1)} h, the maximum is ${hours} h`,
          figures: { hours: ran },
        }
      : { action: 'continue', reason: `ran ${ran.toFixed(1)} h of at most ${hours} h` };
  }
}

/** Arms with default names (control, challenger, challenger-2, shadow, …) and weights (1, shadows 0). */
function namedArms(input: CreateExperimentInput['arms']): ExperimentArm[] {
  if (!Array.isArray(input)) throw new SporeprintError('SP_ERR_BAD_PARAM', 'arms must be a list');
  const counts: Record<string, number> = {};
  return input.map((a) => {
    counts[a.role] = (counts[a.role] ?? 0) + 1;
    const name = a.name ?? (counts[a.role] === 1 ? a.role : `${a.role}-${counts[a.role]}`);
    return { name, version: a.version, role: a.role, weight: a.weight ?? (a.role === 'shadow' ? 0 : 1) };
  });
}

function weightsOf(arms: readonly ExperimentArm[]): Record<string, number> {
  return Object.fromEntries(arms.map((a) => [a.name, a.weight]));
}

/** The arm named by the user, else the analysis's significant winner; refused when neither names one. */
function pickWinner(
  e: ExperimentRecord,
  named: string | undefined,
  analysis: ExperimentAnalysisResult | null,
): ExperimentArm {
  const name =
    named ?? (analysis?.decision.action === 'stop-significant' ? analysis.decision.arm : undefined);
  if (name === undefined) {
    throw new SporeprintError(
      'SP_ERR_USAGE',
      `Experiment ${e.id} has no significant winner${analysis ? ` (${analysis.decision.reason})` : ''}: name the winning arm (${e.arms.map((a) => a.name).join(', ')}); naming the control keeps Production as it is`,
      { experimentId: e.id },
    );
  }
  const arm = e.arms.find((a) => a.name === name);
  if (arm === undefined) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `Experiment ${e.id} has no arm named ${name} (arms: ${e.arms.map((a) => a.name).join(', ')})`,
    );
  }
  return arm;
}
