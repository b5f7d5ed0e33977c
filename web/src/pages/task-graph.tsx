import type { TaskRecord } from './pipeline-types.js';

const BOX_W = 150;
const BOX_H = 44;
const GAP_X = 50;
const GAP_Y = 16;

const FILL: Readonly<Record<string, string>> = {
  succeeded: '#d1fadf',
  failed: '#fee4e2',
  upstream_failed: '#fee4e2',
  running: '#d1e9ff',
  queued: '#d1e9ff',
  retrying: '#fef0c7',
  cancelled: '#eaecf0',
  pending: '#ffffff',
};

/**
 * A run's DAG: one column per depth (a task sits right of everything it depends on), each box naming the
 * task and its state in words (the colour only repeats it), an arrow per dependency.
 */
export function TaskGraph({
  plan,
  tasks,
}: {
  plan: readonly { id: string; kind: string; dependsOn: readonly string[] }[];
  tasks: readonly TaskRecord[];
}) {
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen: Set<string> = new Set()): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const t = plan.find((p) => p.id === id);
    const d =
      t === undefined || t.dependsOn.length === 0
        ? 0
        : 1 + Math.max(...t.dependsOn.map((x) => depthOf(x, seen)));
    depth.set(id, d);
    return d;
  };
  const columns: string[][] = [];
  for (const t of plan) {
    const d = depthOf(t.id);
    if (columns[d] === undefined) columns[d] = [];
    columns[d].push(t.id);
  }
  const pos = new Map<string, { x: number; y: number }>();
  for (const [c, col] of columns.entries()) {
    for (const [r, id] of (col ?? []).entries()) {
      pos.set(id, { x: c * (BOX_W + GAP_X) + 4, y: r * (BOX_H + GAP_Y) + 4 });
    }
  }
  const width = columns.length * (BOX_W + GAP_X) - GAP_X + 8;
  const height = Math.max(...columns.map((c) => c?.length ?? 0), 1) * (BOX_H + GAP_Y) - GAP_Y + 8;
  const stateOf = (id: string) => tasks.find((t) => t.taskId === id)?.state ?? 'pending';
  const summary = plan
    .map((t) => `${t.id}: ${stateOf(t.id)}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}`)
    .join('; ');
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a wide graph scrolls, and must be reachable by keyboard
    <section class="graph" aria-label="Task graph" tabIndex={0}>
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Task graph: ${summary}`}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="#475467" />
          </marker>
        </defs>
        {plan.flatMap((t) =>
          t.dependsOn.map((d) => {
            const a = pos.get(d);
            const b = pos.get(t.id);
            if (a === undefined || b === undefined) return null;
            return (
              <line
                key={`${d}-${t.id}`}
                x1={a.x + BOX_W}
                y1={a.y + BOX_H / 2}
                x2={b.x}
                y2={b.y + BOX_H / 2}
                stroke="#475467"
                stroke-width="1.5"
                marker-end="url(#arrow)"
              />
            );
          }),
        )}
        {plan.map((t) => {
          const p = pos.get(t.id);
          if (p === undefined) return null;
          const state = stateOf(t.id);
          return (
            <g key={t.id} data-task={t.id} data-state={state}>
              <rect
                x={p.x}
                y={p.y}
                width={BOX_W}
                height={BOX_H}
                rx="6"
                fill={FILL[state] ?? '#ffffff'}
                stroke="#344054"
              />
              <text x={p.x + 8} y={p.y + 18} font-size="13" font-weight="600" fill="#101828">
                {t.id.length > 19 ? `${t.id.slice(0, 18)}…` : t.id}
              </text>
              <text x={p.x + 8} y={p.y + 35} font-size="12" fill="#344054">
                {state}
              </text>
            </g>
          );
        })}
      </svg>
    </section>
  );
}
