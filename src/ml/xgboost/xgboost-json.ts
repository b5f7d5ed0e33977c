import { type FeatureInfo, SporeprintError } from '../../core/index.js';
import { float32CutToThreshold, GradientBoostingClassifier } from '../gbt/index.js';
import type { TreeArrays } from '../tree-arrays.js';
import { TreeArraysBuilder } from '../tree-arrays-builder.js';

/** The XGBoost release whose JSON model format is written. */
export const XGBOOST_FORMAT_VERSION = [1, 7, 4] as const;

const ROOT_PARENT = 2147483647;

/** The shortest decimal that reads back as the float32 of `x` (XGBoost's string parameters parse ≤ 9 digits). */
function shortestFloat32(x: number): string {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

function fail(path: string, msg: string): never {
  throw new SporeprintError('SP_ERR_MODEL_FORMAT', `XGBoost model: ${path} ${msg}`, { path });
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Record<string, unknown>;
}

function arr(v: unknown, path: string, n: number): unknown[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  if (n >= 0 && v.length !== n) fail(path, `has ${v.length} entries, expected ${n}`);
  return v;
}

function nums(v: unknown, path: string, n: number, allowNull = false): number[] {
  const a = arr(v, path, n);
  return a.map((x, i) => {
    if (x === null && allowNull) return Number.NaN;
    if (typeof x !== 'number') fail(`${path}/${i}`, 'must be a number');
    return x;
  });
}

function ints(v: unknown, path: string, n: number): number[] {
  const a = nums(v, path, n);
  a.forEach((x, i) => {
    if (!Number.isInteger(x)) fail(`${path}/${i}`, 'must be an integer');
  });
  return a;
}

function numString(v: unknown, path: string): number {
  const s = typeof v === 'string' ? v.replace(/^\[|\]$/g, '') : v;
  const x = typeof s === 'number' ? s : typeof s === 'string' && s.trim() !== '' ? Number(s) : Number.NaN;
  if (!Number.isFinite(x)) fail(path, `must be a number (as a string), got ${JSON.stringify(v)}`);
  return x;
}

/**
 * Parses the text of an XGBoost JSON model. XGBoost writes the bare tokens `NaN` and `Infinity` (e.g. in
 * `split_conditions` of categorical nodes), which `JSON.parse` rejects: outside strings they become
 * `null`, which {@link fromXGBoostJSON} accepts where XGBoost ignores the value.
 */
export function parseXGBoostJSON(text: string): unknown {
  const cleaned = text.replace(/"(?:[^"\\]|\\.)*"|-?\b(?:NaN|Infinity)\b/g, (m) =>
    m.startsWith('"') ? m : 'null',
  );
  try {
    return JSON.parse(cleaned) as unknown;
  } catch (e) {
    throw new SporeprintError('SP_ERR_MODEL_FORMAT', `XGBoost model: not JSON (${(e as Error).message})`, {
      path: '/',
    });
  }
}

