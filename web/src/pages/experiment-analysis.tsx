import { DecisionMatrix } from '../components/decision-matrix.js';
import { Num } from '../components/num.js';
import { Badge, TableWrap } from '../components/status.js';
import { count, fixed, pct, pValue, signed } from '../format.js';
import type { ExperimentAnalysis, ExperimentRecord, ExperimentView } from '../types.js';

const ACTIONS: Readonly<Record<string, string>> = {
  continue: 'keep running',
  'stop-guardrail': 'stop: the guardrail found harm',
  'pause-srm': 'pause: sample ratio mismatch',
  'stop-significant': 'stop: a significant result',
  'stop-max-duration': 'stop: maximum duration reached',
};

function Challengers({ analysis, src }: { analysis: ExperimentAnalysis; src: string }) {
  return (
    <TableWrap label="Challengers against the control">
      <table data-analysis>
        <caption>
          Each challenger against the control ({analysis.control}) on{' '}
          {analysis.primaryMetric.replace(/_/g, ' ')}; analysed {analysis.at.replace('T', ' ').slice(0, 19)}{' '}
          UTC
        </caption>
        <thead>
          <tr>
            <th scope="col">Arm</th>
            <th scope="col">Control rate</th>
            <th scope="col">Arm rate</th>
            <th scope="col">Difference</th>
            <th scope="col">
              {analysis.sequential ? 'Confidence sequence of the difference' : 'Interval of the difference'}
            </th>
            <th scope="col">Chance to beat control</th>
            <th scope="col">p-value (adjusted)</th>
            <th scope="col">Verdict</th>
            <th scope="col">Guardrail (false edible)</th>
          </tr>
        </thead>
        <tbody>
          {analysis.challengers.map((c) => {
            const p = c.primary;
            const verdict = !p.enoughData
              ? 'collecting data'
              : !p.conclusive
                ? 'not conclusive yet'
                : p.better
                  ? 'better than control'
                  : 'worse than control';
            return (
              <tr key={c.arm} data-challenger={c.arm}>
                <th scope="row">
                  {c.arm} <span class="hint">({c.role})</span>
                </th>
                <td>
                  <Num src={src}>{pct(p.control.rate, 2)}</Num>{' '}
                  <span class="hint">of {count(p.control.n)}</span>
                </td>
                <td>
                  <Num src={src}>{pct(p.challenger.rate, 2)}</Num>{' '}
                  <span class="hint">of {count(p.challenger.n)}</span>
                </td>
                <td>
                  <Num src={src}>{signed(p.difference, 4)}</Num>
                </td>
                <td>{p.ci ? `${signed(p.ci[0], 4)} to ${signed(p.ci[1], 4)}` : '–'}</td>
                <td>
                  <Num src={src}>{pct(p.chanceToWin, 1)}</Num>
                </td>
                <td>
                  <Num src={src}>{pValue(p.pValue)}</Num> ({pValue(p.adjustedPValue)})
                </td>
                <td>
                  <Badge tone={p.conclusive ? (p.better ? 'ok' : 'bad') : 'muted'}>{verdict}</Badge>
                </td>
                <td>
                  {c.guardrail === null ? (
                    'no poisonous label yet'
                  ) : (
                    <>
                      <Badge tone={c.guardrail.decision === 'harm' ? 'bad' : 'ok'}>
                        {c.guardrail.decision}
                      </Badge>{' '}
                      <span class="hint">
                        lower bound <Num src={src}>{fixed(c.guardrail.lowerBound, 4)}</Num> vs margin{' '}
                        {fixed(c.guardrail.margin, 4)}
                      </span>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Srm({ analysis, src }: { analysis: ExperimentAnalysis; src: string }) {
  const s = analysis.srm;
  if (s === null) return <p>Sample ratio check: not yet (needs two served arms with units).</p>;
  return (
    <p data-srm>
      Sample ratio check:{' '}
      <Badge tone={s.flagged ? 'bad' : 'ok'}>{s.flagged ? 'mismatch' : 'as planned'}</Badge> χ² ={' '}
      <Num src={src}>{fixed(s.chiSquare, 3)}</Num>, p = <Num src={src}>{pValue(s.pValue)}</Num> (flagged below{' '}
      {s.threshold}); units{' '}
      {s.arms
        .map((a, i) => `${a} ${count(s.observed[i])} (expected ${count(Math.round(s.expected[i] ?? 0))})`)
        .join(', ')}
      .
    </p>
  );
}

/** The analysis: the decision, each challenger with its interval, chance to win and guardrail, SRM, sequential status. */
export function ExperimentAnalysisView({
  analysis,
  settings,
  src,
}: {
  analysis: ExperimentAnalysis;
  settings: ExperimentRecord['settings'];
  src: string;
}) {
  return (
    <>
      <p data-decision>
        Decision: <strong>{ACTIONS[analysis.decision.action] ?? analysis.decision.action}</strong> —{' '}
        {analysis.decision.reason}
      </p>
      <Challengers analysis={analysis} src={src} />
      {analysis.sequential && (
        <p class="hint">
          A confidence sequence stays valid however often it is looked at; it is wide while the labels are
          few.
        </p>
      )}
      <Srm analysis={analysis} src={src} />
      <p>
        Sequential testing:{' '}
        {settings.sequential
          ? `on (confidence sequences, N* = ${count(settings.sequentialTuning)}): the figures stay valid however often they are looked at.`
          : 'off: a fixed-horizon test, valid once the planned sample is reached.'}{' '}
        α = {settings.alpha}, correction {settings.correction}, guardrail margin {settings.guardrailMargin}
        {settings.maxDurationHours === null ? '' : `, stops after ${settings.maxDurationHours} h`}.
      </p>
    </>
  );
}

/** Per shadow arm, its decisions against the control's on the same requests. */
export function ShadowTables({ view, src }: { view: ExperimentView; src: string }) {
  const tables = view.disagreement ?? [];
  if (tables.length === 0) return <p>No shadow arm in this experiment.</p>;
  return (
    <>
      {tables.map((t) => (
        <DecisionMatrix
          key={t.arm}
          down={t.control}
          across={t.arm}
          caption={`${t.arm} (shadow) against ${t.control} on the same requests: ${t.control} down, ${t.arm} across`}
          cell={(c, o) => t.cells.find((x) => x.control === c && x.other === o)?.count ?? 0}
          src={src}
        />
      ))}
    </>
  );
}
