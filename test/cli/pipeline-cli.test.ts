import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { FIXTURE_MODULE } from '../pipelines/pipeline-runner.conformance.js';

/** `sporeprint pipeline …` as a user runs it, with the test pipeline module (SQLite, local executor). */
describe('sporeprint pipeline (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-pipeline-cli-'));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    SPOREPRINT_VAR_DIR: dir,
    SPOREPRINT_PIPELINE_MODULES: FIXTURE_MODULE,
    SPOREPRINT_WORKER_CONCURRENCY: '2',
  };
  const cli = (...args: string[]) => runCli(args, env);
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists pipelines, runs one to the end, shows it, lists runs and logs', async () => {
    const list = await cli('pipeline', 'pipelines');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^retrain: ETL/m);
    expect(list.stdout).toMatch(/^diamond \(.*test-pipelines\.ts\): a → \(b, c\) → d/m);

    const run = await cli('pipeline', 'run', 'diamond', '--param', 'start=3', '--json');
    expect(run.code, run.stderr).toBe(0);
    const view = JSON.parse(run.stdout) as { run: { id: string; state: string; outcome: unknown } };
    expect(view.run).toMatchObject({ state: 'succeeded', outcome: { value: 116 } });
    expect(run.stderr).toMatch(/^d: succeeded$/m);

    const shown = await cli('pipeline', 'show', view.run.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/: succeeded\n/);
    expect(shown.stdout).toMatch(/^d\s+add\s+succeeded\s+1\/1/m);
    const runs = JSON.parse(
      (await cli('pipeline', 'list', '--pipeline', 'diamond', '--json')).stdout,
    ) as unknown[];
    expect(runs).toHaveLength(1);
    const logs = await cli('pipeline', 'logs', view.run.id, '--task', 'a');
    expect(logs.stdout).toMatch(/ a#1 info {2}value 3$/m);
  }, 120_000);

  it('a failed run exits 1; retry reruns it; retrying a succeeded run is refused', async () => {
    const failed = await cli('pipeline', 'run', 'retry-once', '--json');
    expect(failed.code).toBe(1);
    const view = JSON.parse(failed.stdout) as { run: { id: string; state: string; error: string } };
    expect(view.run).toMatchObject({ state: 'failed', error: 'task flaky failed: flaky: attempt 1 fails' });
    const retried = await cli('pipeline', 'retry', view.run.id);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/^flaky\s+flaky\s+succeeded\s+2\/1/m);
    const again = await cli('pipeline', 'retry', view.run.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /error \[SP_ERR_PIPELINE_STATE\]: cannot retry pipeline run .*: it is succeeded/,
    );
    const cancel = await cli('pipeline', 'cancel', view.run.id);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/SP_ERR_PIPELINE_STATE.*only running or paused runs/);
  }, 120_000);

  it('refuses bad input with a clear error and the right exit code', async () => {
    const cases: [string[], number, RegExp][] = [
      [
        ['run', 'nope'],
        1,
        /SP_ERR_NOT_FOUND\]: unknown pipeline "nope" \(known: always-fails, diamond, .*retrain/,
      ],
      [['run', 'diamond', '--param', 'start'], 2, /expected name=value, e\.g\. deploy=promote, got 'start'/],
      [
        ['run', 'diamond', '--param', 'nope=1'],
        2,
        /SP_ERR_PIPELINE_SPEC.*unknown parameter "nope" \(it takes: start\)/,
      ],
      [['run', 'diamond', '--param', 'start=abc'], 2, /SP_ERR_PIPELINE_SPEC.*start.*abc/],
      [
        ['run', 'retrain', '--param', 'experimentTraffic=2'],
        2,
        /experimentTraffic must lie strictly between 0 and 1/,
      ],
      [['run', 'diamond', '--detach'], 2, /--detach needs SPOREPRINT_EXECUTOR=bullmq/],
      [['show', 'no-such-run'], 1, /SP_ERR_NOT_FOUND\]: pipeline run no-such-run does not exist/],
      [['list', '--state', 'sleeping'], 2, /expected one of running, paused, succeeded, failed, cancelled/],
      [['export', 'luigi', '--out', join(dir, 'x.py')], 2, /unknown export format 'luigi'/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli('pipeline', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const badModule = await runCli(['pipeline', 'pipelines'], {
      ...env,
      SPOREPRINT_PIPELINE_MODULES: join(dir, 'none.ts'),
    });
    expect(badModule.code).toBe(2);
    expect(badModule.stderr).toMatch(
      /SP_ERR_CONFIG\]: invalid setting pipelines\.modules .*cannot load .*none\.ts/,
    );
  }, 120_000);

  it('validates spec files: the plan, or every problem with exit 2', async () => {
    const good = file('good.json', {
      name: 'mine',
      tasks: [
        { id: 'a', kind: 'value', params: { value: 2 } },
        { id: 'b', kind: 'add', dependsOn: ['a'], retry: { retries: 2 } },
      ],
    });
    const ok = await cli('pipeline', 'validate', '--file', good);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Pipeline mine is valid/);
    expect(ok.stdout).toMatch(/^b\s+add\s+a\s+3/m);
    const cycle = file('cycle.json', {
      name: 'loop',
      tasks: [
        { id: 'a', kind: 'value', dependsOn: ['b'] },
        { id: 'b', kind: 'add', dependsOn: ['a'] },
        { id: 'c', kind: 'add', dependsOn: ['ghost'] },
        { id: 'd', kind: 'teleport' },
      ],
    });
    const bad = await cli('pipeline', 'validate', '--file', cycle);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a valid pipeline:/);
    expect(bad.stderr).toMatch(/dependency cycle: a → b → a/);
    expect(bad.stderr).toMatch(/ghost/);
    expect(bad.stderr).toMatch(/teleport/);
    const notJson = await cli('pipeline', 'validate', '--file', file('bad.json', '{"name":'));
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/SP_ERR_USAGE\]: cannot read .*bad\.json as JSON/);
  }, 120_000);

  it('runs tasks one by one for Airflow and exports the DAG', async () => {
    const early = await cli('pipeline', 'task', 'diamond', 'd', '--run-key', 'manual__1');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /SP_ERR_PIPELINE_STATE\].*upstream task\(s\) not succeeded: b \(pending\), c \(pending\)/,
    );
    for (const t of ['a', 'b', 'c', 'd']) {
      const r = await cli('pipeline', 'task', 'diamond', t, '--run-key', 'manual__1');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Task ${t} of pipeline run .*: succeeded \\(attempt 1\\)`));
    }
    const repeat = await cli('pipeline', 'task', 'diamond', 'a', '--run-key', 'manual__1');
    expect(repeat.stdout).toMatch(/already succeeded: nothing to do/);
    const runs = JSON.parse((await cli('pipeline', 'list', '--pipeline', 'diamond', '--json')).stdout) as {
      executor: string;
      state: string;
      triggerRef: string;
    }[];
    expect(runs.find((r) => r.triggerRef === 'manual__1')).toMatchObject({
      executor: 'external',
      state: 'succeeded',
    });
    await cli('pipeline', 'task', 'always-fails', 'a', '--run-key', 'k2');
    const boom = await cli('pipeline', 'task', 'always-fails', 'boom', '--run-key', 'k2');
    expect(boom.code).toBe(1);
    expect(boom.stdout).toMatch(
      /Task boom of pipeline run .*: failed \(attempt 1\): always fails \(attempt 1\)/,
    );

    const out = join(dir, 'dags', 'sporeprint_retrain.py');
    const exported = await cli('pipeline', 'export', 'airflow', '--out', out);
    expect(exported.code, exported.stderr).toBe(0);
    const dag = readFileSync(out, 'utf8');
    expect(dag).toContain('sporeprint pipeline task retrain etl --run-key');
    expect(dag).toContain('t_select >> t_register');
  }, 180_000);
});
