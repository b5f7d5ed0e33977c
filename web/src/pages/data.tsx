import type { ChartData } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { Chart, COLORS } from '../components/chart.js';
import { ListDetailPage } from '../components/list-detail.js';
import { Num, Source } from '../components/num.js';
import { ErrorBox, Head, Loading, Ready, TableWrap } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { count, fixed, pct, time } from '../format.js';
import { href } from '../router.js';

const enc = encodeURIComponent;
const PAGE = 50;

interface Summary {
  id: string;
  fileName: string;
  schemaName: string;
  splitKind: string;
  seed: number;
  counts: {
    classes?: { e: number; p: number };
    splits?: { train: number; validation: number; test: number };
  };
  createdAt: string;
}
interface Column {
  name: string;
  kind: 'nominal' | 'numeric';
  missingShare: number;
  categories?: Record<string, number>;
  numeric?: { min: number | null; p50: number | null; max: number | null; mean: number | null };
}
interface Dataset {
  datasetId: string;
  sourceId: string;
  fileName: string;
  schema: string;
  splitKind: string;
  seed: number;
  rows: { data: number; valid: number; invalid: number; duplicates: number; labelConflicts: number };
  species: { derived: boolean; count: number; reason: string | null };
  labelConflicts: { line: number; rowIndex: number; species: string; expected: string; actual: string }[];
  quarantine: { total: number };
  profile: {
    classBySplit: Record<'train' | 'validation' | 'test', { e: number; p: number }>;
    columns: Column[];
  };
}
interface Quarantine {
  total: number;
  entries: { id: number; line: number; column: string | null; value: string | null; reason: string }[];
}

