/**
 * The two mushroom dataset schemas sporeprint understands: the secondary data of Wagner, Heider &
 * Hattab (2021) and the classic UCI agaricus-lepiota data of Schlimmer (1987).
 */
import { SporeprintError } from '../core/index.js';

/** The name of a known dataset schema. */
export type SchemaName = 'secondary' | 'classic';

/** One feature (column other than `class`) of a dataset schema. */
export interface FeatureSpec {
  /** Column name, lower-case, as in the file header (secondary) or the UCI `.names` file (classic). */
  readonly name: string;
  /** `nominal`: a one-letter code from `codes`; `numeric`: a real number in `range`. */
  readonly kind: 'nominal' | 'numeric';
  /** Allowed codes (lower-case) and their meanings, e.g. `x: 'convex'` (nominal only). */
  readonly codes?: Readonly<Record<string, string>>;
  /** Plausible closed range; values outside are rejected (numeric only). */
  readonly range?: { readonly min: number; readonly max: number };
  /** Unit of a numeric feature, e.g. `cm`. */
  readonly unit?: string;
}

/** A dataset schema: the feature list in file order plus how the file is laid out. */
export interface DatasetSchema {
  readonly name: SchemaName;
  /** Features in file order; the `class` column comes first in both files and is not listed here. */
  readonly features: readonly FeatureSpec[];
  readonly classCodes: { readonly e: 'edible'; readonly p: 'poisonous' };
  /** Cell values (after trimming) that mean "missing". */
  readonly missingMarkers: readonly string[];
  readonly hasHeader: boolean;
  readonly defaultDelimiter: ';' | ',';
  /** Alternative header spellings → canonical column name (lower-case). */
  readonly headerAliases?: Readonly<Record<string, string>>;
}

const CLASS_CODES = Object.freeze({ e: 'edible', p: 'poisonous' } as const);

/** The undocumented meaning given to codes found in the published file but not in its metadata. */
export const UNDOCUMENTED_CODE = 'undocumented code present in the published data';

// ---------------------------------------------------------------------------------------------
// Secondary data (data/secondary_data_meta.txt).
//
// Deviations of the published secondary_data.csv from its metadata, all accepted here so that every
// row of the bundled file validates:
//   - cap-surface contains `d` (4,432 rows), which the metadata does not list (kept as UNDOCUMENTED_CODE).
//   - stem-root contains `f` (1,059 rows); the metadata lists no `none` for stem-root, but `f` = none
//     everywhere else (and the same 1,059 rows have stem-surface/stem-color `f`), so it means none.
//   - `f` = none is documented for gill-attachment, gill-spacing, gill-color, stem-surface, stem-color,
//     veil-color, has-ring and ring-type ("see cap-color + none=f").
//   - the metadata calls column 5 `does-bruise-bleed`; the file header says `does-bruise-or-bleed`
//     (both accepted as header names).
//   - `?` = unknown is documented for gill-attachment and ring-type but never occurs; missing values are
//     empty cells. `?` stays an accepted code (meaning "unknown"), not a missing marker.
// ---------------------------------------------------------------------------------------------

const CAP_SHAPE = {
  b: 'bell',
  c: 'conical',
  x: 'convex',
  f: 'flat',
  s: 'sunken',
  p: 'spherical',
  o: 'others',
};
const SURFACE = {
  i: 'fibrous',
  g: 'grooves',
  y: 'scaly',
  s: 'smooth',
  h: 'shiny',
  l: 'leathery',
  k: 'silky',
  t: 'sticky',
  w: 'wrinkled',
  e: 'fleshy',
};
const COLOR = {
  n: 'brown',
  b: 'buff',
  g: 'gray',
  r: 'green',
  p: 'pink',
  u: 'purple',
  e: 'red',
  w: 'white',
  y: 'yellow',
  l: 'blue',
  o: 'orange',
  k: 'black',
};
const NONE = { f: 'none' };

function nominal(name: string, codes: Record<string, string>): FeatureSpec {
  return Object.freeze({ name, kind: 'nominal', codes: Object.freeze({ ...codes }) });
}

function numeric(name: string, max: number, unit: string): FeatureSpec {
  return Object.freeze({ name, kind: 'numeric', range: Object.freeze({ min: 0, max }), unit });
}

