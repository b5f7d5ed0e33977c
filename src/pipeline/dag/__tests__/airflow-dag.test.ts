import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airflowDag, pythonString } from '../airflow-dag.js';
import type { PipelineSpec } from '../pipeline-types.js';
import { planPipeline } from '../plan-pipeline.js';

/** Reads a DAG file with Python's ast (no Airflow needed) and prints what it defines as JSON. */
const READER = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
def const(node):
    return ast.literal_eval(node)
with_node = next(n for n in tree.body if isinstance(n, ast.With))
dag_call = with_node.items[0].context_expr
dag = {k.arg: k.value for k in dag_call.keywords}
names, tasks, edges = {}, {}, []
for stmt in with_node.body:
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and stmt.value.func.id == "BashOperator":
        kw = {k.arg: k.value for k in stmt.value.keywords}
        task_id = const(kw["task_id"])
        names[stmt.targets[0].id] = task_id
        def ms(key):
            if key not in kw: return None
            return const(kw[key].keywords[0].value)
        tasks[task_id] = {
            "retries": const(kw["retries"]),
            "bash": const(kw["bash_command"]),
            "env": const(kw["env"]),
            "delay": ms("retry_delay"),
            "backoff": const(kw["retry_exponential_backoff"]) if "retry_exponential_backoff" in kw else False,
            "max_delay": ms("max_retry_delay"),
            "timeout": ms("execution_timeout"),
        }
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.RShift):
        edges.append([names[stmt.value.left.id], names[stmt.value.right.id]])
