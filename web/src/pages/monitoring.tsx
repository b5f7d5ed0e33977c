import type { ChartData } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { Chart, COLORS, thresholdLine } from '../components/chart.js';
import { Num, Source } from '../components/num.js';
import { Badge, ErrorBox, Head, Loading, Ready, TableWrap } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { count, fixed, pct, pValue, time } from '../format.js';
import type { ModelRecord } from '../types.js';
import { AlertsSection } from './monitoring-alerts.js';

/** The parts of the monitoring report the page draws. */
interface DriftRow {
  feature: string;
  kind: string;
  test: string;
  score: number;
  threshold: number;
  drifted: boolean;
}
type Distribution =
  | {
      kind: 'categorical';
      feature: string;
      reference: Record<string, number>;
      current: Record<string, number>;
      labels?: Record<string, string>;
    }
  | {
      kind: 'numeric';
      feature: string;
      unit?: string;
      edges: number[];
      reference: number[];
      current: number[];
    };
interface Bucket {
  from: string;
  rows: number;
  labelled: { n: number; accuracy: number; poisonousRecall: number | null } | null;
  estimated: { accuracy: number; poisonousRecall: number } | null;
}
interface Report {
  model: { name: string };
  window: { from: string; to: string; rows: number; labelledRows: number };
  summary: { verdict: 'ok' | 'warning' | 'alert'; reasons: { severity: string; message: string }[] };
  dataDrift: { features: DriftRow[]; dataset: { share: number; threshold: number; drifted: boolean } } | null;
  distributions: Distribution[];
  performance: {
    buckets: Bucket[];
    reference?: { accuracy: number; poisonousRecall: number };
  };
  arms?: {
    experiment: string;
    arm: string;
    modelVersion: number;
    rows: number;
    summary: { verdict: string; reasons: { message: string }[] };
    dataDrift: { dataset: { share: number; drifted: boolean } } | null;
  }[];
}