function DatasetList() {
  const src = '/v1/datasets';
  const list = useApi<Summary[]>(src);
  if (list.error !== null) return <ErrorBox>{list.error}</ErrorBox>;
  if (list.data === null) return <Loading what="the dataset versions" />;
  return (
    <>
      <Ready page="data" />
      {list.data.length === 0 ? (
        <p>
          No dataset version yet: <code>sporeprint etl --source data/secondary_data.csv</code>.
        </p>
      ) : (
        <TableWrap label="Dataset versions">
          <table>
            <caption>Newest first</caption>
            <Head
              cols={[
                'Version',
                'Source',
                'Schema',
                'Split, seed',
                'Train / validation / test',
                'Created (UTC)',
              ]}
            />
            <tbody>
              {list.data.map((d) => (
                <tr key={d.id}>
                  <th scope="row">
                    <a href={href('data', d.id)}>{d.id}</a>
                  </th>
                  <td>{d.fileName}</td>
                  <td>{d.schemaName}</td>
                  <td>
                    {d.splitKind}, {d.seed}
                  </td>
                  <td>
                    <Num src={src}>{count(d.counts.splits?.train)}</Num> /{' '}
                    <Num src={src}>{count(d.counts.splits?.validation)}</Num> /{' '}
                    <Num src={src}>{count(d.counts.splits?.test)}</Num>
                  </td>
                  <td>{time(d.createdAt)}</td>
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

function MissingChart({ columns }: { columns: Column[] }) {
  const data = useMemo<ChartData<'bar'>>(
    () => ({
      labels: columns.map((c) => c.name),
      datasets: [
        {
          label: 'missing (%)',
          data: columns.map((c) => c.missingShare * 100),
          backgroundColor: COLORS.uncertain,
        },
      ],
    }),
    [columns],
  );
  const missing = columns.filter((c) => c.missingShare > 0);
  return (
    <Chart
      type="bar"
      data={data}
      label={`Share of missing values per column: ${missing.map((c) => `${c.name} ${pct(c.missingShare, 1)}`).join(', ') || 'none'}`}
      options={{
        indexAxis: 'y',
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, max: 100, title: { display: true, text: 'missing (%)' } } },
      }}
      height={Math.max(200, columns.length * 20 + 60)}
    />
  );
}

function QuarantineTable({ id }: { id: string }) {
  const [offset, setOffset] = useState(0);
  const src = `/v1/datasets/${enc(id)}/quarantine?limit=${PAGE}&offset=${offset}`;
  const q = useApi<Quarantine>(src);
  if (q.error !== null) return <ErrorBox>{q.error}</ErrorBox>;
  if (q.data === null) return <Loading what="the quarantine" />;
  if (q.data.total === 0) return <p>Quarantine: empty (every row passed validation).</p>;
  return (
    <>
      <p>
        <Num src={src}>{count(q.data.total)}</Num> quarantine entries; rows {count(offset + 1)}–
        {count(Math.min(offset + PAGE, q.data.total))}:
      </p>
      <TableWrap label="Quarantine">
        <table>
          <Head cols={['Line', 'Column', 'Value', 'Reason']} />
          <tbody>
            {q.data.entries.map((e) => (
              <tr key={e.id}>
                <th scope="row">{e.line}</th>
                <td>{e.column ?? '(row)'}</td>
                <td>{e.value ?? '–'}</td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <div class="row">
        <button
          type="button"
          class="secondary"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE))}
        >
          Previous
        </button>
        <button
          type="button"
          class="secondary"
          disabled={offset + PAGE >= q.data.total}
          onClick={() => setOffset(offset + PAGE)}
        >
          Next
        </button>
      </div>
    </>
  );
}

function DatasetDetail({ id }: { id: string }) {
  const src = `/v1/datasets/${enc(id)}`;
  const ds = useApi<Dataset>(src);
  if (ds.error !== null) return <ErrorBox>{ds.error}</ErrorBox>;
  if (ds.data === null) return <Loading what={`dataset version ${id}`} />;
  const d = ds.data;
  const splits = ['train', 'validation', 'test'] as const;
  return (
    <>
      <Ready page="dataset" />
      <p>
        {d.fileName} ({d.schema} schema), {d.splitKind} split with seed {d.seed}. Source SHA-256{' '}
        <code>{d.sourceId.slice(0, 16)}…</code>
      </p>
      <dl class="figures wide">
        {(
          [
            ['Data rows', d.rows.data],
            ['Valid', d.rows.valid],
            ['Quarantined', d.rows.invalid],
            ['Exact duplicates', d.rows.duplicates],
            ['Label conflicts', d.rows.labelConflicts],
          ] as const
        ).map(([label, n]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>
              <Num src={src}>{count(n)}</Num>
            </dd>
          </div>
        ))}
      </dl>
      <p>
        Species:{' '}
        {d.species.derived
          ? `${count(d.species.count)} derived from the generation order`
          : `not derived (${d.species.reason ?? 'unknown order'})`}
        .
      </p>
      <h2>Classes per split</h2>
      <TableWrap label="Classes per split">
        <table>
          <thead>
            <tr>
              <th scope="col">Class</th>
              {splits.map((s) => (
                <th scope="col" key={s}>
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(['p', 'e'] as const).map((c) => (
              <tr key={c}>
                <th scope="row">{c === 'p' ? 'poisonous' : 'edible'}</th>
                {splits.map((s) => (
                  <td key={s}>
                    <Num src={src}>{count(d.profile.classBySplit[s][c])}</Num>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <h2>Profile</h2>
      <MissingChart columns={d.profile.columns} />
      <TableWrap label="Columns">
        <table>
          <Head cols={['Column', 'Kind', 'Missing', 'Values']} />
          <tbody>
            {d.profile.columns.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.kind}</td>
                <td>
                  <Num src={src}>{pct(c.missingShare, 1)}</Num>
                </td>
                <td>
                  {c.numeric
                    ? `min ${fixed(c.numeric.min, 2)}, median ${fixed(c.numeric.p50, 2)}, max ${fixed(c.numeric.max, 2)}`
                    : Object.entries(c.categories ?? {})
                        .sort((a, b) => b[1] - a[1])
                        .slice(0, 8)
                        .map(([k, n]) => `${k} ${count(n)}`)
                        .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <h2>Label conflicts</h2>
      {d.labelConflicts.length === 0 ? (
        <p>No row contradicts its species.</p>
      ) : (
        <TableWrap label="Label conflicts">
          <table>
            <caption>
              Rows whose class contradicts their species (the first {count(d.labelConflicts.length)})
            </caption>
            <Head cols={['Line', 'Species', "Species' class", "Row's class"]} />
            <tbody>
              {d.labelConflicts.map((c) => (
                <tr key={c.rowIndex}>
                  <th scope="row">{c.line}</th>
                  <td>{c.species}</td>
                  <td>{c.expected === 'p' ? 'poisonous' : 'edible'}</td>
                  <td>{c.actual === 'p' ? 'poisonous' : 'edible'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h2>Quarantine</h2>
      <QuarantineTable id={id} />
      <Source src={src} />
    </>
  );
}

/** Dataset versions, and one version's profile, label conflicts and quarantine. */
export function DataPage({ parts }: { parts: readonly string[] }) {
  return (
    <ListDetailPage
      page="data"
      id={parts[0]}
      title="Data"
      detailTitle={(id) => `Dataset version ${id}`}
      back="All dataset versions"
      list={() => <DatasetList />}
      detail={(id) => <DatasetDetail id={id} />}
    />
  );
}
