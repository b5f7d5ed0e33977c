import { useState } from 'preact/hooks';
import { ActionForm } from '../components/action-form.js';
import { ListDetailPage } from '../components/list-detail.js';
import { Num, Source } from '../components/num.js';
import { Badge, ErrorBox, Head, Loading, Ready, TableWrap } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { count, pct, time } from '../format.js';
import { href } from '../router.js';
import type { RunRecord, TaskRecord } from './pipeline-types.js';
import { TaskGraph } from './task-graph.js';

const enc = encodeURIComponent;

interface RunView {
  run: RunRecord;
  tasks: TaskRecord[];
  attempts: {
    taskId: string;
    attempt: number;
    worker: string | null;
    state: string;
    startedAt: string;
    finishedAt: string | null;
    error: string | null;
  }[];
  links: { kind: string; ref: string; taskId: string }[];
}
interface LogRecord {
  id: number;
  taskId: string;
  attempt: number;
  at: string;
  level: string;
  message: string;
}

export function stateTone(state: string): 'ok' | 'warn' | 'bad' | 'info' | 'muted' {
  if (state === 'succeeded') return 'ok';
  if (state === 'failed' || state === 'upstream_failed') return 'bad';
  if (state === 'paused' || state === 'retrying') return 'warn';
  if (state === 'running' || state === 'queued') return 'info';
  return 'muted';
}

/** The page's answer when this server has no pipeline routes yet. */
function unavailable(error: string): boolean {
  return /no route GET \/v1\/pipelines/.test(error);
}

