import type { PipelinePrediction } from '../../ml/index.js';

/**
 * The logged output of a prediction as JSON text: exactly `JSON.stringify({ decision, probability,
 * novelty, reason, warnings })` (a test checks it), without building the object.
 */
export function outputJson(
  p: Pick<PipelinePrediction, 'decision' | 'probability' | 'novelty' | 'reason'>,
  warnings: readonly string[],
): string {
  const { probability, novelty, reason } = p;
  return `{"decision":"${p.decision}","probability":${Number.isFinite(probability) ? probability : 'null'},"novelty":${
    novelty === null || !Number.isFinite(novelty) ? 'null' : novelty
  },"reason":${reason === null ? 'null' : JSON.stringify(reason)},"warnings":${
    warnings.length === 0 ? '[]' : JSON.stringify(warnings)
  }}`;
}
