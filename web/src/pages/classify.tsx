import type { ChartData } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { ApiError, apiPost, errorText, type FieldProblem } from '../api.js';
import { Chart, COLORS } from '../components/chart.js';
import { Num, Source } from '../components/num.js';
import { Badge, ErrorBox, Loading, Ready } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { fixed, pct } from '../format.js';
import type { FeatureField, Prediction } from '../types.js';

type Values = Record<string, string>;

function Field({
  f,
  value,
  problem,
  onChange,
}: {
  f: FeatureField;
  value: string;
  problem?: string;
  onChange: (v: string) => void;
}) {
  const id = `f-${f.name}`;
  const describedBy = [`${id}-help`, problem ? `${id}-problem` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${problem ? ' invalid' : ''}`}>
      <label for={id}>
        {f.label}
        {f.kind === 'numeric' && f.unit ? ` (${f.unit})` : ''}
      </label>
      {f.kind === 'numeric' ? (
        <input
          id={id}
          name={f.name}
          type="number"
          inputMode="decimal"
          step="any"
          min={f.min}
          max={f.max}
          value={value}
          aria-describedby={describedBy}
          aria-invalid={problem ? true : undefined}
          onInput={(e) => onChange((e.target as HTMLInputElement).value)}
        />
      ) : (
        <select
          id={id}
          name={f.name}
          value={value}
          aria-describedby={describedBy}
          aria-invalid={problem ? true : undefined}
          onChange={(e) => onChange((e.target as HTMLSelectElement).value)}
        >
          <option value="">not known</option>
          {(f.choices ?? []).map((c) => (
            <option key={c.code} value={c.code}>
              {c.documented ? c.label : `other (${c.label})`}
            </option>
          ))}
        </select>
      )}
      <p id={`${id}-help`} class="hint">
        {f.help}
        {f.kind === 'numeric' && f.min !== undefined && f.max !== undefined
          ? ` From ${f.min} to ${f.max}${f.unit ? ` ${f.unit}` : ''}.`
          : ''}
      </p>
      {problem && (
        <p id={`${id}-problem`} class="problem">
          {problem}
        </p>
      )}
    </div>
  );
}

function ContributionChart({ p }: { p: Prediction }) {
  const contributions = p.explanation?.contributions ?? [];
  const data = useMemo<ChartData<'bar'>>(
    () => ({
      labels: contributions.map((c) => `${c.feature} = ${c.value ?? 'missing'}`),
      datasets: [
        {
          label: 'contribution to the score (log-odds)',
          data: contributions.map((c) => c.contribution),
          backgroundColor: contributions.map((c) => (c.contribution > 0 ? COLORS.poisonous : COLORS.edible)),
        },
      ],
    }),
    [p],
  );
  if (contributions.length === 0) return <p>This model gives no contributions.</p>;
  return (
    <>
      <Chart
        type="bar"
        data={data}
        label={`Top contributions: ${contributions.map((c) => `${c.feature} ${c.contribution > 0 ? 'towards poisonous' : 'towards edible'} ${fixed(c.contribution, 2)}`).join('; ')}`}
        options={{
          indexAxis: 'y',
          plugins: { legend: { display: false } },
          scales: {
            x: { title: { display: true, text: '← towards edible · towards poisonous → (log-odds)' } },
          },
        }}
        height={220}
      />
      <ul class="plain">
        {contributions.map((c) => (
          <li key={c.feature}>
            {c.feature} = {String(c.value ?? 'missing')}:{' '}
            {c.contribution > 0 ? 'towards poisonous' : 'towards edible'} by{' '}
            <Num src="/v1/predict?explain=true">{fixed(Math.abs(c.contribution), 3)}</Num>
          </li>
        ))}
      </ul>
    </>
  );
}

function Result({ p }: { p: Prediction }) {
  const tone = p.decision === 'edible' ? 'ok' : p.decision === 'poisonous' ? 'bad' : 'warn';
  const novel = p.novelty !== null && p.noveltyThreshold !== null && p.novelty > p.noveltyThreshold;
  const src = '/v1/predict?explain=true';
  return (
    <section class="panel result" aria-labelledby="result-title" data-decision={p.decision}>
      <h2 id="result-title">
        Decision: <Badge tone={tone}>{p.decision}</Badge>
      </h2>
      <p>
        Probability of poisonous: <Num src={src}>{pct(p.probability, 2)}</Num> (model {p.model.name} v
        {p.model.version}).
        {p.reason ? ` ${p.reason}.` : ''}
      </p>
      <p>
        Novelty:{' '}
        {p.novelty === null ? (
          'this model has no unknown-species guard.'
        ) : (
          <>
            <Num src={src}>{fixed(p.novelty, 3)}</Num> against the threshold {fixed(p.noveltyThreshold, 3)}:{' '}
            <strong>
              {novel ? 'unlike any species in the training data' : 'like species seen in training'}
            </strong>
            .
          </>
        )}
      </p>
      {p.warnings.length > 0 && (
        <ul>
          {p.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <h3>What weighed most</h3>
      <ContributionChart p={p} />
      <p class="hint">Prediction {p.predictionId} is logged; a true label can be sent to /v1/feedback.</p>
    </section>
  );
}

/** A mushroom described in plain words, classified with its explanation and novelty verdict. */
export function ClassifyPage() {
  const schema = useApi<{
    schema: string;
    features: FeatureField[];
    example: Record<string, string | number>;
  }>('/v1/schema');
  const [values, setValues] = useState<Values>({});
  const [result, setResult] = useState<Prediction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<readonly FieldProblem[]>([]);
  const [busy, setBusy] = useState(false);
  if (schema.error !== null) return <ErrorBox>{schema.error}</ErrorBox>;
  if (schema.data === null) return <Loading what="the form" />;
  const { features } = schema.data;
  const { example } = schema.data;
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, string | number> = {};
    for (const f of features) {
      const v = values[f.name] ?? '';
      if (v === '') continue;
      body[f.name] = f.kind === 'numeric' ? Number(v) : v;
    }
    setBusy(true);
    setError(null);
    setProblems([]);
    try {
      setResult(await apiPost<Prediction>('/v1/predict?explain=true', body));
    } catch (err) {
      setResult(null);
      setError(errorText(err));
      if (err instanceof ApiError) setProblems(err.problems);
    } finally {
      setBusy(false);
    }
  };
  const problemOf = (name: string) =>
    problems.find((p) => p.field === name || p.field.endsWith(`.${name}`))?.message;
  return (
    <section aria-labelledby="classify-title">
      <h1 id="classify-title">Classify a mushroom</h1>
      <Ready page="classify" />
      <p class="notice" role="note">
        <strong>No model replaces an expert.</strong> Never eat a wild mushroom on the strength of this
        answer: have every find checked by a trained mycologist. A wrong "edible" can kill.
      </p>
      <form class="classify" onSubmit={submit} noValidate>
        <p class="hint">
          Describe what you see; leave out what you do not know (the answer may then be "uncertain").{' '}
          {features.length} features of the {schema.data.schema} data.
        </p>
        <div class="fields">
          {features.map((f) => (
            <Field
              key={f.name}
              f={f}
              value={values[f.name] ?? ''}
              problem={problemOf(f.name)}
              onChange={(v) => setValues({ ...values, [f.name]: v })}
            />
          ))}
        </div>
        <div class="row">
          <button type="submit" disabled={busy}>
            {busy ? 'Classifying…' : 'Classify'}
          </button>
          {example && (
            <button
              type="button"
              class="secondary"
              onClick={() =>
                setValues(Object.fromEntries(Object.entries(example).map(([k, v]) => [k, String(v)])))
              }
            >
              Fill in an example
            </button>
          )}
          <button type="button" class="secondary" onClick={() => setValues({})}>
            Clear
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {error !== null && <ErrorBox>{error}</ErrorBox>}
        {result !== null && <Result p={result} />}
      </div>
      <Source src="/v1/schema" label="Form from" />
    </section>
  );
}