function RunList() {
  const src = '/v1/pipelines/runs';
  const runs = useApi<RunRecord[]>(src, { live: true });
  const pipelines = useApi<unknown[]>('/v1/pipelines');
  if (runs.error !== null) {
    return unavailable(runs.error) ? (
      <>
        <Ready page="pipelines" />
        <p>
          This server has no pipeline routes: pipelines run from the CLI (
          <code>sporeprint pipeline run retrain</code>).
        </p>
      </>
    ) : (
      <ErrorBox>{runs.error}</ErrorBox>
    );
  }
  if (runs.data === null) return <Loading what="the pipeline runs" />;
  return (
    <>
      <Ready page="pipelines" />
      {pipelines.data !== null && (
        <p>
          <Num src="/v1/pipelines">{count(pipelines.data.length)}</Num> pipelines can run here.
        </p>
      )}
      {runs.data.length === 0 ? (
        <p>No pipeline run yet.</p>
      ) : (
        <TableWrap label="Pipeline runs">
          <table>
            <caption>Newest first</caption>
            <Head
              cols={['Run', 'Pipeline', 'State', 'Trigger', 'Executor', 'Started (UTC)', 'Finished (UTC)']}
            />
            <tbody>
              {runs.data.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <a href={href('pipelines', r.id)}>{r.id}</a>
                  </th>
                  <td>{r.pipeline}</td>
                  <td>
                    <Badge tone={stateTone(r.state)}>{r.state}</Badge>
                    {r.pausedReason ? <span class="hint"> {r.pausedReason}</span> : null}
                  </td>
                  <td>{r.triggerKind}</td>
                  <td>{r.executor}</td>
                  <td>{time(r.startedAt)}</td>
                  <td>{time(r.finishedAt)}</td>
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

function Logs({ id }: { id: string }) {
  const src = `/v1/pipelines/runs/${enc(id)}/logs`;
  const logs = useApi<LogRecord[] | { logs: LogRecord[] }>(src, { live: true });
  if (logs.error !== null) return <ErrorBox>{logs.error}</ErrorBox>;
  if (logs.data === null) return <Loading what="the logs" />;
  const lines = Array.isArray(logs.data) ? logs.data : logs.data.logs;
  return (
    <>
      {lines.length === 0 ? (
        <p>No log line yet.</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard
        <section class="logs" aria-label="Logs" tabIndex={0}>
          <pre>
            {lines
              .map((l) => `${time(l.at)} ${l.level.padEnd(5)} ${l.taskId}#${l.attempt} ${l.message}`)
              .join('\n')}
          </pre>
        </section>
      )}
      <Source src={src} />
    </>
  );
}

function RunDetail({ id }: { id: string }) {
  const src = `/v1/pipelines/runs/${enc(id)}`;
  const view = useApi<RunView>(src, { live: true });
  const [action, setAction] = useState<'retry' | 'cancel' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (view.error !== null && view.data === null) return <ErrorBox>{view.error}</ErrorBox>;
  if (view.data === null) return <Loading what={`run ${id}`} />;
  const { run, tasks, attempts = [], links = [] } = view.data;
  const active = run.state === 'running' || run.state === 'paused';
  return (
    <>
      <Ready page="pipeline-run" />
      <p>
        {run.pipeline} · <Badge tone={stateTone(run.state)}>{run.state}</Badge> · triggered by{' '}
        {run.triggerKind}
        {run.createdBy ? ` (${run.createdBy})` : ''} · {run.executor} executor · started {time(run.startedAt)}
        {run.finishedAt ? ` · finished ${time(run.finishedAt)}` : ''}
      </p>
      {run.pausedReason && <p>Paused: {run.pausedReason}</p>}
      {run.error && <ErrorBox>{run.error}</ErrorBox>}
      <div aria-live="polite">{done !== null && <p class="done">{done}</p>}</div>
      <div class="row">
        <button
          type="button"
          disabled={run.state !== 'failed' && run.state !== 'cancelled'}
          onClick={() => setAction('retry')}
        >
          Retry failed tasks
        </button>
        <button type="button" class="secondary" disabled={!active} onClick={() => setAction('cancel')}>
          Cancel the run
        </button>
      </div>
      {action !== null && (
        <ActionForm
          title={action === 'retry' ? `Retry the failed tasks of ${id}` : `Cancel ${id}`}
          path={`${src}/${action}`}
          body={{}}
          canForce={false}
          askReason={false}
          onCancel={() => setAction(null)}
          onDone={(m) => {
            setAction(null);
            setDone(m);
            view.reload();
          }}
        />
      )}
      <h2>Task graph</h2>
      <TaskGraph
        plan={run.plan?.tasks ?? tasks.map((t) => ({ id: t.taskId, kind: t.kind, dependsOn: [] }))}
        tasks={tasks}
      />
      <TableWrap label="Tasks">
        <table>
          <Head cols={['Task', 'State', 'Attempt', 'Progress', 'Duration', 'Worker', 'Error']} />
          <tbody>
            {tasks.map((t) => (
              <tr key={t.taskId}>
                <th scope="row">
                  {t.taskId} <span class="hint">({t.kind})</span>
                </th>
                <td>
                  <Badge tone={stateTone(t.state)}>{t.state}</Badge>
                </td>
                <td>
                  {t.attempt} / {t.maxAttempts}
                </td>
                <td>
                  {t.progress === null ? '–' : <Num src={src}>{pct(t.progress, 0)}</Num>}
                  {t.progressNote ? <span class="hint"> {t.progressNote}</span> : null}
                </td>
                <td>
                  {t.durationMs === null ? (
                    '–'
                  ) : (
                    <Num src={src}>{`${(t.durationMs / 1000).toFixed(1)} s`}</Num>
                  )}
                </td>
                <td>{t.worker ?? '–'}</td>
                <td>{t.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {attempts.length > 0 && (
        <details>
          <summary>{count(attempts.length)} attempts</summary>
          <ul class="plain">
            {attempts.map((a) => (
              <li key={`${a.taskId}-${a.attempt}`}>
                {a.taskId} #{a.attempt}: {a.state} on {a.worker ?? '?'} from {time(a.startedAt)}
                {a.finishedAt ? ` to ${time(a.finishedAt)}` : ''}
                {a.error ? ` — ${a.error}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
      {links.length > 0 && (
        <>
          <h2>What it made</h2>
          <ul class="plain">
            {links.map((l) => (
              <li key={`${l.kind}-${l.ref}`}>
                {l.kind}: {linkTo(l.kind, l.ref)} (task {l.taskId})
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Logs</h2>
      <Logs id={id} />
      <Source src={src} />
    </>
  );
}

function linkTo(kind: string, ref: string) {
  if (kind === 'dataset') return <a href={href('data', ref)}>{ref}</a>;
  if (kind === 'experiment') return <a href={href('experiments', ref)}>{ref}</a>;
  if (kind === 'model-version') {
    const [name] = ref.split(/[@:/]v?(?=\d+$)/);
    return <a href={href('models', name ?? ref)}>{ref}</a>;
  }
  return ref;
}

/** Pipeline runs, and one run's task graph with states, attempts, links, logs, retry and cancel. */
export function PipelinesPage({ parts }: { parts: readonly string[] }) {
  return (
    <ListDetailPage
      page="pipelines"
      id={parts[0]}
      title="Pipelines"
      detailTitle={(id) => `Pipeline run ${id}`}
      back="All runs"
      list={() => <RunList />}
      detail={(id) => <RunDetail id={id} />}
    />
  );
}
