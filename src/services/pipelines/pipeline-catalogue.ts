/**
 * The pipelines and task kinds a process knows: the built-in ones (the `retrain` pipeline and its
 * kinds) and those of the user modules named by `SPOREPRINT_PIPELINE_MODULES` (loaded by main/).
 */
import { SporeprintError } from '../../core/index.js';
import {
  checkPipelineSpec,
  type PipelinePlan,
  type PipelineSpec,
  planPipeline,
} from '../../pipeline/index.js';
import type { PipelineModule, TaskHandler } from './pipeline-service-types.js';

/** A module of pipelines with where it came from (a file path, or `built-in`), for messages. */
export interface CatalogueModule {
  readonly source: string;
  readonly module: PipelineModule;
  /**
   * Checks of a pipeline's parameters beyond their types (e.g. a share in (0, 1)), by pipeline name:
   * each returns the problems (empty when fine).
   */
  readonly paramChecks?: Readonly<Record<string, (params: PipelinePlan['params']) => readonly string[]>>;
}

/** What the catalogue lists of one pipeline. */
export interface PipelineSummary {
  readonly name: string;
  readonly description: string | null;
  readonly source: string;
  readonly params: PipelineSpec['params'];
  readonly tasks: readonly {
    readonly id: string;
    readonly kind: string;
    readonly dependsOn: readonly string[];
  }[];
}

/**
 * Pipelines by name and task handlers by kind, from several modules. A name or kind defined twice,
 * or a module that does not have the shape of a {@link PipelineModule}, is `SP_ERR_CONFIG` naming
 * the module.
 */
export class PipelineCatalogue {
  readonly #pipelines = new Map<string, { spec: PipelineSpec; source: string }>();
  readonly #handlers = new Map<string, { handler: TaskHandler; source: string }>();
  readonly #checks = new Map<string, (params: PipelinePlan['params']) => readonly string[]>();

  constructor(modules: readonly CatalogueModule[]) {
    for (const m of modules) this.#add(m);
    // every spec checked once all kinds are known (a module may use another's kinds)
    for (const [name, { spec, source }] of this.#pipelines) {
      try {
        checkPipelineSpec(spec, { knownKinds: this.kinds() });
      } catch (e) {
        throw new SporeprintError(
          'SP_ERR_CONFIG',
          `pipeline module ${source}: pipeline "${name}" is invalid: ${(e as Error).message}`,
          { module: source, pipeline: name },
        );
      }
    }
  }

  #add({ source, module, paramChecks }: CatalogueModule): void {
    const bad = (what: string) =>
      new SporeprintError('SP_ERR_CONFIG', `pipeline module ${source}: ${what}`, { module: source });
    if (typeof module !== 'object' || module === null) throw bad('does not export an object');
    const { pipelines = [], tasks = {} } = module;
    if (!Array.isArray(pipelines)) throw bad('`pipelines` must be an array of pipeline specs');
    if (typeof tasks !== 'object' || tasks === null || Array.isArray(tasks)) {
      throw bad('`tasks` must be an object of task handlers by kind');
    }
    if (pipelines.length === 0 && Object.keys(tasks).length === 0) {
      throw bad('exports neither `pipelines` nor `tasks`');
    }
    for (const [kind, handler] of Object.entries(tasks)) {
      if (typeof handler !== 'function') throw bad(`task kind "${kind}" is not a function`);
      const other = this.#handlers.get(kind);
      if (other !== undefined) throw bad(`task kind "${kind}" is already defined by ${other.source}`);
      this.#handlers.set(kind, { handler, source });
    }
    for (const spec of pipelines as readonly PipelineSpec[]) {
      const name = (spec as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || name === '') throw bad('a pipeline spec has no name');
      const other = this.#pipelines.get(name);
      if (other !== undefined) throw bad(`pipeline "${name}" is already defined by ${other.source}`);
      this.#pipelines.set(name, { spec, source });
      const check = paramChecks?.[name];
      if (check !== undefined) this.#checks.set(name, check);
    }
  }

  /** The pipeline names, sorted. */
  names(): string[] {
    return [...this.#pipelines.keys()].sort();
  }

  /** Every pipeline with its parameters and tasks, sorted by name. */
  list(): PipelineSummary[] {
    return this.names().map((name) => {
      const { spec, source } = this.#pipelines.get(name) as { spec: PipelineSpec; source: string };
      return {
        name,
        description: spec.description ?? null,
        source,
        params: spec.params ?? {},
        tasks: (spec.tasks ?? []).map((t) => ({ id: t.id, kind: t.kind, dependsOn: t.dependsOn ?? [] })),
      };
    });
  }

  /** The spec of pipeline `name`; `SP_ERR_NOT_FOUND` naming it and the known ones. */
  get(name: string): PipelineSpec {
    const found = this.#pipelines.get(name);
    if (found === undefined) {
      throw new SporeprintError(
        'SP_ERR_NOT_FOUND',
        `unknown pipeline "${name}" (known: ${this.names().join(', ') || 'none'})`,
        { pipeline: name, known: this.names() },
      );
    }
    return found.spec;
  }

  /** The task kinds with a handler. */
  kinds(): ReadonlySet<string> {
    return new Set(this.#handlers.keys());
  }

  /** The handler of task kind `kind`; `SP_ERR_NOT_FOUND` naming the known kinds. */
  handler(kind: string): TaskHandler {
    const found = this.#handlers.get(kind);
    if (found === undefined) {
      throw new SporeprintError(
        'SP_ERR_NOT_FOUND',
        `unknown task kind "${kind}" (known: ${[...this.#handlers.keys()].sort().join(', ')})`,
        { kind },
      );
    }
    return found.handler;
  }

  /**
   * Validates `spec` (a pipeline of the catalogue, or one given to check) with `params` into a plan:
   * `SP_ERR_PIPELINE_SPEC` listing every problem, including those of the pipeline's own checks.
   */
  plan(spec: PipelineSpec, params: Readonly<Record<string, unknown>>): PipelinePlan {
    const plan = planPipeline(spec, params, { knownKinds: this.kinds() });
    const check =
      this.#pipelines.get(plan.pipeline)?.spec === spec ? this.#checks.get(plan.pipeline) : undefined;
    const problems = check?.(plan.params) ?? [];
    if (problems.length > 0) {
      throw new SporeprintError('SP_ERR_PIPELINE_SPEC', `pipeline ${plan.pipeline}: ${problems.join('; ')}`, {
        specProblems: [...problems],
      });
    }
    return plan;
  }
}
