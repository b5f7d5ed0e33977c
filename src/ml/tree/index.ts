export {
  DecisionTreeClassifier,
  type DecisionTreeJSON,
  type DecisionTreeParams,
} from './decision-tree.js';
export type { PruningPath } from './prune.js';
export { DECISION_TREE_SCHEMA } from './schema.js';
export { LEAF_PROBA_CLIP } from './to-tree-arrays.js';
