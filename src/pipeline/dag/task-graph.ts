/**
 * Graph helpers over tasks given as `{ id, dependsOn }` in a fixed order (spec or plan order):
 * topological order, the cycles that prevent one, and what lies up- or downstream of a task.
 */

/** A node of a task graph: its id and the ids it depends on. */
export interface GraphTask {
  readonly id: string;
  readonly dependsOn?: readonly string[];
}

/**
 * Kahn's algorithm, ties broken by the tasks' order in `tasks`. Dependencies on ids not in `tasks`
 * are ignored. Returns the ids in order and those left over (on or behind a cycle).
 */
export function topologicalOrder(tasks: readonly GraphTask[]): { order: string[]; leftOver: string[] } {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const waiting = tasks.map((t) => new Set((t.dependsOn ?? []).filter((d) => index.has(d))).size);
  const dependents = dependentsOf(tasks);
  // indexes of tasks with nothing left to wait for, kept sorted ascending
  const ready: number[] = [];
  waiting.forEach((n, i) => {
    if (n === 0) ready.push(i);
  });
  const order: string[] = [];
  while (ready.length > 0) {
    const i = ready.shift()!;
    order.push(tasks[i].id);
    for (const d of dependents.get(tasks[i].id) ?? []) {
      const j = index.get(d)!;
      waiting[j] -= 1;
      if (waiting[j] === 0) insertSorted(ready, j);
    }
  }
  const placed = new Set(order);
  return { order, leftOver: tasks.filter((t) => !placed.has(t.id)).map((t) => t.id) };
}

/**
 * The cycles of the graph, each as the ids along it in run order (a dependency before its
 * dependent) closed by its first id: `['a', 'b', 'c', 'a']`. One cycle per strongly connected
 * component, starting at the component's first task in `tasks`; a self-dependency is a cycle of one.
 */
export function findCycles(tasks: readonly GraphTask[]): string[][] {
  const next = dependentsOf(tasks);
  const cycles: string[][] = [];
  for (const component of stronglyConnected(tasks, next)) {
    const start = component[0];
    const members = new Set(component);
    const selfLoop = (next.get(start) ?? []).includes(start);
    if (component.length === 1 && !selfLoop) continue;
    if (selfLoop) {
      cycles.push([start, start]);
      continue;
    }
    const path = pathBack(start, members, next);
    if (path) cycles.push(path);
  }
  return cycles;
}

/**
 * Every task that depends on `taskId`, directly or not, in the order of `graph.tasks` (a plan or a
 * spec); `taskId` itself is not included.
 */
export function downstreamOf(graph: { readonly tasks: readonly GraphTask[] }, taskId: string): string[] {
  return reachable(graph.tasks, taskId, dependentsOf(graph.tasks));
}

/**
 * Every task `taskId` depends on, directly or not, in the order of `graph.tasks` (a plan or a spec);
 * `taskId` itself is not included.
 */
export function upstreamOf(graph: { readonly tasks: readonly GraphTask[] }, taskId: string): string[] {
  const deps = new Map(graph.tasks.map((t) => [t.id, t.dependsOn ?? []]));
  return reachable(graph.tasks, taskId, deps);
}

function reachable(
  tasks: readonly GraphTask[],
  from: string,
  edges: ReadonlyMap<string, readonly string[]>,
): string[] {
  const seen = new Set<string>();
  const stack = [...(edges.get(from) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(edges.get(id) ?? []));
  }
  seen.delete(from);
  return tasks.filter((t) => seen.has(t.id)).map((t) => t.id);
}

/** id → ids of the tasks that depend on it, in the order of `tasks`. */
function dependentsOf(tasks: readonly GraphTask[]): Map<string, string[]> {
  const out = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const t of tasks) {
    for (const d of new Set(t.dependsOn ?? [])) out.get(d)?.push(t.id);
  }
  return out;
}

/** Tarjan's strongly connected components, each listed in the order of `tasks`. */
function stronglyConnected(
  tasks: readonly GraphTask[],
  next: ReadonlyMap<string, readonly string[]>,
): string[][] {
  const position = new Map(tasks.map((t, i) => [t.id, i]));
  const low = new Map<string, number>();
  const num = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  // iterative DFS: frames of (node, index of the next edge to follow)
  for (const root of tasks) {
    if (num.has(root.id)) continue;
    const frames: Array<[string, number]> = [[root.id, 0]];
    num.set(root.id, counter);
    low.set(root.id, counter++);
    stack.push(root.id);
    onStack.add(root.id);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const [v, k] = frame;
      const edges = next.get(v) ?? [];
      if (k < edges.length) {
        frame[1] = k + 1;
        const w = edges[k];
        if (!num.has(w)) {
          num.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          frames.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, num.get(w)!));
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === num.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        components.push(component.sort((a, b) => position.get(a)! - position.get(b)!));
      }
    }
  }
  return components.sort((a, b) => position.get(a[0])! - position.get(b[0])!);
}

/** A shortest path start → … → start inside `members` (breadth first), closed by `start`. */
function pathBack(
  start: string,
  members: ReadonlySet<string>,
  next: ReadonlyMap<string, readonly string[]>,
): string[] | null {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = previous.get(u)!) path.push(u);
        path.push(start);
        return [path[0], ...path.slice(1, -1).reverse(), start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return null;
}

function insertSorted(sorted: number[], value: number): void {
  let i = sorted.length;
  while (i > 0 && sorted[i - 1] > value) i -= 1;
  sorted.splice(i, 0, value);
}
