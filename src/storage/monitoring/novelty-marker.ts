import { NOVELTY_REASON } from '../../ml/index.js';

/**
 * What a logged output holds when the unknown-species guard made the answer (the output JSON's
 * `"reason"` member; see services/serving/output-json.ts): the roll-up counts such answers as `novel`.
 */
export const NOVELTY_MARKER = `"reason":${JSON.stringify(NOVELTY_REASON)}`;
