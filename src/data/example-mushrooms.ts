/**
 * One mushroom of each schema to try things with: the first data row of each bundled file in data/
 * (both poisonous), without its class and without its missing features, numbers as numbers.
 */
import type { SchemaName } from './schemas.js';

/** A mushroom as a prediction takes it: feature name → code or number. */
export type ExampleMushroom = Readonly<Record<string, string | number>>;

/** The first row of secondary_data.csv (a species seen in training). */
const SECONDARY_EXAMPLE: ExampleMushroom = Object.freeze({
  'cap-diameter': 15.26,
  'cap-shape': 'x',
  'cap-surface': 'g',
  'cap-color': 'o',
  'does-bruise-or-bleed': 'f',
  'gill-attachment': 'e',
  'gill-color': 'w',
  'stem-height': 16.95,
  'stem-width': 17.09,
  'stem-root': 's',
  'stem-surface': 'y',
  'stem-color': 'w',
  'veil-type': 'u',
  'veil-color': 'w',
  'has-ring': 't',
  'ring-type': 'g',
  habitat: 'd',
  season: 'w',
});

/** The first row of agaricus-lepiota.data. */
const CLASSIC_EXAMPLE: ExampleMushroom = Object.freeze({
  'cap-shape': 'x',
  'cap-surface': 's',
  'cap-color': 'n',
  bruises: 't',
  odor: 'p',
  'gill-attachment': 'f',
  'gill-spacing': 'c',
  'gill-size': 'n',
  'gill-color': 'k',
  'stalk-shape': 'e',
  'stalk-root': 'e',
  'stalk-surface-above-ring': 's',
  'stalk-surface-below-ring': 's',
  'stalk-color-above-ring': 'w',
  'stalk-color-below-ring': 'w',
  'veil-type': 'p',
  'veil-color': 'w',
  'ring-number': 'o',
  'ring-type': 'p',
  'spore-print-color': 'k',
  population: 's',
  habitat: 'u',
});

/** The example mushroom of each schema. */
export const EXAMPLE_MUSHROOMS: Readonly<Record<SchemaName, ExampleMushroom>> = Object.freeze({
  secondary: SECONDARY_EXAMPLE,
  classic: CLASSIC_EXAMPLE,
});
