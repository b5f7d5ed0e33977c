/** What built-in task kinds read from their context: upstream outputs by shape, the actor of changes. */
import { SporeprintError } from '../../core/index.js';
import type { JsonValue } from '../../pipeline/index.js';
import type { TaskContext } from './pipeline-service-types.js';

/** Who registry and experiment changes of a run are recorded as. */
export const actorOf = (ctx: TaskContext): string => `sporeprint pipeline (run ${ctx.runId})`;

/**
 * The first upstream output that is an object with `field`: how a built-in kind finds what it needs
 * whatever the upstream task is called. `SP_ERR_PIPELINE_SPEC` when none has it.
 */
export function upstreamWith(ctx: TaskContext, field: string): Record<string, JsonValue> {
  for (const out of Object.values(ctx.inputs)) {
    if (typeof out === 'object' && out !== null && !Array.isArray(out) && field in out) {
      return out as Record<string, JsonValue>;
    }
  }
  throw new SporeprintError(
    'SP_ERR_PIPELINE_SPEC',
    `task ${ctx.taskId} needs an upstream task whose output has "${field}" (upstream: ${Object.keys(ctx.inputs).join(', ') || 'none'})`,
  );
}
