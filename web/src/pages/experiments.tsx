import type { ChartData } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { ActionForm } from '../components/action-form.js';
import { Chart, COLORS } from '../components/chart.js';
import { ListDetailPage } from '../components/list-detail.js';
import { Num, Source } from '../components/num.js';
import { Badge, ErrorBox, Head, Loading, Ready, TableWrap } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { count, pct, time } from '../format.js';
import { href } from '../router.js';
import { wilson } from '../stats.js';
import type { ArmMetrics, ExperimentAnalysis, ExperimentRecord, ExperimentView } from '../types.js';
import { ExperimentAnalysisView, ShadowTables } from './experiment-analysis.js';

const enc = encodeURIComponent;

function statusTone(s: string): 'ok' | 'warn' | 'info' | 'muted' {
  return s === 'running' ? 'ok' : s === 'paused' ? 'warn' : s === 'draft' ? 'info' : 'muted';
}

function ExperimentList() {
  const src = '/v1/experiments';
  const list = useApi<ExperimentRecord[]>(src, { live: true });
  if (list.error !== null) return <ErrorBox>{list.error}</ErrorBox>;
  if (list.data === null) return <Loading what="the experiments" />;
  return (
    <>
      <Ready page="experiments" />
      {list.data.length === 0 ? (
        <p>
          No experiment yet: <code>sporeprint experiments create</code> or <code>POST /v1/experiments</code>.
        </p>
      ) : (
        <TableWrap label="Experiments">
          <table>
            <caption>Newest first</caption>
            <Head cols={['Experiment', 'Model', 'State', 'Arms', 'Created (UTC)', 'Winner']} />
            <tbody>
              {list.data.map((e) => (
                <tr key={e.id}>
                  <th scope="row">
                    <a href={href('experiments', e.id)}>{e.id}</a>
                  </th>
                  <td>{e.modelName}</td>
                  <td>
                    <Badge tone={statusTone(e.status)}>{e.status}</Badge>
                  </td>
                  <td>{e.arms.map((a) => `${a.name} v${a.version}`).join(', ')}</td>
                  <td>{time(e.createdAt)}</td>
                  <td>{e.winner ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Source src={src} />
    </>
  );
}

/** An arm's rate of the experiment's primary metric, as successes of n. */
function primaryOf(a: ArmMetrics, metric: string): { successes: number; n: number } {
  if (metric === 'accuracy') return { successes: a.correct, n: a.labelled };
  if (metric === 'poisonous_recall') return { successes: a.poisonousCaught, n: a.poisonousLabelled };
  return { successes: a.falseEdible, n: a.poisonousLabelled };
}

function ArmsTable({ view, src }: { view: ExperimentView; src: string }) {
  const metric = view.experiment.settings.primaryMetric;
  const planned = view.experiment.settings.minLabelledPerArm;
  const metrics = view.metrics ?? [];
  return (
    <TableWrap label="Arms">
      <table data-arms>
        <caption>
          Per arm: traffic, labels, the primary metric ({metric.replace(/_/g, ' ')}) with its 95 % Wilson
          interval, and the planned sample (labelled predictions each arm needs before the primary metric may
          decide)
        </caption>
        <thead>
          <tr>
            <th scope="col">Arm</th>
            <th scope="col">Version</th>
            <th scope="col">Role</th>
            <th scope="col">Weight</th>
            <th scope="col">Requests</th>
            <th scope="col">Units</th>
            <th scope="col">Labelled / planned</th>
            <th scope="col">{metric.replace(/_/g, ' ')}</th>
            <th scope="col">95 % interval</th>
            <th scope="col">False edible</th>
            <th scope="col">Uncertain</th>
            <th scope="col">Latency p50 / p95 (µs)</th>
          </tr>
        </thead>
        <tbody>
          {view.experiment.arms.map((arm) => {
            const m = metrics.find((x) => x.arm === arm.name);
            const p = m ? primaryOf(m, metric) : null;
            const ci = p ? wilson(p.successes, p.n) : null;
            return (
              <tr key={arm.name} data-arm={arm.name}>
                <th scope="row">{arm.name}</th>
                <td>v{arm.version}</td>
                <td>{arm.role}</td>
                <td>{arm.weight}</td>
                <td>
                  <Num src={src}>{count(m?.requests)}</Num>
                </td>
                <td>
                  <Num src={src}>{count(m?.units)}</Num>
                </td>
                <td>
                  <Num src={src}>{count(m?.labelled)}</Num> / {count(planned)}
                  {m && m.labelled >= planned ? ' ✓' : ''}
                </td>
                <td>
                  <Num src={src}>{p && p.n > 0 ? pct(p.successes / p.n, 2) : '–'}</Num>
                </td>
                <td>{ci ? `${pct(ci[0], 2)} – ${pct(ci[1], 2)}` : '–'}</td>
                <td>
                  <Num src={src}>{count(m?.falseEdible)}</Num>
                </td>
                <td>
                  <Num src={src}>{count(m?.uncertain)}</Num>
                </td>
                <td>
                  {m?.latencyP50Us == null ? '–' : <Num src={src}>{count(m.latencyP50Us)}</Num>} /{' '}
                  {m?.latencyP95Us == null ? '–' : <Num src={src}>{count(m.latencyP95Us)}</Num>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** Each arm's rate with its interval, as floating bars. */
function IntervalChart({ view }: { view: ExperimentView }) {
  const metric = view.experiment.settings.primaryMetric;
  const rows = (view.metrics ?? [])
    .map((m) => ({ arm: m.arm, p: primaryOf(m, metric) }))
    .filter((r) => r.p.n > 0)
    .map((r) => ({ arm: r.arm, rate: r.p.successes / r.p.n, ci: wilson(r.p.successes, r.p.n) ?? [0, 0] }));
  const data = useMemo<ChartData<'bar'>>(
    () => ({
      labels: rows.map((r) => r.arm),
      datasets: [
        {
          label: '95 % interval',
          data: rows.map((r) => [r.ci[0] * 100, r.ci[1] * 100] as unknown as number),
          backgroundColor: 'rgba(23, 92, 211, 0.35)',
          borderColor: COLORS.current,
          borderWidth: 1,
        },
      ],
    }),
    [JSON.stringify(rows)],
  );
  if (rows.length === 0)
    return <p>No labelled prediction yet: the arms' intervals appear as labels arrive.</p>;
  return (
    <Chart
      type="bar"
      data={data}
      label={`95 % intervals of ${metric.replace(/_/g, ' ')} per arm: ${rows
        .map((r) => `${r.arm} ${pct(r.rate, 2)} (${pct(r.ci[0], 2)} to ${pct(r.ci[1], 2)})`)
        .join('; ')}`}
      options={{
        indexAxis: 'y',
        scales: { x: { title: { display: true, text: `${metric.replace(/_/g, ' ')} (%)` } } },
      }}
      height={70 * rows.length + 70}
    />
  );
}

function ExperimentDetail({ id }: { id: string }) {
  const src = `/v1/experiments/${enc(id)}`;
  const view = useApi<ExperimentView>(src, { live: true });
  const history = useApi<
    { seq: number; at: string; actor: string; action: string; toStatus: string; reason: string | null }[]
  >(`${src}/history`, { live: true });
  const [concluding, setConcluding] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [winner, setWinner] = useState('');
  if (view.error !== null && view.data === null) return <ErrorBox>{view.error}</ErrorBox>;
  if (view.data === null) return <Loading what={`experiment ${id}`} />;
  const v = view.data;
  const e = v.experiment;
  const analysis = v.analysis as ExperimentAnalysis | null;
  return (
    <>
      <Ready page="experiment" />
      <p>
        <Badge tone={statusTone(e.status)}>{e.status}</Badge> · model{' '}
        <a href={href('models', e.modelName)}>{e.modelName}</a> · assigned per {e.assignment} · engine{' '}
        {e.settings.engine}
        {e.settings.sequential
          ? ' with sequential testing (safe to look at any time)'
          : ' (fixed-horizon test)'}{' '}
        · started {time(e.startedAt)}
        {e.statusReason ? ` · ${e.statusReason}` : ''}
      </p>
      {view.error !== null && <ErrorBox>Refreshing failed: {view.error}</ErrorBox>}
      <h2>Arms</h2>
      <ArmsTable view={v} src={src} />
      <IntervalChart view={v} />
      <h2>Analysis</h2>
      {analysis === null ? (
        <p>No analysis yet (no metrics).</p>
      ) : (
        <ExperimentAnalysisView analysis={analysis} settings={e.settings} src={src} />
      )}
      <h2>Shadow disagreement</h2>
      <ShadowTables view={v} src={src} />
      <h2>Conclude</h2>
      <div aria-live="polite">{done !== null && <p class="done">{done}</p>}</div>
      {e.status === 'stopped' ? (
        concluding ? (
          <ActionForm
            title={`Conclude ${id}${winner ? ` with ${winner} as the winner` : ''}`}
            path={`${src}/conclude`}
            body={winner ? { winner } : {}}
            canForce
            onCancel={() => setConcluding(false)}
            onDone={(m) => {
              setConcluding(false);
              setDone(m);
              view.reload();
            }}
          />
        ) : (
          <form
            class="inline-form"
            onSubmit={(ev) => {
              ev.preventDefault();
              setConcluding(true);
            }}
          >
            <label for="winner">Winner</label>
            <select
              id="winner"
              value={winner}
              onChange={(ev) => setWinner((ev.target as HTMLSelectElement).value)}
            >
              <option value="">the analysis's winner</option>
              {e.arms.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name} (v{a.version})
                </option>
              ))}
            </select>
            <button type="submit">Conclude…</button>
          </form>
        )
      ) : (
        <p>
          {e.status === 'concluded'
            ? `Concluded: ${e.winner ?? 'no'} winner.`
            : 'An experiment is concluded once stopped (by its stop rules or by hand): the winner is promoted through the quality gate.'}
        </p>
      )}
      <h2>History</h2>
      {history.data === null ? (
        <Loading what="the history" />
      ) : (
        <ol class="timeline">
          {[...history.data].reverse().map((h) => (
            <li key={h.seq}>
              <time dateTime={h.at}>{time(h.at)}</time> {h.action} → {h.toStatus} by {h.actor}
              {h.reason ? <span class="hint"> — {h.reason}</span> : null}
            </li>
          ))}
        </ol>
      )}
      <Source src={src} />
    </>
  );
}

/** Experiments, and one experiment's arms, analysis, shadow table and conclusion, live. */
export function ExperimentsPage({ parts }: { parts: readonly string[] }) {
  return (
    <ListDetailPage
      page="experiments"
      id={parts[0]}
      title="Experiments"
      detailTitle={(id) => `Experiment ${id}`}
      back="All experiments"
      list={() => <ExperimentList />}
      detail={(id) => <ExperimentDetail id={id} />}
    />
  );
}