/** The secondary mushroom data: 20 features (3 numeric, 17 nominal), `;`-delimited, header, empty = missing. */
export const SECONDARY_SCHEMA: DatasetSchema = Object.freeze({
  name: 'secondary',
  features: Object.freeze([
    numeric('cap-diameter', 100, 'cm'),
    nominal('cap-shape', CAP_SHAPE),
    nominal('cap-surface', { ...SURFACE, d: UNDOCUMENTED_CODE }),
    nominal('cap-color', COLOR),
    nominal('does-bruise-or-bleed', { t: 'bruises-or-bleeding', f: 'no' }),
    nominal('gill-attachment', {
      a: 'adnate',
      x: 'adnexed',
      d: 'decurrent',
      e: 'free',
      s: 'sinuate',
      p: 'pores',
      f: 'none',
      '?': 'unknown',
    }),
    nominal('gill-spacing', { c: 'close', d: 'distant', f: 'none' }),
    nominal('gill-color', { ...COLOR, ...NONE }),
    numeric('stem-height', 100, 'cm'),
    numeric('stem-width', 300, 'mm'),
    nominal('stem-root', {
      b: 'bulbous',
      s: 'swollen',
      c: 'club',
      u: 'cup',
      e: 'equal',
      z: 'rhizomorphs',
      r: 'rooted',
      f: 'none',
    }),
    nominal('stem-surface', { ...SURFACE, ...NONE }),
    nominal('stem-color', { ...COLOR, ...NONE }),
    nominal('veil-type', { p: 'partial', u: 'universal' }),
    nominal('veil-color', { ...COLOR, ...NONE }),
    nominal('has-ring', { t: 'ring', f: 'none' }),
    nominal('ring-type', {
      c: 'cobwebby',
      e: 'evanescent',
      r: 'flaring',
      g: 'grooved',
      l: 'large',
      p: 'pendant',
      s: 'sheathing',
      z: 'zone',
      y: 'scaly',
      m: 'movable',
      f: 'none',
      '?': 'unknown',
    }),
    nominal('spore-print-color', COLOR),
    nominal('habitat', {
      g: 'grasses',
      l: 'leaves',
      m: 'meadows',
      p: 'paths',
      h: 'heaths',
      u: 'urban',
      w: 'waste',
      d: 'woods',
    }),
    nominal('season', { s: 'spring', u: 'summer', a: 'autumn', w: 'winter' }),
  ]),
  classCodes: CLASS_CODES,
  missingMarkers: Object.freeze(['']),
  hasHeader: true,
  defaultDelimiter: ';',
  headerAliases: Object.freeze({ 'does-bruise-bleed': 'does-bruise-or-bleed' }),
});

// ---------------------------------------------------------------------------------------------
// Classic UCI agaricus-lepiota data (agaricus-lepiota.names), class first, no header, `?` = missing.
// ---------------------------------------------------------------------------------------------

const CLASSIC_STALK_COLOR = {
  n: 'brown',
  b: 'buff',
  c: 'cinnamon',
  g: 'gray',
  o: 'orange',
  p: 'pink',
  e: 'red',
  w: 'white',
  y: 'yellow',
};
const CLASSIC_STALK_SURFACE = { f: 'fibrous', y: 'scaly', k: 'silky', s: 'smooth' };