start = dag["start_date"]
print(json.dumps({
    "dag_id": const(dag["dag_id"]),
    "schedule": const(dag["schedule"]),
    "timezone": const(start.keywords[0].value),
    "description": const(dag["description"]) if "description" in dag else None,
    "tags": const(dag["tags"]),
    "catchup": const(dag["catchup"]),
    "max_active_runs": const(dag["max_active_runs"]),
    "task_ids": list(tasks),
    "tasks": tasks,
    "edges": edges,
}))
`;

interface ReadDag {
  dag_id: string;
  schedule: string | null;
  timezone: string;
  description: string | null;
  tags: string[];
  catchup: boolean;
  max_active_runs: number;
  task_ids: string[];
  tasks: Record<
    string,
    {
      retries: number;
      bash: string;
      env: Record<string, string>;
      delay: number;
      backoff: boolean;
      max_delay: number | null;
      timeout: number | null;
    }
  >;
  edges: Array<[string, string]>;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sporeprint-airflow-'));
  await writeFile(join(dir, 'read_dag.py'), READER);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readWithPython(text: string, file = 'dag.py'): Promise<ReadDag> {
  await writeFile(join(dir, file), text);
  const { stdout } = await promisify(execFile)('python3', [join(dir, 'read_dag.py'), join(dir, file)]);
  return JSON.parse(stdout) as ReadDag;
}

const kinds = { knownKinds: new Set(['noop', 'etl', 'train', 'select', 'register', 'gate', 'deploy']) };

function planEdges(spec: PipelineSpec, params: Record<string, unknown> = {}): Array<[string, string]> {
  const plan = planPipeline(spec, params, kinds);
  return plan.tasks.flatMap((t) => t.dependsOn.map((d): [string, string] => [d, t.id]));
}

const diamond: PipelineSpec = {
  name: 'diamond',
  tasks: [
    { id: 'd', kind: 'noop', dependsOn: ['b', 'c'] },
    { id: 'b', kind: 'noop', dependsOn: ['a'], retry: { retries: 2, factor: 1, delayMs: 500 } },
    { id: 'c', kind: 'noop', dependsOn: ['a'], timeoutMs: 90_000 },
    { id: 'a', kind: 'noop' },
  ],
};

const retrain: PipelineSpec = {
  name: 'retrain',
  description: 'ETL → train ×3 → select → register → gate → deploy',
  params: {
    deploy: { type: 'string', enum: ['promote', 'stop'], default: 'stop' },
    source: { type: 'string', required: true },
  },
  defaults: { retry: { retries: 2, delayMs: 2000, maxDelayMs: 60_000 } },
  tasks: [
    { id: 'etl', kind: 'etl', params: { source: { $param: 'source' } } },
    ...['logistic-regression', 'decision-tree', 'gradient-boosting'].map((m) => ({
      id: `train-${m}`,
      kind: 'train',
      dependsOn: ['etl'],
      params: { model: m },
      timeoutMs: 600_000,
    })),
    {
      id: 'select',
      kind: 'select',
      dependsOn: ['train-logistic-regression', 'train-decision-tree', 'train-gradient-boosting'],
    },
    { id: 'register', kind: 'register', dependsOn: ['select'], retry: { retries: 0 } },
    { id: 'gate', kind: 'gate', dependsOn: ['register'] },
    { id: 'deploy', kind: 'deploy', dependsOn: ['gate'], params: { mode: { $param: 'deploy' } } },
  ],
};

describe('airflowDag', () => {
  it('writes a diamond that Python parses into the plan graph, unscheduled', async () => {
    const text = airflowDag({ spec: diamond, command: 'sporeprint' });
    expect(text.startsWith('# Generated by sporeprint from the pipeline "diamond" - do not edit')).toBe(true);
    const dag = await readWithPython(text);
    const plan = planPipeline(diamond, {}, kinds);
    expect(dag.dag_id).toBe('sporeprint_diamond');
    expect(dag.schedule).toBeNull();
    expect(dag.timezone).toBe('UTC');
    expect(dag.task_ids).toEqual(plan.tasks.map((t) => t.id));
    expect(dag.edges).toEqual(planEdges(diamond));
    expect(dag.tasks.a).toEqual({
      retries: 0,
      bash: 'sporeprint pipeline task diamond a --run-key "$SPOREPRINT_RUN_KEY"',
      env: { SPOREPRINT_RUN_KEY: '{{ run_id }}' },
      delay: 1000,
      backoff: true,
      max_delay: 300000,
      timeout: null,
    });
    expect(dag.tasks.b).toMatchObject({ retries: 2, delay: 500, backoff: false, max_delay: null });
    expect(dag.tasks.c.timeout).toBe(90000);
  });

  it('writes the retrain-shaped pipeline with its schedule, retries and timeouts', async () => {
    const text = airflowDag({
      spec: retrain,
      command: 'npx --yes sporeprint',
      schedule: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
      dagId: 'nightly.retrain',
    });
    const dag = await readWithPython(text);
    const plan = planPipeline(retrain, { source: 'x.csv' }, kinds);
    expect(dag).toMatchObject({
      dag_id: 'nightly.retrain',
      schedule: '0 3 * * *',
      timezone: 'Europe/Berlin',
      description: 'ETL → train ×3 → select → register → gate → deploy',
      tags: ['sporeprint'],
      catchup: false,
      max_active_runs: 1,
    });
    expect(dag.task_ids).toEqual(plan.tasks.map((t) => t.id));
    expect(dag.edges).toEqual(planEdges(retrain, { source: 'x.csv' }));
    expect(dag.edges).toHaveLength(9);
    expect(Object.fromEntries(Object.entries(dag.tasks).map(([id, t]) => [id, t.retries]))).toEqual(
      Object.fromEntries(plan.tasks.map((t) => [t.id, t.retry.maxAttempts - 1])),
    );
    expect(dag.tasks['train-decision-tree']).toMatchObject({
      timeout: 600000,
      delay: 2000,
      max_delay: 60000,
    });
    expect(dag.tasks.deploy.bash).toBe(
      'npx --yes sporeprint pipeline task retrain deploy --run-key "$SPOREPRINT_RUN_KEY"',
    );
    // one `t_a >> t_b` line per edge, with safe names
    expect(text).toContain('    t_train_decision_tree >> t_select\n');
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true); // ASCII only
  });

  it('keeps Python names unique when ids differ only by - and _', async () => {
    const spec: PipelineSpec = {
      name: 'p',
      tasks: [
        { id: 'a-b', kind: 'noop' },
        { id: 'a_b', kind: 'noop', dependsOn: ['a-b'] },
      ],
    };
    const text = airflowDag({ spec, command: 'sporeprint' });
    expect(text).toContain('    t_a_b >> t_a_b_2\n');
    expect((await readWithPython(text)).edges).toEqual([['a-b', 'a_b']]);
  });

  it('escapes any text into a valid Python string literal', async () => {
    const nasty = "quote \" backslash \\ newline \n tab \t nul \u0000 é 😀 \u2028 'single' {{ x }}";
    expect(pythonString('a"b')).toBe('"a\\"b"');
    const dag = await readWithPython(
      airflowDag({ spec: { ...diamond, description: nasty }, command: 'sporeprint' }),
    );
    expect(dag.description).toBe(nasty);
  });

  it('refuses an invalid spec, dag id, command or schedule', () => {
    const cyclic: PipelineSpec = {
      name: 'p',
      tasks: [
        { id: 'a', kind: 'noop', dependsOn: ['b'] },
        { id: 'b', kind: 'noop', dependsOn: ['a'] },
      ],
    };
    expect(() => airflowDag({ spec: cyclic, command: 'sporeprint' })).toThrow('dependency cycle: a → b → a');
    expect(() => airflowDag({ spec: diamond, command: 'sporeprint', dagId: 'bad id' })).toThrow(
      'cannot export to Airflow: dag id "bad id" must match',
    );
    for (const command of ['', 'sporeprint\nrm -rf /', 'sporeprint {{ var }}']) {
      expect(() => airflowDag({ spec: diamond, command })).toThrow(/command must be one line of shell/);
    }
    expect(() =>
      airflowDag({
        spec: diamond,
        command: 'sporeprint',
        schedule: { cron: ' ', timezone: 'Europe/Berlin' },
      }),
    ).toThrow('schedule cron must be a one-line expression, got " "');
    expect(() =>
      airflowDag({
        spec: diamond,
        command: 'sporeprint',
        schedule: { cron: '* * * * *', timezone: 'Berlin"); x' },
      }),
    ).toThrow(/schedule timezone must be an IANA time zone name/);
  });
});
