export { type TreeShapOptions, type TreeShapResult, treeShap } from './tree-shap.js';
