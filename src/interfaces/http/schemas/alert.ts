/** TypeBox schemas of the alerts routes: silence bodies, parameters and answers. */
import { Type } from 'typebox';
import { DURATION_PATTERN } from '../../../services/index.js';
import { nullable } from './prediction.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const MaybeTime = nullable({ type: 'string', format: 'date-time' });
const Labels = Type.Record(Type.String(), Type.String());
/** An ISO-8601 time with its zone, e.g. 2026-03-01T12:00:00Z (request bodies). */
const TimeText = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$',
    maxLength: 40,
    description: `${description} (ISO-8601 with zone, e.g. 2026-03-01T12:00:00Z)`,
  });

export const SilenceIdParams = Type.Object({
  id: Type.String({
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    description: 'silence id (a UUID)',
  }),
});

export const SilenceBody = Type.Object(
  {
    matchers: Type.Array(Type.String({ minLength: 2, maxLength: 1100 }), {
      minItems: 1,
      maxItems: 32,
      description:
        'Alertmanager matchers, all of which must match: label=value, label!=value, label=~regex, label!~regex (e.g. alertname=dataset_drift)',
    }),
    duration: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description: 'how long from startsAt (e.g. 2h); or give endsAt',
      }),
    ),
    startsAt: Type.Optional(TimeText('default: now')),
    endsAt: Type.Optional(TimeText('instead of duration')),
    comment: Type.String({ minLength: 1, maxLength: 1000, description: 'why (recorded)' }),
    createdBy: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'who (default: the API key, api-key:<id>)' }),
    ),
  },
  { additionalProperties: false },
);

const SilenceMatcherSchema = Type.Object({
  name: Type.String(),
  value: Type.String(),
  isRegex: Type.Boolean(),
  isEqual: Type.Boolean(),
});

export const SilenceSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.Unsafe<string>({ type: 'string', enum: ['pending', 'active', 'expired'] }),
    matchers: Type.Array(SilenceMatcherSchema),
    matchersText: Type.Array(Type.String()),
    startsAt: Timestamp,
    endsAt: Timestamp,
    createdBy: Type.String(),
    comment: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: true },
);

const AlertSchema = Type.Object(
  {
    fingerprint: Type.String(),
    ruleName: Type.String(),
    labels: Labels,
    annotations: Labels,
    state: Type.Unsafe<string>({ type: 'string', enum: ['pending', 'firing', 'resolved'] }),
    value: nullable({ type: 'number' }),
    activeAt: Timestamp,
    firedAt: MaybeTime,
    resolvedAt: MaybeTime,
    lastEvalAt: Timestamp,
    lastNotifiedAt: MaybeTime,
    notifiedStatus: nullable({ type: 'string' }),
    silencedBy: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);

const RuleSchema = Type.Object(
  {
    name: Type.String(),
    metric: Type.String(),
    comparison: Type.String(),
    threshold: Type.Number(),
    window: Type.String(),
    for: Type.String(),
    labels: Labels,
    severity: Type.String(),
    summary: Type.String(),
    description: Type.Optional(Type.String()),
    action: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const AlertListingSchema = Type.Object(
  {
    rules: Type.Array(RuleSchema),
    alerts: Type.Array(AlertSchema),
    silences: Type.Array(SilenceSchema),
  },
  { additionalProperties: true },
);

/** The query of `GET /v1/alerts/history`. */
export const HistoryQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'at most this many (default 100)' }),
    ),
    kind: Type.Optional(
      Type.Unsafe<'transition' | 'notification' | 'action' | 'silence'>({
        type: 'string',
        enum: ['transition', 'notification', 'action', 'silence'],
        description: 'only entries of this kind',
      }),
    ),
    fingerprint: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{16}$', description: "only this alert's entries (its fingerprint)" }),
    ),
  },
  { additionalProperties: false },
);

/** One entry of the alert history. */
export const HistoryEntrySchema = Type.Object(
  {
    seq: Type.Integer(),
    at: Timestamp,
    kind: Type.String(),
    fingerprint: nullable({ type: 'string' }),
    ruleName: nullable({ type: 'string' }),
    fromState: nullable({ type: 'string' }),
    toState: nullable({ type: 'string' }),
    channel: nullable({ type: 'string' }),
    outcome: nullable({ type: 'string' }),
    details: Type.Unknown(),
  },
  { additionalProperties: true },
);