function importTree(t: Record<string, unknown>, path: string, nFeatures: number): TreeArrays {
  const tp = obj(t.tree_param, `${path}/tree_param`);
  const n = numString(tp.num_nodes, `${path}/tree_param/num_nodes`);
  if (!Number.isInteger(n) || n < 1) fail(`${path}/tree_param/num_nodes`, 'must be a positive integer');
  if (
    tp.size_leaf_vector !== undefined &&
    numString(tp.size_leaf_vector, `${path}/tree_param/size_leaf_vector`) > 1
  ) {
    fail(`${path}/tree_param/size_leaf_vector`, 'is unsupported (vector leaves)');
  }
  const left = ints(t.left_children, `${path}/left_children`, n);
  const right = ints(t.right_children, `${path}/right_children`, n);
  const featureIdx = ints(t.split_indices, `${path}/split_indices`, n);
  const cond = nums(t.split_conditions, `${path}/split_conditions`, n, true);
  const dl = ints(t.default_left, `${path}/default_left`, n);
  const st =
    t.split_type === undefined ? new Array<number>(n).fill(0) : ints(t.split_type, `${path}/split_type`, n);
  const hess = nums(t.sum_hessian, `${path}/sum_hessian`, n);
  const loss = nums(t.loss_changes, `${path}/loss_changes`, n);
  const catNodes =
    t.categories_nodes === undefined ? [] : ints(t.categories_nodes, `${path}/categories_nodes`, -1);
  const nc = catNodes.length;
  const cats = t.categories === undefined ? [] : ints(t.categories, `${path}/categories`, -1);
  const segs = nc === 0 ? [] : ints(t.categories_segments, `${path}/categories_segments`, nc);
  const sizes = nc === 0 ? [] : ints(t.categories_sizes, `${path}/categories_sizes`, nc);
  const catOf = new Map<number, number[]>();
  catNodes.forEach((node, k) => {
    const s = segs[k];
    const z = sizes[k];
    if (s < 0 || z < 0 || s + z > cats.length) fail(`${path}/categories_segments/${k}`, 'is out of range');
    const set = cats.slice(s, s + z);
    if (set.some((c) => c < 0 || c >= 1 << 24)) fail(`${path}/categories`, 'holds an invalid category');
    catOf.set(node, set);
  });
  // Breadth-first renumbering of the reachable nodes (drops deleted nodes, rejects cycles).
  const order: number[] = [0];
  const seen = new Uint8Array(n);
  seen[0] = 1;
  for (let q = 0; q < order.length; q++) {
    const i = order[q];
    if (left[i] === -1 && right[i] === -1) continue;
    for (const [name, c] of [
      ['left_children', left[i]],
      ['right_children', right[i]],
    ] as const) {
      if (c < 0 || c >= n || seen[c] === 1) fail(`${path}/${name}/${i}`, `is an invalid child ${c}`);
      seen[c] = 1;
      order.push(c);
    }
  }
  const m = order.length;
  const id = new Int32Array(n).fill(-1);
  order.forEach((old, k) => {
    id[old] = k;
  });
  const out = new TreeArraysBuilder(m);
  for (let k = 0; k < m; k++) {
    const i = order[k];
    if (left[i] === -1) {
      if (!Number.isFinite(cond[i])) fail(`${path}/split_conditions/${i}`, 'must be a finite leaf value');
      out.leaf(k, Math.fround(cond[i]), hess[i]);
      continue;
    }
    const f = featureIdx[i];
    if (f < 0 || f >= nFeatures)
      fail(`${path}/split_indices/${i}`, `is feature ${f}, outside [0, ${nFeatures})`);
    let set: number[] | null = null;
    if (st[i] === 1) {
      set = catOf.get(i) ?? fail(`${path}/categories_nodes`, `lacks categorical node ${i}`);
    } else if (st[i] === 0) {
      if (!Number.isFinite(cond[i])) fail(`${path}/split_conditions/${i}`, 'must be a finite split value');
    } else {
      fail(`${path}/split_type/${i}`, `is unsupported split type ${st[i]}`);
    }
    out.split(k, 0, hess[i], {
      left: id[left[i]],
      right: id[right[i]],
      feature: f,
      defaultLeft: dl[i] !== 0,
      threshold: set === null ? float32CutToThreshold(cond[i]) : 0,
      // the file does not say how many categories a feature has: the set's largest code sizes the bitset
      categories: set === null ? null : { codes: set, count: set.length === 0 ? 0 : Math.max(...set) + 1 },
      gain: loss[i],
    });
  }
  return out.build();
}

/**
 * Loads a model saved by XGBoost (`Booster.save_model("m.json")`, format 1.x) as a predict-only
 * {@link GradientBoostingClassifier} that reproduces XGBoost's predictions: float32 thresholds compared
 * with float32 features, float32 leaf values and float32 margin accumulation.
 *
 * Supported: `gbtree` booster, `binary:logistic` (or `reg:logistic`) objective, numeric (`q`, `float`,
 * `int`, `i`) and categorical (`c`) features. Anything else throws SP_ERR_MODEL_FORMAT naming it.
 * Parse the file text with {@link parseXGBoostJSON} (XGBoost writes bare `NaN` tokens).
 */