/** The running experiment's arms, each with its own verdict over the same window. */
function ArmsTable({ report, src }: { report: Report; src: string }) {
  const arms = report.arms ?? [];
  if (arms.length === 0) return null;
  return (
    <>
      <h2>Per experiment arm</h2>
      <TableWrap label="Per experiment arm">
        <table>
          <caption>Experiment {arms[0].experiment}: each arm against its own version's reference</caption>
          <Head cols={['Arm', 'Version', 'Predictions', 'Verdict', 'Features drifted', 'Why']} />
          <tbody>
            {arms.map((a) => (
              <tr key={a.arm}>
                <th scope="row">{a.arm}</th>
                <td>v{a.modelVersion}</td>
                <td>
                  <Num src={src}>{count(a.rows)}</Num>
                </td>
                <td>
                  <Badge
                    tone={
                      a.summary.verdict === 'ok' ? 'ok' : a.summary.verdict === 'warning' ? 'warn' : 'bad'
                    }
                  >
                    {a.summary.verdict}
                  </Badge>
                </td>
                <td>
                  {a.dataDrift === null ? '–' : <Num src={src}>{pct(a.dataDrift.dataset.share, 0)}</Num>}
                </td>
                <td>{a.summary.reasons.map((r) => r.message).join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}

const WINDOWS = [
  { hours: 1, label: 'last hour' },
  { hours: 6, label: 'last 6 hours' },
  { hours: 24, label: 'last 24 hours' },
  { hours: 24 * 7, label: 'last 7 days' },
] as const;

const P_VALUE_TESTS = new Set(['ks', 'chisquare', 'z']);
/** Drift shown relative to the threshold, capped so that one feature does not flatten the others. */
const CAP = 10;

/**
 * How far a feature's drift score is from its threshold, 1 at the threshold and above 1 when it drifted:
 * log p / log threshold for p-value tests (p below the threshold), distance / threshold otherwise.
 */
export function driftIndex(row: DriftRow): number {
  if (P_VALUE_TESTS.has(row.test)) {
    const p = Math.min(Math.max(row.score, 1e-300), 1);
    return p >= 1 ? 0 : Math.min(CAP, Math.log(p) / Math.log(row.threshold));
  }
  return Math.min(CAP, row.score / row.threshold);
}

function DriftChart({ rows }: { rows: DriftRow[] }) {
  const data = useMemo<ChartData<'bar'>>(
    () => ({
      labels: rows.map((r) => r.feature),
      datasets: [
        {
          label: 'drift relative to its threshold',
          data: rows.map(driftIndex),
          backgroundColor: rows.map((r) => (r.drifted ? COLORS.poisonous : COLORS.current)),
        },
      ],
    }),
    [rows],
  );
  const drifted = rows.filter((r) => r.drifted).map((r) => r.feature);
  return (
    <Chart
      type="bar"
      data={data}
      plugins={[thresholdLine<'bar'>(1, 'threshold')]}
      label={`Drift per feature relative to its threshold (1 = threshold). Drifted: ${drifted.join(', ') || 'none'}`}
      options={{
        indexAxis: 'y',
        plugins: { legend: { display: false } },
        scales: {
          x: {
            beginAtZero: true,
            suggestedMax: 2,
            title: { display: true, text: `drift ÷ threshold (drifted above 1; capped at ${CAP})` },
          },
        },
      }}
      height={Math.max(200, rows.length * 22 + 60)}
    />
  );
}

function DriftTable({ rows, src }: { rows: DriftRow[]; src: string }) {
  return (
    <TableWrap label="Drift per feature">
      <table>
        <Head cols={['Feature', 'Test', 'Score', 'Threshold', 'Drifted']} />
        <tbody>
          {rows.map((r) => (
            <tr key={r.feature}>
              <th scope="row">{r.feature}</th>
              <td>{r.test}</td>
              <td>
                <Num src={src}>
                  {P_VALUE_TESTS.has(r.test) ? `p = ${pValue(r.score)}` : fixed(r.score, 4)}
                </Num>
              </td>
              <td>{P_VALUE_TESTS.has(r.test) ? `p < ${r.threshold}` : `≥ ${r.threshold}`}</td>
              <td>{r.drifted ? <Badge tone="bad">drifted</Badge> : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function DistributionChart({ d }: { d: Distribution }) {
  const data = useMemo<ChartData<'bar'>>(() => {
    if (d.kind === 'categorical') {
      const keys = [...new Set([...Object.keys(d.reference), ...Object.keys(d.current)])];
      return {
        labels: keys.map((k) => (d.labels?.[k] ? `${d.labels[k]} (${k})` : k)),
        datasets: [
          {
            label: 'reference (training)',
            data: keys.map((k) => (d.reference[k] ?? 0) * 100),
            backgroundColor: COLORS.reference,
          },
          {
            label: 'current window',
            data: keys.map((k) => (d.current[k] ?? 0) * 100),
            backgroundColor: COLORS.current,
          },
        ],
      };
    }
    const labels = d.reference.map((_, i) => `${fixed(d.edges[i], 1)}–${fixed(d.edges[i + 1], 1)}`);
    return {
      labels,
      datasets: [
        {
          label: 'reference (training)',
          data: d.reference.map((x) => x * 100),
          backgroundColor: COLORS.reference,
        },
        { label: 'current window', data: d.current.map((x) => x * 100), backgroundColor: COLORS.current },
      ],
    };
  }, [d]);
  return (
    <Chart
      type="bar"
      data={data}
      label={`Distribution of ${d.feature}: the reference (training split) beside the current window, as shares of rows`}
      options={{
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'share of rows (%)' } },
          x: {
            title: {
              display: true,
              text: d.kind === 'numeric' ? `${d.feature}${d.unit ? ` (${d.unit})` : ''}` : d.feature,
            },
          },
        },
      }}
    />
  );
}

function PerformanceChart({ report }: { report: Report }) {
  const b = report.performance.buckets;
  const data = useMemo<ChartData<'line'>>(
    () => ({
      labels: b.map((x) => time(x.from).slice(5, 16)),
      datasets: [
        {
          label: 'accuracy (labelled)',
          data: b.map((x) => (x.labelled ? x.labelled.accuracy * 100 : null)),
          borderColor: COLORS.edible,
          backgroundColor: COLORS.edible,
        },
        {
          label: 'poisonous recall (labelled)',
          data: b.map((x) => (x.labelled?.poisonousRecall == null ? null : x.labelled.poisonousRecall * 100)),
          borderColor: COLORS.poisonous,
          backgroundColor: COLORS.poisonous,
        },
        {
          label: 'accuracy (estimated)',
          data: b.map((x) => (x.estimated ? x.estimated.accuracy * 100 : null)),
          borderColor: COLORS.estimated,
          backgroundColor: COLORS.estimated,
          borderDash: [6, 4],
        },
        {
          label: 'poisonous recall (estimated)',
          data: b.map((x) => (x.estimated ? x.estimated.poisonousRecall * 100 : null)),
          borderColor: COLORS.uncertain,
          backgroundColor: COLORS.uncertain,
          borderDash: [6, 4],
        },
      ],
    }),
    [b],
  );
  if (b.length === 0) return <p>No prediction in this window.</p>;
  return (
    <Chart
      type="line"
      data={data}
      label="Accuracy and poisonous recall per hour: measured on labelled predictions (solid) and estimated from calibrated probabilities (dashed)"
      options={{
        scales: { y: { suggestedMin: 80, suggestedMax: 100, title: { display: true, text: '%' } } },
      }}
    />
  );
}

function ReportView({ src, report }: { src: string; report: Report }) {
  const [feature, setFeature] = useState(report.distributions[0]?.feature ?? '');
  const distribution = report.distributions.find((d) => d.feature === feature) ?? report.distributions[0];
  const rows = report.dataDrift?.features.filter((r) => Number.isFinite(r.score)) ?? [];
  return (
    <>
      <p>
        <Badge
          tone={
            report.summary.verdict === 'ok' ? 'ok' : report.summary.verdict === 'warning' ? 'warn' : 'bad'
          }
        >
          {report.summary.verdict}
        </Badge>{' '}
        Window {time(report.window.from)} – {time(report.window.to)} UTC:{' '}
        <Num src={src}>{count(report.window.rows)}</Num> predictions,{' '}
        <Num src={src}>{count(report.window.labelledRows)}</Num> labelled.
      </p>
      {report.summary.reasons.length > 0 && (
        <ul>
          {report.summary.reasons.map((r) => (
            <li key={r.message}>
              {r.severity}: {r.message}
            </li>
          ))}
        </ul>
      )}
      <h2>Drift per feature</h2>
      {report.dataDrift === null || rows.length === 0 ? (
        <p>No prediction in this window: nothing to compare with the reference.</p>
      ) : (
        <>
          <p>
            Dataset drift: <Num src={src}>{pct(report.dataDrift.dataset.share, 0)}</Num> of the features
            drifted (dataset drift at {pct(report.dataDrift.dataset.threshold, 0)}):{' '}
            {report.dataDrift.dataset.drifted ? <Badge tone="bad">drifted</Badge> : 'no dataset drift'}.
          </p>
          <DriftChart rows={rows} />
          <details>
            <summary>Scores and thresholds per feature</summary>
            <DriftTable rows={rows} src={src} />
          </details>
        </>
      )}
      <h2>Reference against current distribution</h2>
      {distribution === undefined ? (
        <p>No distribution to show.</p>
      ) : (
        <>
          <label for="feature">Feature</label>{' '}
          <select
            id="feature"
            value={distribution.feature}
            onChange={(e) => setFeature((e.target as HTMLSelectElement).value)}
          >
            {report.distributions.map((d) => (
              <option key={d.feature} value={d.feature}>
                {d.feature}
              </option>
            ))}
          </select>
          <DistributionChart d={distribution} />
        </>
      )}
      <h2>Performance over time</h2>
      <PerformanceChart report={report} />
      {report.performance.reference && (
        <p class="hint">
          On its test split the model had accuracy {pct(report.performance.reference.accuracy, 2)} and
          poisonous recall {pct(report.performance.reference.poisonousRecall, 2)}.
        </p>
      )}
    </>
  );
}

/** Drift, distributions, performance over time, alerts and silences of a model's recent traffic. */
export function MonitoringPage({ parts }: { parts: readonly string[] }) {
  const models = useApi<ModelRecord[]>('/v1/models');
  const [model, setModel] = useState<string | null>(null);
  // the last hour by default, as the scheduled checks look at (`#/monitoring/24`: the last 24 hours)
  const asked = Number(parts[0]);
  const [hours, setHours] = useState<number>(WINDOWS.some((w) => w.hours === asked) ? asked : 1);
  const [from] = useState(() => Date.now());
  // without a model chosen, the report is the served model's (asked for at once, beside the models)
  const since = `from=${new Date(from - hours * 3_600_000).toISOString().slice(0, 13)}:00:00Z`;
  const query = model === null ? since : `model=${encodeURIComponent(model)}&${since}`;
  const src = `/v1/monitoring/report?format=json&${query}`;
  const report = useApi<Report>(src);
  return (
    <section aria-labelledby="monitoring-title">
      <h1 id="monitoring-title">Monitoring</h1>
      {models.error !== null && <ErrorBox>{models.error}</ErrorBox>}
      <form class="inline-form" onSubmit={(e) => e.preventDefault()}>
        <label for="monitor-model">Model</label>
        <select
          id="monitor-model"
          value={model ?? report.data?.model.name ?? ''}
          onChange={(e) => setModel((e.target as HTMLSelectElement).value)}
        >
          {(models.data ?? []).map((m) => (
            <option key={m.name} value={m.name}>
              {m.name}
            </option>
          ))}
        </select>
        <label for="monitor-window">Window</label>
        <select
          id="monitor-window"
          value={hours}
          onChange={(e) => setHours(Number((e.target as HTMLSelectElement).value))}
        >
          {WINDOWS.map((w) => (
            <option key={w.hours} value={w.hours}>
              {w.label}
            </option>
          ))}
        </select>
        <button type="button" class="secondary" onClick={report.reload}>
          Refresh
        </button>
      </form>
      <p>
        <a href={`/v1/monitoring/report?format=html&${query}`} target="_blank" rel="noopener">
          The full HTML report of this window
        </a>{' '}
        (one self-contained page to save or send).
      </p>
      {report.error !== null ? (
        <>
          <Ready page="monitoring" />
          <ErrorBox>{report.error}</ErrorBox>
        </>
      ) : report.data === null ? (
        <Loading what="the monitoring report" />
      ) : (
        <>
          <Ready page="monitoring" />
          <ReportView key={src} src={src} report={report.data} />
          <ArmsTable report={report.data} src={src} />
          <Source src={src} />
        </>
      )}
      <AlertsSection />
    </section>
  );
}
