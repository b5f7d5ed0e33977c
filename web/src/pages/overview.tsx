import type { ChartData } from 'chart.js';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Chart, COLORS } from '../components/chart.js';
import { Num, Source } from '../components/num.js';
import { Badge, ErrorBox, Head, Loading, Ready, TableWrap } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { clock, count, fixed, pct, time } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../router.js';
import type { Overview, OverviewAlert } from '../types.js';

const OVERVIEW = '/v1/overview';

function Models({ overview }: { overview: Overview }) {
  if (overview.models.length === 0) {
    return (
      <p>
        No registered model yet: run <code>sporeprint start</code> or <code>sporeprint train --register</code>
        .
      </p>
    );
  }
  return (
    <div class="cards">
      {overview.models.map((m) => {
        const src =
          m.productionVersion === null
            ? `/v1/models/${encodeURIComponent(m.name)}`
            : `/v1/models/${encodeURIComponent(m.name)}/versions/${m.productionVersion}`;
        const f = m.figures;
        return (
          <article class="card" key={m.name}>
            <h3>
              <a href={href('models', m.name)}>{m.name}</a>
            </h3>
            {m.productionVersion === null ? (
              <p>
                <Badge tone="warn">no Production version</Badge>
              </p>
            ) : (
              <dl class="figures">
                <div>
                  <dt>Production</dt>
                  <dd>
                    <Num src={src}>v{m.productionVersion}</Num>
                  </dd>
                </div>
                <div>
                  <dt>Poisonous recall</dt>
                  <dd>
                    <Num src={src}>{fixed(f?.recall, 4)}</Num>
                  </dd>
                </div>
                <div>
                  <dt>False edible</dt>
                  <dd>
                    <Num src={src}>{count(f?.falseEdible)}</Num>
                  </dd>
                </div>
                <div>
                  <dt>Accuracy</dt>
                  <dd>
                    <Num src={src}>{pct(f?.accuracy, 2)}</Num>
                  </dd>
                </div>
              </dl>
            )}
            <p class="hint">
              Test split{f?.n ? ` of ${count(f.n)} mushrooms` : ''}; latest version v{m.latestVersion}.
            </p>
          </article>
        );
      })}
    </div>
  );
}

function Traffic({ overview }: { overview: Overview }) {
  const p = overview.predictions;
  const data = useMemo<ChartData<'bar'>>(() => {
    // every minute of the hour, those without predictions at zero
    const byMinute = new Map(p.minutes.map((m) => [m.minute.slice(0, 16), m]));
    const end = Math.floor(Date.parse(p.to) / 60_000) * 60_000;
    const minutes = Array.from({ length: 60 }, (_, i) => new Date(end - (59 - i) * 60_000).toISOString());
    const of = (iso: string, d: 'edible' | 'poisonous' | 'uncertain') =>
      byMinute.get(iso.slice(0, 16))?.[d] ?? 0;
    return {
      labels: minutes.map(clock),
      datasets: [
        {
          label: 'poisonous',
          data: minutes.map((m) => of(m, 'poisonous')),
          backgroundColor: COLORS.poisonous,
          stack: 'd',
        },
        {
          label: 'uncertain',
          data: minutes.map((m) => of(m, 'uncertain')),
          backgroundColor: COLORS.uncertain,
          stack: 'd',
        },
        {
          label: 'edible',
          data: minutes.map((m) => of(m, 'edible')),
          backgroundColor: COLORS.edible,
          stack: 'd',
        },
      ],
    };
  }, [p.minutes, p.to]);
  return (
    <>
      <dl class="figures wide">
        <div>
          <dt>Predictions in the last hour</dt>
          <dd>
            <Num src={OVERVIEW}>{count(p.total)}</Num>
          </dd>
        </div>
        <div>
          <dt>Per minute (last 5 min)</dt>
          <dd>
            <Num src={OVERVIEW}>{p.perMinute.toFixed(1)}</Num>
          </dd>
        </div>
        <div>
          <dt>Edible</dt>
          <dd>
            <Num src={OVERVIEW}>{count(p.decisions.edible)}</Num>
          </dd>
        </div>
        <div>
          <dt>Poisonous</dt>
          <dd>
            <Num src={OVERVIEW}>{count(p.decisions.poisonous)}</Num>
          </dd>
        </div>
        <div>
          <dt>Uncertain</dt>
          <dd>
            <Num src={OVERVIEW}>{count(p.decisions.uncertain)}</Num>
          </dd>
        </div>
      </dl>
      {p.minutes.length > 0 ? (
        <Chart
          type="bar"
          data={data}
          label={`Predictions per minute over the last hour, by decision: ${count(p.decisions.edible)} edible, ${count(p.decisions.poisonous)} poisonous, ${count(p.decisions.uncertain)} uncertain`}
          options={{
            scales: {
              x: { stacked: true },
              y: { stacked: true, beginAtZero: true, title: { display: true, text: 'predictions' } },
            },
          }}
          height={200}
        />
      ) : (
        <p>No prediction in the last hour.</p>
      )}
    </>
  );
}

