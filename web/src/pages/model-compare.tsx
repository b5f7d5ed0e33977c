import { useState } from 'preact/hooks';
import { DECISIONS, DecisionMatrix } from '../components/decision-matrix.js';
import { Num, Source } from '../components/num.js';
import { ErrorBox, Loading, TableWrap } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { count, fixed, pct, signed } from '../format.js';
import type { Comparison } from '../types.js';

const METRICS: readonly [key: string, label: string, better: 'higher' | 'lower'][] = [
  ['recall', 'Poisonous recall', 'higher'],
  ['falseEdible', 'False edible (p ≥ 0.5)', 'lower'],
  ['accuracy', 'Accuracy', 'higher'],
  ['precision', 'Precision', 'higher'],
  ['f1', 'F1', 'higher'],
  ['rocAuc', 'ROC AUC', 'higher'],
  ['logLoss', 'Log loss', 'lower'],
  ['brier', 'Brier score', 'lower'],
];

function Result({ src }: { src: string }) {
  const cmp = useApi<Comparison>(src);
  if (cmp.error !== null) return <ErrorBox>{cmp.error}</ErrorBox>;
  if (cmp.data === null) return <Loading what="the comparison (both versions scored on the same rows)" />;
  const c = cmp.data;
  const [a, b] = c.versions;
  return (
    <div class="panel" data-compare={`${a}-${b}`}>
      <p>
        Both scored on the test split of {c.datasetId}: <Num src={src}>{count(c.rows)}</Num> rows. Their
        decisions differ on <Num src={src}>{count(c.disagreements)}</Num> rows (
        <Num src={src}>{pct(c.disagreementShare, 2)}</Num>).
      </p>
      <TableWrap label="Metric deltas">
        <table>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">v{a}</th>
              <th scope="col">v{b}</th>
              <th scope="col">
                v{b} − v{a}
              </th>
              <th scope="col">Better</th>
            </tr>
          </thead>
          <tbody>
            {METRICS.filter(([k]) => c.metrics[k] !== undefined).map(([k, label, better]) => {
              const m = c.metrics[k];
              const digits = k === 'falseEdible' ? 0 : 4;
              return (
                <tr key={k}>
                  <th scope="row">{label}</th>
                  <td>
                    <Num src={src}>{fixed(m.a, digits)}</Num>
                  </td>
                  <td>
                    <Num src={src}>{fixed(m.b, digits)}</Num>
                  </td>
                  <td>
                    <Num src={src}>{signed(m.delta, digits)}</Num>
                  </td>
                  <td>{better}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
      <DecisionMatrix
        down={`v${a}`}
        across={`v${b}`}
        caption={`Decisions on the same rows: v${a} down, v${b} across`}
        cell={(d, e) => c.decisionMatrix[DECISIONS.indexOf(d)]?.[DECISIONS.indexOf(e)] ?? 0}
        src={src}
      />
      <Source src={src} />
    </div>
  );
}

/** Two versions side by side on the same rows: metric deltas and the 3 × 3 decision matrix. */
export function CompareVersions({
  name,
  versions,
  production,
}: {
  name: string;
  versions: readonly number[];
  production: number | null;
}) {
  const [a, setA] = useState(production ?? versions[versions.length - 1] ?? 1);
  const [b, setB] = useState(versions.find((v) => v !== (production ?? -1)) ?? versions[0] ?? 1);
  const [src, setSrc] = useState<string | null>(null);
  if (versions.length < 2) return <p>Only one version: nothing to compare.</p>;
  const options = versions.map((v) => (
    <option key={v} value={v}>
      v{v}
    </option>
  ));
  return (
    <>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setSrc(a === b ? null : `/v1/models/${encodeURIComponent(name)}/compare?a=${a}&b=${b}`);
        }}
      >
        <label for="compare-a">First version</label>
        <select
          id="compare-a"
          value={a}
          onChange={(e) => setA(Number((e.target as HTMLSelectElement).value))}
        >
          {options}
        </select>
        <label for="compare-b">Second version</label>
        <select
          id="compare-b"
          value={b}
          onChange={(e) => setB(Number((e.target as HTMLSelectElement).value))}
        >
          {options}
        </select>
        <button type="submit">Compare</button>
      </form>
      {a === b && <p class="hint">Choose two different versions.</p>}
      {src !== null && <Result key={src} src={src} />}
    </>
  );
}
