import { describe, expect, it } from 'vitest';
import type { PipelinePrediction } from '../../../ml/index.js';
import { outputJson } from '../output-json.js';

const base: PipelinePrediction = {
  decision: 'poisonous',
  probability: 0.9871234567,
  rawScore: 4.3,
  novelty: 0.125,
  reason: null,
};

/** What the log stored before: the output object through JSON.stringify. */
const viaStringify = (p: PipelinePrediction, warnings: readonly string[]): string =>
  JSON.stringify({
    decision: p.decision,
    probability: p.probability,
    novelty: p.novelty,
    reason: p.reason,
    warnings,
  });

describe('outputJson', () => {
  it('is exactly JSON.stringify of the output object, for every shape of answer', () => {
    const cases: [PipelinePrediction, string[]][] = [
      [base, []],
      [{ ...base, decision: 'edible', probability: 0, novelty: null }, []],
      [{ ...base, probability: 1, novelty: 1e-7 }, ['cap-diameter = 900 is far above the training range']],
      [
        { ...base, decision: 'uncertain', reason: 'unlike any species seen in training: "novel" \\ \u0001' },
        ['a "quoted" warning', 'second ✓'],
      ],
      [{ ...base, probability: 5e-324, novelty: 123456789.5 }, []],
    ];
    for (const [p, warnings] of cases) {
      const text = outputJson(p, warnings);
      expect(text).toBe(viaStringify(p, warnings));
      expect(JSON.parse(text)).toEqual(JSON.parse(viaStringify(p, warnings)));
    }
  });
});