export function fromXGBoostJSON(json: unknown): GradientBoostingClassifier {
  const root = obj(json, '/');
  const learner = obj(root.learner, '/learner');
  const objective = obj(learner.objective, '/learner/objective');
  if (objective.name !== 'binary:logistic' && objective.name !== 'reg:logistic') {
    fail('/learner/objective/name', `is unsupported objective ${JSON.stringify(objective.name)}`);
  }
  const lmp = obj(learner.learner_model_param, '/learner/learner_model_param');
  const baseScore = numString(lmp.base_score, '/learner/learner_model_param/base_score');
  if (!(baseScore > 0 && baseScore < 1)) fail('/learner/learner_model_param/base_score', 'must be in (0, 1)');
  const nFeatures = numString(lmp.num_feature, '/learner/learner_model_param/num_feature');
  if (lmp.num_class !== undefined && numString(lmp.num_class, '/learner/learner_model_param/num_class') > 1) {
    fail('/learner/learner_model_param/num_class', 'is unsupported (multi-class)');
  }
  if (
    lmp.num_target !== undefined &&
    numString(lmp.num_target, '/learner/learner_model_param/num_target') > 1
  ) {
    fail('/learner/learner_model_param/num_target', 'is unsupported (multi-target)');
  }
  const gb = obj(learner.gradient_booster, '/learner/gradient_booster');
  if (gb.name !== 'gbtree')
    fail('/learner/gradient_booster/name', `is unsupported booster ${JSON.stringify(gb.name)}`);
  const model = obj(gb.model, '/learner/gradient_booster/model');
  const treesJson = arr(model.trees, '/learner/gradient_booster/model/trees', -1);
  const names =
    learner.feature_names === undefined
      ? Array.from({ length: nFeatures }, (_, i) => `f${i}`)
      : (arr(learner.feature_names, '/learner/feature_names', nFeatures) as unknown[]).map((s, i) => {
          if (typeof s !== 'string') fail(`/learner/feature_names/${i}`, 'must be a string');
          return s;
        });
  const types =
    learner.feature_types === undefined
      ? new Array<string>(nFeatures).fill('q')
      : (arr(learner.feature_types, '/learner/feature_types', nFeatures) as unknown[]).map((s, i) => {
          if (s !== 'q' && s !== 'c' && s !== 'float' && s !== 'int' && s !== 'i') {
            fail(`/learner/feature_types/${i}`, `is unsupported feature type ${JSON.stringify(s)}`);
          }
          return s;
        });
  const trees = treesJson.map((t, i) =>
    importTree(
      obj(t, `/learner/gradient_booster/model/trees/${i}`),
      `/learner/gradient_booster/model/trees/${i}`,
      nFeatures,
    ),
  );
  const maxCat = new Int32Array(nFeatures);
  for (const t of trees) {
    for (let i = 0; i < t.left.length; i++) {
      if (t.isCategorical[i] === 1) maxCat[t.feature[i]] = Math.max(maxCat[t.feature[i]], 32 * t.catWords[i]);
    }
  }
  const features: FeatureInfo[] = names.map((name, f) =>
    types[f] === 'c' ? { name, kind: 'categorical', categories: maxCat[f] } : { name, kind: 'numeric' },
  );
  return GradientBoostingClassifier.fromTrees({ trees, baseScore, features, marginPrecision: 'float32' });
}

/**
 * Writes a fitted {@link GradientBoostingClassifier} in XGBoost's JSON model format (version 1.7.4), loadable
 * with `xgboost.Booster(model_file="m.json")`. Trees up to `bestIteration` are written; thresholds and
 * leaf values become float32 (thresholds exactly: ours are float32 cuts in float64 form).
 */
