/**
 * Every feature of both dataset schemas in plain words, for people filling a form: a label and one
 * sentence on what to look at, written from the metadata in data/ (secondary_data_meta.txt and the UCI
 * agaricus-lepiota names). The codes' meanings stay in `schemas.ts` (`FeatureSpec.codes`).
 */

/** A feature in plain words. */
export interface FeatureWords {
  /** Short label, e.g. "Cap diameter". */
  readonly label: string;
  /** What to look at, one sentence. */
  readonly help: string;
}

const WORDS: Readonly<Record<string, FeatureWords>> = {
  'cap-diameter': { label: 'Cap diameter', help: 'Width of the cap across its widest point.' },
  'cap-shape': { label: 'Cap shape', help: 'The outline of the cap seen from the side.' },
  'cap-surface': { label: 'Cap surface', help: 'How the top of the cap looks and feels.' },
  'cap-color': { label: 'Cap colour', help: 'The main colour of the top of the cap.' },
  'does-bruise-or-bleed': {
    label: 'Bruises or bleeds',
    help: 'Whether the flesh changes colour or oozes when pressed or cut.',
  },
  bruises: { label: 'Bruises', help: 'Whether the flesh changes colour when pressed.' },
  odor: { label: 'Smell', help: 'The smell of the fresh mushroom.' },
  'gill-attachment': { label: 'Gill attachment', help: 'How the gills under the cap meet the stem.' },
  'gill-spacing': { label: 'Gill spacing', help: 'How close together the gills are.' },
  'gill-size': { label: 'Gill size', help: 'Whether the gills are broad or narrow.' },
  'gill-color': { label: 'Gill colour', help: 'The colour of the gills under the cap.' },
  'stem-height': { label: 'Stem height', help: 'Length of the stem from the ground to the cap.' },
  'stem-width': { label: 'Stem width', help: 'Thickness of the stem.' },
  'stem-root': { label: 'Stem base', help: 'The shape of the bottom of the stem.' },
  'stem-surface': { label: 'Stem surface', help: 'How the stem looks and feels.' },
  'stem-color': { label: 'Stem colour', help: 'The main colour of the stem.' },
  'stalk-shape': { label: 'Stem shape', help: 'Whether the stem widens or narrows towards the base.' },
  'stalk-root': { label: 'Stem base', help: 'The shape of the bottom of the stem.' },
  'stalk-surface-above-ring': {
    label: 'Stem surface above the ring',
    help: 'How the stem feels above the ring.',
  },
  'stalk-surface-below-ring': {
    label: 'Stem surface below the ring',
    help: 'How the stem feels below the ring.',
  },
  'stalk-color-above-ring': {
    label: 'Stem colour above the ring',
    help: 'The colour of the stem above the ring.',
  },
  'stalk-color-below-ring': {
    label: 'Stem colour below the ring',
    help: 'The colour of the stem below the ring.',
  },
  'veil-type': {
    label: 'Veil type',
    help: 'Partial: a thin skin over the young gills; universal: a skin around the whole young mushroom.',
  },
  'veil-color': { label: 'Veil colour', help: 'The colour of the veil or its remains.' },
  'has-ring': { label: 'Ring on the stem', help: 'Whether a ring of tissue circles the stem.' },
  'ring-number': { label: 'Number of rings', help: 'How many rings circle the stem.' },
  'ring-type': { label: 'Ring type', help: 'What the ring on the stem looks like.' },
  'spore-print-color': {
    label: 'Spore print colour',
    help: 'The colour of the spores a cap drops on paper overnight.',
  },
  population: { label: 'How it grows', help: 'Alone, scattered or in groups.' },
  habitat: { label: 'Habitat', help: 'Where it was found growing.' },
  season: { label: 'Season', help: 'When it was found.' },
};

/**
 * A feature in plain words; a feature without its own words gets its name with spaces (e.g.
 * "Gill spacing" from `gill-spacing`) and no help.
 *
 * @example featureWords('does-bruise-or-bleed').label // "Bruises or bleeds"
 */
export function featureWords(name: string): FeatureWords {
  const words = WORDS[name];
  if (words !== undefined) return words;
  const spaced = name.replace(/[-_]+/g, ' ').trim();
  return { label: spaced.charAt(0).toUpperCase() + spaced.slice(1), help: '' };
}
