import type {
  ArtifactCheck,
  GateVerdict,
  ModelDetails,
  ModelVersionRecord,
  PromotionResult,
  RegisteredModelRecord,
  RegistryEventRecord,
  TransitionResult,
  VersionComparison,
} from '../../services/index.js';
import { int, pct, table } from './format.js';

const f4 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4));
const time = (d: Date): string => d.toISOString().replace('T', ' ').slice(0, 19);

interface TestFigures {
  readonly recall?: number;
  readonly falseEdible?: number;
  readonly accuracy?: number;
}

/** The test-split figures stored with a version (or an event), when present. */
function testOf(metrics: unknown): TestFigures {
  const t = (metrics as { test?: TestFigures } | null | undefined)?.test;
  return t ?? {};
}

/** `models list`. */
export function renderModelList(models: readonly RegisteredModelRecord[]): string {
  if (models.length === 0) return 'No registered models yet: run `sporeprint train --register`.\n';
  return `${table([
    ['model', 'latest', 'production', 'aliases', 'created (UTC)'],
    ...models.map((m) => [
      m.name,
      `v${m.latestVersion}`,
      m.productionVersion === null ? '-' : `v${m.productionVersion}`,
      Object.entries(m.aliases)
        .map(([a, v]) => `${a}→v${v}`)
        .join(', ') || '-',
      time(m.createdAt),
    ]),
  ])}\n`;
}

/** `models show <name>`. */
export function renderModelDetails(d: ModelDetails): string {
  const out = [
    `Model ${d.model.name}${d.model.description ? ` — ${d.model.description}` : ''}`,
    `Production: ${d.model.productionVersion === null ? 'none' : `v${d.model.productionVersion}`}`,
    '',
    table([
      [
        'version',
        'stage',
        'aliases',
        'kind',
        'recall(p)',
        'false-edible',
        'accuracy',
        'run',
        'dataset',
        'author',
        'created (UTC)',
      ],
      ...d.versions.map((v) => {
        const t = testOf(v.metrics);
        return [
          `v${v.version}`,
          v.stage,
          v.aliases.join(', ') || '-',
          v.tags.modelKind ?? '-',
          f4(t.recall),
          t.falseEdible === undefined ? '-' : int(t.falseEdible),
          t.accuracy === undefined ? '-' : pct(t.accuracy, 3),
          v.runId,
          v.datasetId,
          v.author,
          time(v.createdAt),
        ];
      }),
    ]),
  ];
  return `${out.join('\n')}\n`;
}

