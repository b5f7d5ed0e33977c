import { useState } from 'preact/hooks';
import { ActionForm } from '../components/action-form.js';
import { ListDetailPage } from '../components/list-detail.js';
import { Num, Source } from '../components/num.js';
import { Badge, ErrorBox, Head, Loading, Ready, TableWrap } from '../components/status.js';
import { type ApiState, useApi } from '../components/use-api.js';
import { count, fixed, pct, time } from '../format.js';
import { href } from '../router.js';
import type { GateVerdict, HistoryEvent, ModelRecord, VersionRecord } from '../types.js';
import { CompareVersions } from './model-compare.js';

const enc = encodeURIComponent;
/** Versions shown before "show all" (a model may have a thousand). */
const FIRST_ROWS = 50;

function stageTone(stage: string): 'ok' | 'info' | 'muted' {
  return stage === 'Production' ? 'ok' : stage === 'Staging' ? 'info' : 'muted';
}

function ModelList() {
  const models = useApi<ModelRecord[]>('/v1/models', { live: true });
  if (models.error !== null) return <ErrorBox>{models.error}</ErrorBox>;
  if (models.data === null) return <Loading what="the models" />;
  return (
    <>
      <Ready page="models" />
      {models.data.length === 0 ? (
        <p>No registered model yet.</p>
      ) : (
        <TableWrap label="Registered models">
          <table>
            <Head cols={['Model', 'Production', 'Latest', 'Aliases', 'Created (UTC)']} />
            <tbody>
              {models.data.map((m) => (
                <tr key={m.name}>
                  <th scope="row">
                    <a href={href('models', m.name)}>{m.name}</a>
                  </th>
                  <td>
                    {m.productionVersion === null ? '–' : <Num src="/v1/models">v{m.productionVersion}</Num>}
                  </td>
                  <td>
                    <Num src="/v1/models">v{m.latestVersion}</Num>
                  </td>
                  <td>
                    {Object.entries(m.aliases)
                      .map(([a, v]) => `${a} → v${v}`)
                      .join(', ') || '–'}
                  </td>
                  <td>{time(m.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Source src="/v1/models" />
    </>
  );
}

/** The quality gate's verdict on a version, rule by rule. */
function Gate({ name, version }: { name: string; version: number }) {
  const src = `/v1/models/${enc(name)}/versions/${version}/gate`;
  const gate = useApi<GateVerdict>(src);
  if (gate.error !== null) return <ErrorBox>{gate.error}</ErrorBox>;
  if (gate.data === null) return <Loading what={`the quality gate's verdict on v${version}`} />;
  const g = gate.data;
  return (
    <section class="panel" aria-label={`Quality gate verdict on v${version}`}>
      <h3>
        Quality gate on v{version}:{' '}
        <Badge tone={g.passed ? 'ok' : 'bad'}>{g.passed ? 'passes' : 'blocks'}</Badge>
      </h3>
      <p class="hint">
        Evaluated on the test split of {g.datasetId} ({count(g.candidate.figures.n)} rows)
        {g.production
          ? `, against Production v${g.production.version} on the same rows`
          : ', no Production version to compare with'}
        .
      </p>
      <TableWrap label={`Gate rules for v${version}`}>
        <table>
          <Head cols={['Rule', 'Verdict', 'Figure', 'Bound', 'In words']} />
          <tbody>
            {g.rules.map((r) => (
              <tr key={r.rule}>
                <th scope="row">{r.rule}</th>
                <td>
                  <Badge tone={r.passed ? 'ok' : 'bad'}>{r.passed ? 'pass' : 'fail'}</Badge>
                </td>
                <td>
                  <Num src={src}>{fixed(r.actual, 4)}</Num>
                </td>
                <td>
                  <Num src={src}>{fixed(r.limit, 4)}</Num>
                </td>
                <td>{r.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

type Action = { kind: 'promote' | 'staging' | 'archive'; version: number } | { kind: 'rollback' } | null;

function actionProps(name: string, action: Exclude<Action, null>) {
  const base = `/v1/models/${enc(name)}`;
  switch (action.kind) {
    case 'promote':
      return {
        title: `Promote v${action.version} to Production`,
        path: `${base}/versions/${action.version}/promote`,
        body: { stage: 'Production' },
        canForce: true,
      };
    case 'staging':
      return {
        title: `Move v${action.version} to Staging`,
        path: `${base}/versions/${action.version}/promote`,
        body: { stage: 'Staging' },
        canForce: true,
      };
    case 'archive':
      return {
        title: `Archive v${action.version}`,
        path: `${base}/versions/${action.version}/archive`,
        body: {},
        canForce: true,
      };
    case 'rollback':
      return {
        title: 'Roll Production back to the previous version',
        path: `${base}/rollback`,
        body: {},
        canForce: false,
      };
  }
}

function VersionRows({
  name,
  versions,
  onAction,
  onGate,
}: {
  name: string;
  versions: readonly VersionRecord[];
  onAction: (a: Action) => void;
  onGate: (v: number) => void;
}) {
  const src = `/v1/models/${enc(name)}`;
  return (
    <tbody>
      {versions.map((v) => {
        const t = v.metrics?.test;
        return (
          <tr key={v.version} data-version={v.version}>
            <th scope="row">v{v.version}</th>
            <td>
              <Badge tone={stageTone(v.stage)}>{v.stage}</Badge>
              {v.aliases.length > 0 ? <span class="hint"> {v.aliases.join(', ')}</span> : null}
            </td>
            <td>{v.tags?.modelKind ?? '–'}</td>
            <td>
              <Num src={`${src}/versions/${v.version}`}>{fixed(t?.recall, 4)}</Num>
            </td>
            <td>
              <Num src={`${src}/versions/${v.version}`}>{count(t?.falseEdible)}</Num>
            </td>
            <td>
              <Num src={`${src}/versions/${v.version}`}>{pct(t?.accuracy, 2)}</Num>
            </td>
            <td>{time(v.createdAt)}</td>
            <td class="actions">
              <button type="button" class="small" onClick={() => onGate(v.version)}>
                Gate verdict<span class="sr"> for v{v.version}</span>
              </button>
              {v.stage !== 'Production' && (
                <button
                  type="button"
                  class="small"
                  onClick={() => onAction({ kind: 'promote', version: v.version })}
                >
                  Promote<span class="sr"> v{v.version} to Production</span>
                </button>
              )}
              {v.stage !== 'Staging' && v.stage !== 'Production' && (
                <button
                  type="button"
                  class="small secondary"
                  onClick={() => onAction({ kind: 'staging', version: v.version })}
                >
                  Staging<span class="sr"> for v{v.version}</span>
                </button>
              )}
              {v.stage !== 'Archived' && (
                <button
                  type="button"
                  class="small secondary"
                  onClick={() => onAction({ kind: 'archive', version: v.version })}
                >
                  Archive<span class="sr"> v{v.version}</span>
                </button>
              )}
            </td>
          </tr>
        );
      })}
    </tbody>
  );
}

/** The newest events of the history shown. */
const HISTORY_EVENTS = 100;

function Timeline({ src, history }: { src: string; history: ApiState<HistoryEvent[]> }) {
  if (history.error !== null) return <ErrorBox>{history.error}</ErrorBox>;
  if (history.data === null) return <Loading what="the history" />;
  const events = [...history.data].reverse();
  return (
    <>
      <ol class="timeline" aria-label="Stage and alias history, newest first">
        {events.map((e) => (
          <li key={e.id}>
            <time dateTime={e.createdAt}>{time(e.createdAt)}</time> <strong>v{e.version}</strong> {e.event}
            {e.toStage && e.toStage !== e.fromStage ? `: ${e.fromStage ?? 'None'} → ${e.toStage}` : ''}
            {e.alias ? ` (alias ${e.alias})` : ''} by {e.actor}
            {e.forced ? ' (forced)' : ''}
            {e.reason ? <span class="hint"> — {e.reason}</span> : null}
          </li>
        ))}
      </ol>
      <Source src={src} />
    </>
  );
}

function ModelDetail({ name }: { name: string }) {
  const [all, setAll] = useState(false);
  const base = `/v1/models/${enc(name)}`;
  // the newest versions only, unless asked for all (a model may have thousands)
  const src = all ? base : `${base}?limit=${FIRST_ROWS}`;
  const model = useApi<{ model: ModelRecord; versions: VersionRecord[] }>(src);
  const historySrc = `${base}/history?last=${HISTORY_EVENTS}`;
  const history = useApi<HistoryEvent[]>(historySrc, { live: true });
  const [action, setAction] = useState<Action>(null);
  const [gateOf, setGateOf] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (model.error !== null) return <ErrorBox>{model.error}</ErrorBox>;
  if (model.data === null) return <Loading what={`model ${name}`} />;
  const { model: m, versions: shown } = model.data;
  // versions are numbered 1…latest and never deleted
  const total = m.latestVersion;
  return (
    <>
      <Ready page="model" />
      <p>
        Production: {m.productionVersion === null ? 'none' : <Num src={src}>v{m.productionVersion}</Num>} ·
        latest <Num src={src}>v{m.latestVersion}</Num> · <Num src={base}>{count(total)}</Num> versions
      </p>
      <div aria-live="polite">{done !== null && <p class="done">{done}</p>}</div>
      {action !== null && (
        <ActionForm
          {...actionProps(name, action)}
          onCancel={() => setAction(null)}
          onDone={(message) => {
            setAction(null);
            setDone(message);
            model.reload();
          }}
        />
      )}
      {gateOf !== null && <Gate name={name} version={gateOf} />}
      <h2>Versions</h2>
      <p>
        <button type="button" class="secondary" onClick={() => setAction({ kind: 'rollback' })}>
          Roll back Production
        </button>
      </p>
      <TableWrap label={`Versions of ${name}`}>
        <table>
          <caption>Figures on each version's test split; newest first.</caption>
          <Head
            cols={[
              'Version',
              'Stage',
              'Learner',
              'Poisonous recall',
              'False edible',
              'Accuracy',
              'Created (UTC)',
              'Actions',
            ]}
          />
          <VersionRows
            name={name}
            versions={shown}
            onAction={(a) => {
              setDone(null);
              setAction(a);
            }}
            onGate={setGateOf}
          />
        </table>
      </TableWrap>
      {!all && total > shown.length && (
        <button type="button" class="secondary" onClick={() => setAll(true)}>
          Show all {count(total)} versions
        </button>
      )}
      <Source src={src} />
      <h2>Compare two versions</h2>
      <CompareVersions
        name={name}
        versions={Array.from({ length: total }, (_, i) => total - i)}
        production={m.productionVersion}
      />
      <h2>History</h2>
      <Timeline src={historySrc} history={history} />
    </>
  );
}

/** Registered models, and one model's versions, actions, gate verdicts, comparison and history. */
export function ModelsPage({ parts }: { parts: readonly string[] }) {
  return (
    <ListDetailPage
      page="models"
      id={parts[0]}
      title="Models"
      detailTitle={(id) => `Model ${id}`}
      back="All models"
      list={() => <ModelList />}
      detail={(id) => <ModelDetail name={id} />}
    />
  );
}
