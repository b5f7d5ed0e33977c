export {
  DecisionPolicy,
  type DecisionPolicyJSON,
  type DecisionPolicyOptions,
  type DecisionPolicyReport,
} from './decision-policy.js';