/** `models show <name> --version N`. */
export function renderVersion(v: ModelVersionRecord): string {
  const m = v.metrics as Record<string, TestFigures & { n?: number }> | null;
  const lines = [
    `${v.modelName} v${v.version}`,
    table([
      ['stage', v.stage],
      ['aliases', v.aliases.join(', ') || '-'],
      ['author', v.author],
      ['created (UTC)', time(v.createdAt)],
      ['description', v.description || '-'],
      [
        'tags',
        Object.entries(v.tags)
          .map(([k, x]) => `${k}=${x}`)
          .join(', ') || '-',
      ],
      ['training run', v.runId],
      ['dataset version', v.datasetId],
      ['source sha256', v.sourceSha256],
      ['artifact sha256', `${v.artifactSha256} (${v.artifactStore} store)`],
      ['params', JSON.stringify(v.params)],
    ]),
    '',
  ];
  const splits = (['train', 'validation', 'test'] as const).filter((s) => m?.[s] !== undefined);
  if (splits.length > 0) {
    lines.push(
      table([
        ['split', 'rows', 'recall(p)', 'false-edible', 'accuracy'],
        ...splits.map((s) => {
          const t = m?.[s] ?? {};
          return [
            s,
            t.n === undefined ? '-' : int(t.n),
            f4(t.recall),
            String(t.falseEdible ?? '-'),
            t.accuracy === undefined ? '-' : pct(t.accuracy, 3),
          ];
        }),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The gate's verdict: every rule with its figures and PASS/FAIL. */
export function renderGate(g: GateVerdict): string {
  const c = g.candidate.figures;
  const head =
    `Quality gate for v${g.candidate.version} on the test split of ${g.datasetId} (${int(c.n)} rows, ` +
    `${int(c.positives)} poisonous)` +
    (g.production === null ? ', no version in Production' : `, against Production v${g.production.version}`) +
    `: ${g.passed ? 'PASSED' : 'FAILED'}`;
  return `${head}\n${table([
    ['rule', 'result', 'figures'],
    ...g.rules.map((r) => [r.rule, r.passed ? 'pass' : 'FAIL', r.message]),
  ])}\n`;
}

function transitionLine(verb: string, r: TransitionResult): string {
  const v = r.version;
  const prev = r.previousProduction === null ? '' : ` (v${r.previousProduction.version} archived)`;
  return `${verb} ${v.modelName} v${v.version} → ${v.stage}${prev}\n`;
}

/** `models promote`. */
export function renderPromotion(r: PromotionResult): string {
  const gate = r.gate === null ? '' : renderGate(r.gate);
  const forced = r.forced ? 'FORCED: ' : '';
  return `${gate}${forced}${transitionLine('Promoted', r)}`;
}

/** `models rollback` / `models archive`. */
export function renderTransition(verb: string, r: TransitionResult): string {
  return transitionLine(verb, r);
}

/** `models history`. */
export function renderHistory(name: string, events: readonly RegistryEventRecord[]): string {
  if (events.length === 0) return `Model ${name} has no history.\n`;
  return `${table([
    [
      '#',
      'time (UTC)',
      'event',
      'version',
      'stage',
      'alias',
      'actor',
      'forced',
      'recall(p)',
      'false-edible',
      'reason',
    ],
    ...events.map((e) => {
      const t = testOf(e.metrics);
      return [
        String(e.id),
        time(e.createdAt),
        e.event,
        `v${e.version}`,
        e.fromStage === null && e.toStage === null ? '-' : `${e.fromStage ?? '-'} → ${e.toStage ?? '-'}`,
        e.alias ?? '-',
        e.actor,
        e.forced ? 'FORCED' : '-',
        f4(t.recall),
        t.falseEdible === undefined ? '-' : String(t.falseEdible),
        e.reason ?? '-',
      ];
    }),
  ])}\n`;
}

/** `models compare`. */
export function renderComparison(c: VersionComparison): string {
  const [a, b] = c.versions;
  const sign = (x: number, digits = 4): string => (x > 0 ? '+' : x < 0 ? '' : '±') + x.toFixed(digits);
  const rows: (string | number)[][] = [['metric', `v${a}`, `v${b}`, `delta (v${b} − v${a})`]];
  for (const [k, m] of Object.entries(c.metrics)) {
    const count = k === 'falseEdible';
    rows.push([
      k,
      count ? String(m.a) : f4(m.a),
      count ? String(m.b) : f4(m.b),
      sign(m.delta, count ? 0 : 4),
    ]);
  }
  rows.push([
    'served false-edible',
    String(c.served.falseEdible.a),
    String(c.served.falseEdible.b),
    sign(c.served.falseEdible.delta, 0),
  ]);
  rows.push([
    'uncertain share',
    pct(c.served.uncertainShare.a),
    pct(c.served.uncertainShare.b),
    sign(c.served.uncertainShare.delta),
  ]);
  const names = ['edible', 'poisonous', 'uncertain'];
  const matrix = table([
    [`v${a} \\ v${b}`, ...names],
    ...c.decisionMatrix.map((r, i) => [names[i], ...r.map((x) => x)]),
  ]);
  return (
    `Comparing ${c.model} v${a} and v${b} on the test split of ${c.datasetId} (${int(c.rows)} rows)\n` +
    `${table(rows)}\n\n` +
    `Decisions disagree on ${int(c.disagreements)} of ${int(c.rows)} rows (${pct(c.disagreementShare)}):\n${matrix}\n`
  );
}

/** `models verify`: one line per version, then each problem and a summary. */
export function renderArtifactChecks(checks: readonly ArtifactCheck[]): string {
  if (checks.length === 0) return 'No registered versions to verify.\n';
  const failed = checks.filter((c) => !c.ok);
  const artifacts = new Set(checks.map((c) => c.sha256)).size;
  const lines = [
    table([
      ['model', 'version', 'stage', 'artifact sha256', 'result'],
      ...checks.map((c) => [c.model, `v${c.version}`, c.stage, c.sha256.slice(0, 16), c.code ?? 'ok']),
    ]),
    ...failed.map((c) => `${c.model} v${c.version}: ${c.problem}`),
    failed.length === 0
      ? `${checks.length} version(s), ${artifacts} artifact(s): every artifact present, matching its SHA-256 and loadable`
      : `${failed.length} of ${checks.length} version(s) failed`,
  ];
  return `${lines.join('\n')}\n`;
}
