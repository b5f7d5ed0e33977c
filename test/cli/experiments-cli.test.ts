import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIC } from '../helpers/fixture-files.js';
import { runCli } from '../helpers/run-cli.js';

/** `sporeprint experiments …` end to end, as a user runs them (SQLite). */
describe('sporeprint experiments (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sporeprint-experiments-cli-'));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    SPOREPRINT_VAR_DIR: dir,
    SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
  };
  const cli = (...args: string[]) => runCli(args, env);
  const count = async () => {
    const list = await cli('experiments', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    return (JSON.parse(list.stdout) as unknown[]).length;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    expect((await cli('etl', '--source', CLASSIC, '--json')).code).toBe(0);
    const train = await cli('train', '--models', 'lr,dt', '--register', '--actor', 'trainer', '--json');
    expect(train.code, train.stderr).toBe(0);
    const promoted = await cli('models', 'promote', 'sporeprint-classic', '1', '--reason', 'first');
    expect(promoted.code, promoted.stderr).toBe(0);
  }, 400_000);

  it('refuses bad input with a non-zero exit naming the problem, creating nothing', async () => {
    const cases: [string[], number, RegExp][] = [
      [
        ['--control', '1', '--challenger', '9'],
        2,
        /Arm challenger: version 9 of model sporeprint-classic is not registered/,
      ],
      [['--control', '1', '--challenger', 'abc'], 2, /expected \[name=\]version\[:weight\].*'abc'/],
      [['--control', '1:0', '--challenger', '2:0'], 2, /must sum to a positive number/],
      [['--challenger', '2'], 2, /give exactly one --control/],
      [['--control', '1', '--shadow', '2:5'], 2, /a shadow serves no traffic/],
      [
        ['--control', '1', '--challenger', '2', '--alpha', '2'],
        2,
        /--alpha.*expected a number from 0.000001 to 0.5, got '2'/,
      ],
      [['--control', '1', '--challenger', '2', '--model', 'nope'], 1, /SP_ERR_NOT_FOUND.*nope/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli('experiments', 'create', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(message);
    }
    expect(await count()).toBe(0);
    const unknown = await cli('experiments', 'start', 'exp-none');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error [SP_ERR_NOT_FOUND]: Experiment exp-none does not exist');
  }, 120_000);

  it('walks an experiment through its lifecycle and concludes it through the registry', async () => {
    const created = await cli(
      'experiments',
      'create',
      '--id',
      'exp-cli',
      '--control',
      '1',
      '--challenger',
      '2:30',
      '--shadow',
      'mirror=2',
      '--description',
      'lr vs dt',
      '--actor',
      'alice',
      '--reason',
      'try dt',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('Created experiment exp-cli (draft)');
    expect(created.stdout).toMatch(/challenger\s+challenger\s+v2\s+30/);
    expect(created.stdout).toMatch(/mirror\s+shadow\s+v2\s+0/);

    const draftConclude = await cli('experiments', 'conclude', 'exp-cli', '--winner', 'challenger');
    expect(draftConclude.code).toBe(1);
    expect(draftConclude.stderr).toMatch(/SP_ERR_EXPERIMENT_STATE.*it is draft/);

    const started = await cli('experiments', 'start', 'exp-cli', '--actor', 'bob', '--reason', 'go');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('Started experiment exp-cli on sporeprint-classic: now running');
    const other = await cli(
      'experiments',
      'create',
      '--id',
      'exp-other',
      '--control',
      '1',
      '--challenger',
      '2',
    );
    expect(other.code, other.stderr).toBe(0);
    const second = await cli('experiments', 'start', 'exp-other');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('experiment exp-cli is already running on model sporeprint-classic');

    const badWeights = await cli('experiments', 'weights', 'exp-cli', '--weights', 'control=x');
    expect(badWeights.code).toBe(2);
    expect(badWeights.stderr).toMatch(/expected arm=weight/);
    const weights = await cli('experiments', 'weights', 'exp-cli', '--weights', 'control=50,challenger=50');
    expect(weights.code, weights.stderr).toBe(0);
    expect(weights.stdout).toContain('New weights of exp-cli: control=50, challenger=50, mirror=0');

    for (const action of ['pause', 'resume', 'stop']) {
      const r = await cli('experiments', action, 'exp-cli', '--actor', 'carol');
      expect(r.code, r.stderr).toBe(0);
    }
    const shown = await cli('experiments', 'show', 'exp-cli', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ experiment: { id: 'exp-cli', status: 'stopped' } });

    const noReason = await cli('experiments', 'conclude', 'exp-cli', '--winner', 'challenger', '--force');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--force needs --reason');
    const concluded = await cli(
      'experiments',
      'conclude',
      'exp-cli',
      '--winner',
      'challenger',
      '--actor',
      'dave',
      '--reason',
      'dt is better',
    );
    expect(concluded.code, concluded.stderr).toBe(0);
    expect(concluded.stdout).toContain(
      'Concluded experiment exp-cli: winner challenger (v2); promoted sporeprint-classic v2 → Production',
    );
    const registry = await cli('models', 'history', 'sporeprint-classic');
    expect(registry.stdout).toContain('experiment exp-cli concluded');

    const history = await cli('experiments', 'history', 'exp-cli');
    expect(history.code, history.stderr).toBe(0);
    for (const s of [
      'alice',
      'bob',
      'carol',
      'dave',
      'weights',
      'draft → running',
      'stopped → concluded',
      'dt is better',
    ])
      expect(history.stdout).toContain(s);
    const list = await cli('experiments', 'list', '--status', 'concluded');
    expect(list.stdout).toMatch(/exp-cli\s+sporeprint-classic\s+concluded/);
    const check = await cli('experiments', 'check');
    expect(check.stdout).toContain('No running experiments.');
  }, 200_000);
});
