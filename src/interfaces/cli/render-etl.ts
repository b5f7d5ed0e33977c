import type { EtlLineage, EtlSummary } from '../../services/index.js';
import { int, pct, table } from './format.js';

/** Human-readable text of an ETL summary (the `--json` form is the summary itself). */
export function renderEtlSummary(s: EtlSummary): string {
  const out: string[] = [];
  const ratio = `${Math.round(s.ratios.train * 100)}/${Math.round(s.ratios.validation * 100)}/${Math.round(s.ratios.test * 100)}`;
  const status = {
    created: 'created',
    'new-version': 'created over a stored source',
    unchanged: 'unchanged: already loaded',
  }[s.status];
  out.push(`Dataset version ${s.datasetId} (${status})`);
  out.push(
    `  source ${s.fileName} · sha256 ${s.sourceId.slice(0, 16)}… · schema ${s.schema} · split ${s.splitKind} ${ratio} · seed ${s.seed}`,
  );
  if (s.lineage !== undefined) out.push(...renderLineage(s.lineage));
  const r = s.rows;
  const share = r.data > 0 ? r.invalid / r.data : 0;
  out.push(
    `  rows ${int(r.data)} · valid ${int(r.valid)} · quarantined ${int(r.invalid)} (${pct(share)}, threshold ${pct(
      s.invalidThreshold,
    )}) · exact duplicates ${int(r.duplicates)} · label conflicts ${int(r.labelConflicts)}`,
  );
  if (s.schema === 'secondary') {
    out.push(
      s.species.derived
        ? `  species: ${s.species.count} derived from the generation order (species = ⌊row/353⌋, names from primary_data.csv)`
        : `  species: not derived (${s.species.reason ?? 'unknown'})`,
    );
  }
  const p = s.profile;
  out.push('');
  out.push(
    table([
      ['class', 'train', 'validation', 'test', 'total'],
      [
        'poisonous (p)',
        p.classBySplit.train.p,
        p.classBySplit.validation.p,
        p.classBySplit.test.p,
        p.classes.p,
      ],
      ['edible (e)', p.classBySplit.train.e, p.classBySplit.validation.e, p.classBySplit.test.e, p.classes.e],
      ['total', p.splits.train, p.splits.validation, p.splits.test, p.rows],
    ]),
  );
  const missing = p.columns.filter((c) => c.missing > 0).sort((a, b) => b.missingShare - a.missingShare);
  out.push('');
  out.push(
    missing.length === 0
      ? 'Missing values: none'
      : `Missing values: ${missing.map((c) => `${c.name} ${pct(c.missingShare, 1)}`).join(', ')}`,
  );
  const numeric = p.columns.filter((c) => c.numeric !== undefined);
  if (numeric.length > 0) {
    out.push('');
    out.push(
      table([
        ['numeric', 'min', 'p5', 'median', 'p95', 'max', 'mean', 'std'],
        ...numeric.map((c) => {
          const n = c.numeric!;
          const f = (x: number | null): string => (x === null ? '-' : x.toFixed(2));
          return [c.name, f(n.min), f(n.p5), f(n.p50), f(n.p95), f(n.max), f(n.mean), f(n.std)];
        }),
      ]),
    );
  }
  out.push('');
  if (s.quarantine.total === 0) {
    out.push('Quarantine: empty');
  } else {
    out.push(`Quarantine: ${int(s.quarantine.total)} problems (first ${s.quarantine.sample.length}):`);
    for (const q of s.quarantine.sample) {
      const value = q.value === null ? '' : ` value '${q.value}'`;
      out.push(`  line ${q.line}${q.column ? ` column ${q.column}` : ''}${value}: ${q.reason}`);
    }
  }
  if (s.labelConflicts.length > 0) {
    out.push(`Label conflicts (kept, flagged): ${s.labelConflicts.length}`);
    for (const c of s.labelConflicts.slice(0, 20)) {
      out.push(`  line ${c.line}: class ${c.actual}, species ${c.species} is ${c.expected}`);
    }
  }
  out.push('');
  out.push(`Done in ${(s.durationMs / 1000).toFixed(2)} s`);
  return `${out.join('\n')}\n`;
}

/** The lines saying what a derived version adds to its parent. */
function renderLineage(l: EtlLineage): string[] {
  const day = (iso: string | null) => (iso === null ? '?' : iso.replace('T', ' ').slice(0, 19));
  const of = l.modelName === null ? 'every model of the schema' : l.modelName;
  const lines = [
    `  derived from ${l.parentId} + ${int(l.records)} labelled production records (${l.labelSource} on predictions of ${of}, labelled ${day(l.firstLabelledAt)} to ${day(l.lastLabelledAt)} UTC, snapshot before ${day(l.labelledBefore)})`,
    `  records: ${int(l.rowsAdded)} joined the training split · ${int(l.heldOutOverlap)} equal to a held-out row of the parent (no split) · ${int(l.quarantined)} quarantined · ${int(l.duplicates)} exact duplicates · ${int(l.labelConflicts)} label conflicts (kept, flagged); validation and test rows are the parent's`,
  ];
  for (const c of l.conflicts.slice(0, 5)) {
    lines.push(
      `  label conflict: prediction ${c.predictionId} labelled ${c.label}, row ${c.conflictsWithRow} has the same features with the other label`,
    );
  }
  return lines;
}
