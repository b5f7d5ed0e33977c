/**
 * The data module: dataset schemas (secondary, classic), format detection, streaming parse,
 * validation and normalisation, encoders, splits, species, profile and duplicate counting. Pure:
 * takes strings, buffers and async iterables, returns values.
 */
export { type DetectedFormat, type DetectOptions, detectFormat } from './detect-format.js';
export { DuplicateCounter, hashRecord } from './duplicate-counter.js';
export {
  ENCODER_FORMAT_VERSION,
  LinearEncoder,
  type LinearEncoderJson,
  labelsOf,
  MISSING_LEVEL,
  TreeEncoder,
  type TreeEncoderJson,
} from './encoders.js';
export { encodersFromProfile, type FittedEncoders } from './encoders-from-profile.js';
export { EXAMPLE_MUSHROOMS, type ExampleMushroom } from './example-mushrooms.js';
export { type FeatureWords, featureWords } from './feature-words.js';
export { type ParseOptions, parseRows, type RawRow } from './parse-rows.js';
export {
  type ClassCounts,
  type ColumnProfile,
  type DatasetProfile,
  type NumericSummary,
  ProfileBuilder,
  type ProfileOptions,
} from './profile.js';
export {
  CLASSIC_SCHEMA,
  type DatasetSchema,
  describeAllowed,
  type FeatureSpec,
  getSchema,
  SCHEMAS,
  type SchemaName,
  SECONDARY_SCHEMA,
  schemaColumns,
  UNDOCUMENTED_CODE,
} from './schemas.js';
export {
  type LabelConflict,
  parseSpeciesTable,
  ROWS_PER_SPECIES,
  SPECIES_AGREEMENT_THRESHOLD,
  type SpeciesInfo,
  SpeciesOrderChecker,
  type SpeciesOrderResult,
} from './species.js';
export {
  groupKFold,
  groupSplit,
  largestRemainder,
  SPLIT_NAMES,
  type SplitCode,
  type SplitRatios,
  stratifiedKFold,
  stratifiedSplit,
} from './splits.js';
export { type RecordPosition, validateRecord } from './validate-record.js';
export { type CleanRecord, type RowIssue, type RowResult, rowKey, validateRow } from './validate-row.js';