/** The classic 1987 UCI mushroom data: 22 nominal features, `,`-delimited, no header, `?` = missing. */
export const CLASSIC_SCHEMA: DatasetSchema = Object.freeze({
  name: 'classic',
  features: Object.freeze([
    nominal('cap-shape', { b: 'bell', c: 'conical', x: 'convex', f: 'flat', k: 'knobbed', s: 'sunken' }),
    nominal('cap-surface', { f: 'fibrous', g: 'grooves', y: 'scaly', s: 'smooth' }),
    nominal('cap-color', {
      n: 'brown',
      b: 'buff',
      c: 'cinnamon',
      g: 'gray',
      r: 'green',
      p: 'pink',
      u: 'purple',
      e: 'red',
      w: 'white',
      y: 'yellow',
    }),
    nominal('bruises', { t: 'bruises', f: 'no' }),
    nominal('odor', {
      a: 'almond',
      l: 'anise',
      c: 'creosote',
      y: 'fishy',
      f: 'foul',
      m: 'musty',
      n: 'none',
      p: 'pungent',
      s: 'spicy',
    }),
    nominal('gill-attachment', { a: 'attached', d: 'descending', f: 'free', n: 'notched' }),
    nominal('gill-spacing', { c: 'close', w: 'crowded', d: 'distant' }),
    nominal('gill-size', { b: 'broad', n: 'narrow' }),
    nominal('gill-color', {
      k: 'black',
      n: 'brown',
      b: 'buff',
      h: 'chocolate',
      g: 'gray',
      r: 'green',
      o: 'orange',
      p: 'pink',
      u: 'purple',
      e: 'red',
      w: 'white',
      y: 'yellow',
    }),
    nominal('stalk-shape', { e: 'enlarging', t: 'tapering' }),
    nominal('stalk-root', { b: 'bulbous', c: 'club', u: 'cup', e: 'equal', z: 'rhizomorphs', r: 'rooted' }),
    nominal('stalk-surface-above-ring', CLASSIC_STALK_SURFACE),
    nominal('stalk-surface-below-ring', CLASSIC_STALK_SURFACE),
    nominal('stalk-color-above-ring', CLASSIC_STALK_COLOR),
    nominal('stalk-color-below-ring', CLASSIC_STALK_COLOR),
    nominal('veil-type', { p: 'partial', u: 'universal' }),
    nominal('veil-color', { n: 'brown', o: 'orange', w: 'white', y: 'yellow' }),
    nominal('ring-number', { n: 'none', o: 'one', t: 'two' }),
    nominal('ring-type', {
      c: 'cobwebby',
      e: 'evanescent',
      f: 'flaring',
      l: 'large',
      n: 'none',
      p: 'pendant',
      s: 'sheathing',
      z: 'zone',
    }),
    nominal('spore-print-color', {
      k: 'black',
      n: 'brown',
      b: 'buff',
      h: 'chocolate',
      r: 'green',
      o: 'orange',
      u: 'purple',
      w: 'white',
      y: 'yellow',
    }),
    nominal('population', {
      a: 'abundant',
      c: 'clustered',
      n: 'numerous',
      s: 'scattered',
      v: 'several',
      y: 'solitary',
    }),
    nominal('habitat', {
      g: 'grasses',
      l: 'leaves',
      m: 'meadows',
      p: 'paths',
      u: 'urban',
      w: 'waste',
      d: 'woods',
    }),
  ]),
  classCodes: CLASS_CODES,
  missingMarkers: Object.freeze(['?']),
  hasHeader: false,
  defaultDelimiter: ',',
  headerAliases: Object.freeze({ 'bruises?': 'bruises' }),
});

/** Every known schema by name. */
export const SCHEMAS: Readonly<Record<SchemaName, DatasetSchema>> = Object.freeze({
  secondary: SECONDARY_SCHEMA,
  classic: CLASSIC_SCHEMA,
});

/**
 * Looks a schema up by name.
 * @throws SporeprintError `SP_ERR_INPUT_SCHEMA` for an unknown name.
 */
export function getSchema(name: SchemaName): DatasetSchema {
  const s = (SCHEMAS as Record<string, DatasetSchema | undefined>)[name];
  if (!s) {
    throw new SporeprintError(
      'SP_ERR_INPUT_SCHEMA',
      `unknown dataset schema '${String(name)}'; known schemas: secondary, classic`,
    );
  }
  return s;
}

/** The column names of a schema in file order: `class` followed by the features. */
export function schemaColumns(schema: DatasetSchema): string[] {
  return ['class', ...schema.features.map((f) => f.name)];
}

/**
 * Lists a nominal feature's allowed codes with their meanings, for error messages.
 * @example describeAllowed(feature) // "b = bell, c = conical, x = convex, …"
 */
export function describeAllowed(feature: FeatureSpec): string {
  if (feature.kind === 'numeric') {
    const r = feature.range;
    return r ? `a number from ${r.min} to ${r.max}${feature.unit ? ` ${feature.unit}` : ''}` : 'a number';
  }
  const codes = feature.codes ?? {};
  return Object.keys(codes)
    .map((c) => `${c} = ${codes[c]}`)
    .join(', ');
}
