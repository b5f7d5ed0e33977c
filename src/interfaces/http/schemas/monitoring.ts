/**
 * TypeBox schemas of the monitoring routes: the window query and the answers' outer structure (the
 * nested statistics are described in words and serialised as they are: a χ² of +∞ becomes null).
 */
import { type TSchema, Type } from 'typebox';
import { ExperimentId } from './experiment.js';
import { nullable } from './prediction.js';

const Any = (description: string) => Type.Unsafe<unknown>({ description });
const open = (properties: Record<string, TSchema>, description: string) =>
  Type.Object(properties, { additionalProperties: true, description });

const ModelName = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
  description: 'registered model (default: the served model)',
});
const Version = Type.String({
  pattern: '^([0-9]{1,9}|[A-Za-z][A-Za-z0-9_-]{0,63})$',
  description: 'version number, production (default) or an alias',
});
/** An ISO-8601 date, or date and time with its zone. */
const Time = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
    maxLength: 40,
    description: `${description} (ISO-8601: 2026-12-06 or 2026-12-06T14:00:00Z)`,
  });

const windowFields = {
  model: Type.Optional(ModelName),
  version: Type.Optional(Version),
  from: Type.Optional(Time('window start, rounded down to the hour')),
  to: Type.Optional(Time('window end, exclusive, rounded up to the hour (default now)')),
  last: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000_000,
      description: 'instead of from: the latest whole hours holding at least this many predictions',
    }),
  ),
  experiment: Type.Optional(ExperimentId),
  arm: Type.Optional(
    Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$', description: 'only this arm (needs experiment)' }),
  ),
};

/** Drift settings of `/v1/monitoring/drift` and `/report` (Evidently's defaults when absent). */
const driftFields = {
  test: Type.Optional(
    Type.Unsafe<'ks' | 'chisquare' | 'z' | 'jensenshannon' | 'wasserstein' | 'psi' | 'hellinger'>({
      type: 'string',
      enum: ['ks', 'chisquare', 'z', 'jensenshannon', 'wasserstein', 'psi', 'hellinger'],
      description: "one test for every feature (Evidently's stattest; it must suit each feature's kind)",
    }),
  ),
  threshold: Type.Optional(
    Type.Number({ exclusiveMinimum: 0, maximum: 1e6, description: 'drift threshold of every feature' }),
  ),
  share: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'dataset drift when at least this share of features drifts (default 0.5)',
    }),
  ),
};

/** The window of `/v1/monitoring/performance`. */
export const WindowQuery = Type.Object(windowFields, { additionalProperties: false });

/** The window and drift settings of `/v1/monitoring/drift`. */
export const DriftQuery = Type.Object({ ...windowFields, ...driftFields }, { additionalProperties: false });

/** The window of `/v1/monitoring/report`, and the format. */
export const ReportQuery = Type.Object(
  {
    ...windowFields,
    ...driftFields,
    format: Type.Optional(
      Type.Unsafe<'html' | 'json'>({
        type: 'string',
        enum: ['html', 'json'],
        description: 'html or json (default: by the Accept header; JSON unless it prefers text/html)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The version of `/v1/monitoring/profile`. */
export const ProfileQuery = Type.Object(
  { model: Type.Optional(ModelName), version: Type.Optional(Version) },
  { additionalProperties: false },
);

const MonitorWindowSchema = Type.Object({
  from: nullable({ type: 'string' }),
  to: Type.String(),
  rows: Type.Integer({ description: 'predictions in the window' }),
});

export const DriftReportSchema = open(
  {
    model: Type.String(),
    version: Type.Integer(),
    window: MonitorWindowSchema,
    reference: Any('the reference: training split rows and dataset version'),
    features: Type.Array(
      open(
        {
          feature: Type.String(),
          status: Type.Unsafe<string>({ type: 'string', enum: ['tested', 'no data'] }),
        },
        'per feature: the test used (Evidently defaults), statistic, p-value, score, threshold, drifted, effect size; or why it was not tested',
      ),
    ),
    dataset: Any('dataset drift: share of drifted features, threshold, drifted (null for an empty window)'),
    prediction: Any(
      'outcome shares (edible, poisonous, uncertain, novel) against the test split, their drift, the novelty rise',
    ),
  },
  'data and prediction drift of a window against the version’s reference',
);

export const PerformanceReportSchema = open(
  {
    model: Type.String(),
    version: Type.Integer(),
    window: MonitorWindowSchema,
    labelled: Any('figures of the labelled predictions: n, accuracy, poisonous recall, false-edible count'),
    hours: Type.Array(Any('one hour: rows and labelled figures'), { description: 'oldest first' }),
    reference: Any('the version’s figures on its test split'),
  },
  'performance of the labelled predictions of a window, overall and per hour',
);

export const MonitoringReportSchema = open(
  {
    formatVersion: Type.Literal(1),
    generatedAt: Type.String(),
    summary: open(
      {
        verdict: Type.Unsafe<string>({ type: 'string', enum: ['ok', 'warning', 'alert'] }),
        reasons: Type.Array(Any('one reason: kind, severity, message')),
      },
      'the verdict, safety reasons first',
    ),
  },
  'the whole report (model, window, reference, summary, data drift, distributions, prediction drift, performance, alerts) — the data the HTML shows',
);

export const ProfileSchema = open(
  {
    formatVersion: Type.Literal(1),
    modelName: Type.String(),
    modelVersion: Type.Integer(),
    datasetId: Type.String(),
    rows: Type.Integer({ description: 'training rows profiled' }),
    features: Any('per feature: kind and counts of the training split'),
    outcomes: Any('the model’s answers and figures on the test split'),
  },
  'the reference profile of a version (built from its training split on first use)',
);

/** The report as HTML (content type `text/html`). */
export const ReportHtml = Type.String({
  description: 'one self-contained HTML document: inline CSS and SVG, no script, nothing fetched',
});
