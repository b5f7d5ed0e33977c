import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLASSIC, tempFiles } from '../helpers/fixture-files.js';
import { runCli } from '../helpers/run-cli.js';

describe('sporeprint train / runs (CLI)', () => {
  const files = tempFiles();
  const env = { DATABASE_URL: `sqlite:${join(files.dir, 'cli.sqlite')}`, SPOREPRINT_VAR_DIR: files.dir };

  it('trains with a params file, then lists, shows and compares runs', async () => {
    expect((await runCli(['etl', '--source', CLASSIC], env)).code).toBe(0);
    const params = files.write('params.json', JSON.stringify({ dt: { maxDepth: 4 }, lr: { C: 0.5 } }));
    const r = await runCli(['train', '--models', 'lr,dt', '--params', params, '--cv', '3', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { models: { runId: string; params: Record<string, unknown> }[] };
    expect(summary.models).toHaveLength(2);
    expect(summary.models[1].params).toMatchObject({ maxDepth: 4 });
    const [a, b] = summary.models.map((m) => m.runId);
    const list = await runCli(['runs', 'list'], env);
    expect(list.stdout).toContain(a);
    expect(list.stdout).toMatch(/decision-tree .* succeeded/);
    const show = await runCli(['runs', 'show', b], env);
    expect(show.stdout).toMatch(/Calibration on test/);
    expect(show.stdout).toMatch(/"maxDepth":4/);
    const cmp = await runCli(['runs', 'compare', a, b], env);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/test false-edible/);
    const human = await runCli(['train', '--models', 'gbdt'], env);
    expect(human.stdout).toMatch(/recall\(p\)\s+false-edible/);
  });

  it('rejects bad models, folds and params files with exit 2 and a clear message', async () => {
    const badModel = await runCli(['train', '--models', 'rf'], env);
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toMatch(/unknown model 'rf' \(use lr, dt, gbdt\)/);
    const badFolds = await runCli(['train', '--cv', '1'], env);
    expect(badFolds.code).toBe(2);
    const notJson = files.write('bad.json', '{ nope');
    const badParams = await runCli(['train', '--params', notJson], env);
    expect(badParams.code).toBe(2);
    expect(badParams.stderr).toMatch(/cannot read params file/);
    const wrongKey = files.write('wrong.json', JSON.stringify({ forest: {} }));
    expect((await runCli(['train', '--params', wrongKey], env)).stderr).toMatch(/unknown model 'forest'/);
    const missing = await runCli(['runs', 'show', 'run-000'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/SP_ERR_NOT_FOUND.*run-000/);
  });
});