export function toXGBoostJSON(model: GradientBoostingClassifier): Record<string, unknown> {
  const trees = model.trees;
  const features = model.features;
  const nf = features.length;
  const eta = model.getParams().eta;
  const out = trees.map((t, id) => {
    const n = t.left.length;
    const parents = new Array<number>(n).fill(ROOT_PARENT);
    for (let i = 0; i < n; i++) {
      if (t.left[i] !== -1) {
        parents[t.left[i]] = i;
        parents[t.right[i]] = i;
      }
    }
    const categories: number[] = [];
    const catNodes: number[] = [];
    const segments: number[] = [];
    const sizes: number[] = [];
    const splitConditions: number[] = [];
    const baseWeights: number[] = [];
    for (let i = 0; i < n; i++) {
      baseWeights.push(Math.fround(t.value[i] / eta));
      if (t.left[i] === -1) splitConditions.push(Math.fround(t.value[i]));
      else if (t.isCategorical[i] === 0) splitConditions.push(Math.fround(t.threshold[i]));
      else {
        splitConditions.push(0);
        catNodes.push(i);
        segments.push(categories.length);
        const before = categories.length;
        for (let c = 0; c < 32 * t.catWords[i]; c++) {
          if ((t.catBits[t.catOffset[i] + (c >>> 5)] & (1 << (c & 31))) !== 0) categories.push(c);
        }
        sizes.push(categories.length - before);
      }
    }
    const leafZero = (a: ArrayLike<number>, i: number): number => (t.left[i] === -1 ? 0 : a[i]);
    return {
      base_weights: baseWeights,
      categories,
      categories_nodes: catNodes,
      categories_segments: segments,
      categories_sizes: sizes,
      default_left: Array.from(t.defaultLeft, (v, i) => (t.left[i] === -1 ? 0 : v)),
      id,
      left_children: Array.from(t.left),
      loss_changes: Array.from(t.gain, (_, i) => Math.fround(leafZero(t.gain, i))),
      parents,
      right_children: Array.from(t.right),
      split_conditions: splitConditions,
      split_indices: Array.from(t.feature, (v, i) => (t.left[i] === -1 ? 0 : v)),
      split_type: Array.from(t.isCategorical, (v, i) => (t.left[i] === -1 ? 0 : v)),
      sum_hessian: Array.from(t.cover, (v) => Math.fround(v)),
      tree_param: {
        num_deleted: '0',
        num_feature: String(nf),
        num_nodes: String(n),
        size_leaf_vector: '0',
      },
    };
  });
  return {
    learner: {
      attributes: {},
      feature_names: features.map((f) => f.name),
      feature_types: features.map((f) => (f.kind === 'categorical' ? 'c' : 'q')),
      gradient_booster: {
        model: {
          gbtree_model_param: {
            num_parallel_tree: '1',
            num_trees: String(out.length),
            size_leaf_vector: '0',
          },
          tree_info: new Array<number>(out.length).fill(0),
          trees: out,
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: shortestFloat32(model.baseScore),
        boost_from_average: '0',
        num_class: '0',
        num_feature: String(nf),
        num_target: '1',
      },
      objective: { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [...XGBOOST_FORMAT_VERSION],
  };
}

const FLOAT_ARRAYS = new Set(['base_weights', 'loss_changes', 'split_conditions', 'sum_hessian']);

function floatText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  const s = String(x);
  return /[.eE]/.test(s) || !Number.isFinite(x) ? s : `${s}.0`;
}

/**
 * Serialises {@link toXGBoostJSON} output as XGBoost's loader expects it: its JSON reader is typed, so
 * the float arrays (`split_conditions`, `base_weights`, `sum_hessian`, `loss_changes`) must be written as
 * floats (`1.0`, not `1`). Write this string to `model.json` and load it with `xgb.Booster(model_file=…)`.
 */
export function stringifyXGBoostJSON(json: object): string {
  const text = JSON.stringify(json, (key, value: unknown) =>
    FLOAT_ARRAYS.has(key) && Array.isArray(value)
      ? value.map((v) => `\u0000f${floatText(v as number)}`)
      : value,
  );
  return text.replace(/"\\u0000f([^"]*)"/g, '$1');
}
