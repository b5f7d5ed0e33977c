import { useState } from 'preact/hooks';
import { apiPost, errorText } from '../api.js';
import { Num, Source } from '../components/num.js';
import { Badge, ErrorBox, Head, Loading, TableWrap } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { fixed, time } from '../format.js';

interface AlertRow {
  fingerprint: string;
  ruleName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  value: number | null;
  activeAt: string;
  firedAt: string | null;
  resolvedAt: string | null;
  silencedBy: string[];
}
interface SilenceRow {
  id: string;
  status: string;
  matchersText: string[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}
interface Listing {
  alerts: AlertRow[];
  silences: SilenceRow[];
}
interface HistoryRow {
  seq: number;
  at: string;
  kind: string;
  ruleName: string | null;
  fromState: string | null;
  toState: string | null;
  channel: string | null;
  outcome: string | null;
}

function SilenceForm({ rule, onDone }: { rule: string; onDone: (message: string | null) => void }) {
  const [duration, setDuration] = useState('2h');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = `silence-${rule}`;
  return (
    <form
      class="action-form"
      aria-label={`Silence ${rule}`}
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await apiPost('/v1/alerts/silences', {
            matchers: [`alertname=${rule}`],
            duration,
            comment: comment.trim() || 'silenced from the dashboard',
          });
          onDone(`Silenced ${rule} for ${duration}.`);
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <h3>Silence {rule}</h3>
      <label for={`${id}-duration`}>For</label>
      <select
        id={`${id}-duration`}
        value={duration}
        onChange={(e) => setDuration((e.target as HTMLSelectElement).value)}
      >
        {['30m', '2h', '8h', '24h'].map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
      <label for={`${id}-comment`}>Why (recorded)</label>
      <input
        id={`${id}-comment`}
        type="text"
        maxLength={1000}
        value={comment}
        onInput={(e) => setComment((e.target as HTMLInputElement).value)}
      />
      {error !== null && (
        <div class="error-box" role="alert">
          {error}
        </div>
      )}
      <div class="row">
        <button type="submit">Silence</button>
        <button type="button" class="secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
      <p class="hint">
        Needs an admin API key. Calls <code>POST /v1/alerts/silences</code>.
      </p>
    </form>
  );
}

/** Current alerts, silences and the alert history, live. */
export function AlertsSection() {
  const listing = useApi<Listing>('/v1/alerts', { live: true });
  const history = useApi<HistoryRow[]>('/v1/alerts/history?limit=50', { live: true });
  const [silencing, setSilencing] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <>
      <h2>Alerts</h2>
      <div aria-live="polite">{done !== null && <p class="done">{done}</p>}</div>
      {silencing !== null && (
        <SilenceForm
          rule={silencing}
          onDone={(m) => {
            setSilencing(null);
            setDone(m);
            listing.reload();
          }}
        />
      )}
      {listing.error !== null ? (
        <ErrorBox>{listing.error}</ErrorBox>
      ) : listing.data === null ? (
        <Loading what="the alerts" />
      ) : listing.data.alerts.length === 0 ? (
        <p>No alert is pending or firing, and none resolved recently.</p>
      ) : (
        <TableWrap label="Alerts">
          <table>
            <Head cols={['Rule', 'State', 'Severity', 'Value', 'Since (UTC)', 'Summary', 'Silence']} />
            <tbody>
              {listing.data.alerts.map((a) => (
                <tr key={a.fingerprint}>
                  <th scope="row">{a.ruleName}</th>
                  <td>
                    <Badge tone={a.state === 'firing' ? 'bad' : a.state === 'pending' ? 'warn' : 'muted'}>
                      {a.state}
                    </Badge>
                  </td>
                  <td>{a.labels.severity ?? '–'}</td>
                  <td>
                    <Num src="/v1/alerts">{a.value === null ? '–' : fixed(a.value, 3)}</Num>
                  </td>
                  <td>{time(a.resolvedAt ?? a.firedAt ?? a.activeAt)}</td>
                  <td>{a.annotations.summary ?? ''}</td>
                  <td>
                    {a.silencedBy.length > 0 ? (
                      'silenced'
                    ) : a.state === 'resolved' ? (
                      '–'
                    ) : (
                      <button type="button" class="small secondary" onClick={() => setSilencing(a.ruleName)}>
                        Silence<span class="sr"> {a.ruleName}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h3>Silences</h3>
      {listing.data === null ? null : listing.data.silences.length === 0 ? (
        <p>No silence.</p>
      ) : (
        <TableWrap label="Silences">
          <table>
            <Head cols={['Matchers', 'Status', 'From – to (UTC)', 'By', 'Why']} />
            <tbody>
              {listing.data.silences.map((s) => (
                <tr key={s.id}>
                  <th scope="row">{s.matchersText.join(', ')}</th>
                  <td>{s.status}</td>
                  <td>
                    {time(s.startsAt)} – {time(s.endsAt)}
                  </td>
                  <td>{s.createdBy}</td>
                  <td>{s.comment}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Source src="/v1/alerts" />
      <h3>History</h3>
      {history.data === null ? (
        history.error !== null ? (
          <ErrorBox>{history.error}</ErrorBox>
        ) : (
          <Loading what="the alert history" />
        )
      ) : history.data.length === 0 ? (
        <p>Nothing happened yet.</p>
      ) : (
        <ol class="timeline">
          {history.data.map((h) => (
            <li key={h.seq}>
              <time dateTime={h.at}>{time(h.at)}</time> {h.kind} {h.ruleName ?? ''}{' '}
              {h.kind === 'transition'
                ? `${h.fromState} → ${h.toState}`
                : [h.channel, h.outcome].filter(Boolean).join(' ')}
            </li>
          ))}
        </ol>
      )}
      <Source src="/v1/alerts/history?limit=50" />
    </>
  );
}