function AlertList({ alerts, empty }: { alerts: readonly OverviewAlert[]; empty: string }) {
  if (alerts.length === 0) return <p>{empty}</p>;
  return (
    <ul class="alerts">
      {alerts.map((a) => (
        <li key={a.fingerprint} class={`alert alert-${a.severity}`} data-alert={a.ruleName}>
          <Badge tone={a.severity === 'critical' ? 'bad' : 'warn'}>
            {a.severity} · {a.state}
          </Badge>{' '}
          <strong>{a.ruleName}</strong>: {a.summary}{' '}
          <span class="hint">
            since {time(a.since)} UTC, value{' '}
            <Num src="/v1/alerts">{a.value === null ? '–' : fixed(a.value, 3)}</Num>
            {a.silencedBy.length > 0 ? ' · silenced' : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

function Experiments({ overview }: { overview: Overview }) {
  if (overview.experiments === null) return <p>No experiments on this server.</p>;
  if (overview.experiments.length === 0) return <p>No experiment is running.</p>;
  return (
    <TableWrap label="Running experiments">
      <table>
        <Head cols={['Experiment', 'Model', 'State', 'Arms', 'Started (UTC)']} />
        <tbody>
          {overview.experiments.map((e) => (
            <tr key={e.id}>
              <th scope="row">
                <a href={href('experiments', e.id)}>{e.id}</a>
              </th>
              <td>{e.modelName}</td>
              <td>
                <Badge tone={e.status === 'running' ? 'ok' : 'warn'}>{e.status}</Badge>
                {e.statusReason ? <span class="hint"> {e.statusReason}</span> : null}
              </td>
              <td>
                {e.arms.map((a) => `${a.name} v${a.version} (${a.role}, weight ${a.weight})`).join('; ')}
              </td>
              <td>{time(e.startedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Pipelines({ overview }: { overview: Overview }) {
  if (overview.pipelines === null) return <p>No pipelines on this server.</p>;
  if (overview.pipelines.length === 0) return <p>No pipeline run in progress.</p>;
  return (
    <ul class="plain">
      {overview.pipelines.map((r) => (
        <li key={r.id}>
          <a href={href('pipelines', r.id)}>{r.pipeline}</a>{' '}
          <Badge tone={r.state === 'paused' ? 'warn' : 'info'}>{r.state}</Badge>{' '}
          <Num src={`/v1/pipelines/runs/${encodeURIComponent(r.id)}`}>
            {r.tasks.succeeded}/{r.tasks.total}
          </Num>{' '}
          tasks done, {r.tasks.running} running, {r.tasks.failed} failed
          {r.pausedReason ? ` (${r.pausedReason})` : ''}
        </li>
      ))}
    </ul>
  );
}

/** The whole system at a glance, updated live from `GET /v1/events`. */
export function OverviewPage() {
  const live = useLive();
  // the live feed sends the Overview at once; read it directly only while the feed cannot (refused,
  // reconnecting, or silent for 3 s: a proxy that holds the stream back)
  const [waited, setWaited] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setWaited(true), 3000);
    return () => clearTimeout(timer);
  }, []);
  const feedDown = waited || live.status.kind === 'refused' || live.status.kind === 'reconnecting';
  const once = useApi<Overview>(live.overview === null && feedDown ? OVERVIEW : null);
  const overview = live.overview ?? once.data;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {overview === null ? (
        once.error !== null ? (
          <ErrorBox>{once.error}</ErrorBox>
        ) : (
          <Loading what="the overview" />
        )
      ) : (
        <>
          <Ready page="overview" />
          {overview.problems.length > 0 && (
            <ErrorBox>Some parts could not be read: {overview.problems.join('; ')}</ErrorBox>
          )}
          <h2>Firing alerts</h2>
          <div id="firing-alerts" aria-live="polite">
            {overview.alerts === null ? (
              <p>No alerts on this server.</p>
            ) : (
              <AlertList alerts={overview.alerts.firing} empty="No alert is firing." />
            )}
          </div>
          {overview.alerts !== null && overview.alerts.pending.length > 0 && (
            <>
              <h3>Pending</h3>
              <AlertList alerts={overview.alerts.pending} empty="" />
            </>
          )}
          <h2>Production models</h2>
          <Models overview={overview} />
          <h2>Predictions, last hour</h2>
          <Traffic overview={overview} />
          <h2>Experiments</h2>
          <Experiments overview={overview} />
          <h2>Pipeline runs in progress</h2>
          <Pipelines overview={overview} />
          <p class="hint">Read at {time(overview.at)} UTC.</p>
          <Source src={OVERVIEW} label="API (live: GET /v1/events)" />
        </>
      )}
    </section>
  );
}
